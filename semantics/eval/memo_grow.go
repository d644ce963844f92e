package eval

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Bringing a state-derived relation's memo up to date. A relation whose
// rules are plain and monotone (no aggregate, no negation) over carried
// and static relations, like the corpus's
// `bad_double_reply(id) :- replied(id, p1), replied(id, p2), p1 != p2`,
// only gains facts when what it reads only gains rows: its facts over the
// new rows are its facts over the old ones plus those of the bindings
// that use at least one new row. So when a State's base relations
// changed, the next State keeps the older facts with the older State's
// facts (memoRel.from), and the first tick from it whose base relations
// only grew since then loads the older facts and evaluates each rule once
// per body atom that gained rows, that atom scanning the gained rows and
// the rest probing the whole relations (bindings found twice are the same
// facts: the table keeps one). Any row lost, and the rules are evaluated
// in full.
//
// The cost in memory: a State whose memo holds older facts keeps the
// older State's FactSet reachable (one generation: the tick that brings
// the facts up to date publishes a memo without it), and with it the
// older versions of the relations that changed.

// growthOf returns the rows each base relation of state-derived relation
// i (by position in memo.derived) gained from from to this tick's State;
// ok is false when one lost a row.
func (e *engine) growthOf(i int, from relSet) (map[string][]value.Tuple, bool) {
	adds := map[string][]value.Tuple{}
	for _, name := range e.memo.base[i] {
		old, cur := from.get(name), e.stIn.relOf(name)
		if sameRel(old, cur) {
			continue
		}
		added, removed := diffRels(old, cur)
		if len(removed) > 0 {
			return nil, false
		}
		adds[name] = added
	}
	return adds, true
}

// growthFor returns the gained rows rule r's relation is brought up to
// date from in this tick (nil: it is not).
func (e *engine) growthFor(r *analysis.Rule) map[string][]value.Tuple {
	if e.growing == nil || r.ID >= len(e.memo.relOf) {
		return nil
	}
	if i := e.memo.relOf[r.ID]; i >= 0 {
		return e.growing[i]
	}
	return nil
}

// growRule derives rule r's facts from the bindings that use a gained
// row: once per body atom over a relation that gained rows, with that
// atom first, scanning them.
func (e *engine) growRule(r *analysis.Rule, adds map[string][]value.Tuple) error {
	for _, li := range r.Plan {
		l := &r.Body[li]
		rows := adds[l.Rel]
		if l.Kind != analysis.LitAtom || len(rows) == 0 {
			continue
		}
		pl, err := e.cachedPlan(r, growPlan-li, func() (*plan, error) {
			order := []int{li}
			for _, x := range r.Plan {
				if x != li {
					order = append(order, x)
				}
			}
			return e.compilePlan(r, order, true)
		})
		if err != nil {
			return err
		}
		if pl.sink == nil {
			if pl.sink, err = e.syncSink(pl); err != nil {
				return err
			}
		}
		pl.steps[0].useSrc, pl.steps[0].src = true, rows
		err = pl.start()
		pl.steps[0].src = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// growPlan-j is the cachedPlan position of a rule's plan with body
// literal j first, scanning gained rows (growRule).
const growPlan = fullPlan - 1
