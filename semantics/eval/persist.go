package eval

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Persistence without re-deriving. A persistence rule `r(x..) :+ r(x..)`
// carries every fact of r into the next tick, and its garbage-collected
// form `r(x..) :+ r(x..), !done(k), (filter)` every fact that passes the
// negations and filters. Evaluated like other rules, each would re-derive
// all of r into the outbox every tick: a hash insert per stored fact, then
// a sort. Instead the tick takes r's rows in canonical order (which it
// needs for Result.Facts anyway), keeps those that pass, and hands that
// slice to the next State as it is, shared, unless other :+ rules add to
// r (then the two sorted runs are merged). When r gained and lost nothing
// in the tick, the next State's r is the very slice of the State the tick
// started from, so comparing the two States (has the node's carried state
// changed?) costs a pointer comparison for it.

// carryRule is a persistence rule evaluated as a filter over its
// relation's sorted rows.
type carryRule struct {
	rule *analysis.Rule
	rel  string
	pl   *plan // atom first; nil when every row is carried (Persist kind)
	keep bool  // set by pl's sink: the row passed
}

// asCarryRule reports whether r is a persistence rule that carryRule can
// evaluate: its body is one atom over the head's relation with distinct
// variables, in the head's order, plus negated atoms and filters only.
func asCarryRule(r *analysis.Rule) (*carryRule, bool) {
	if r.Kind == analysis.Persist {
		return &carryRule{rule: r, rel: r.Head.Rel}, true
	}
	if r.Kind != analysis.NextTick || r.Head.HasAggregate || r.Head.At != nil {
		return nil, false
	}
	atom := -1
	for i := range r.Body {
		switch r.Body[i].Kind {
		case analysis.LitAtom:
			if atom >= 0 {
				return nil, false
			}
			atom = i
		case analysis.LitNegated, analysis.LitFilter:
		default:
			return nil, false
		}
	}
	if atom < 0 {
		return nil, false
	}
	l := &r.Body[atom]
	if l.Rel != r.Head.Rel || len(l.Args) != len(r.Head.Args) {
		return nil, false
	}
	seen := make([]bool, len(r.Vars))
	for i, t := range l.Args {
		h := r.Head.Args[i].Term
		if t.Op != analysis.TermVar || seen[t.Var] || h == nil || h.Op != analysis.TermVar || h.Var != t.Var {
			return nil, false
		}
		seen[t.Var] = true
	}
	return &carryRule{rule: r, rel: r.Head.Rel}, true
}

// compileCarry compiles c's filter plan (the atom, then the rest of the
// rule in plan order). Its first step is only used to bind the row.
func (e *engine) compileCarry(c *carryRule) error {
	if c.rule.Kind == analysis.Persist {
		return nil
	}
	r := c.rule
	order := make([]int, 0, len(r.Plan))
	for _, li := range r.Plan {
		if r.Body[li].Kind == analysis.LitAtom {
			order = append([]int{li}, order...)
		} else {
			order = append(order, li)
		}
	}
	pl, err := e.compilePlan(r, order, true)
	if err != nil {
		return err
	}
	pl.sink = func() error { c.keep = true; return nil }
	c.pl = pl
	return nil
}

// carried returns the rows of sorted (a relation's rows in canonical
// order) that c carries to the next tick, in order (sorted itself when
// all pass), and those it drops, in order (nil when none): the drops are
// the relation's change from the tick to the next State when c is the
// only rule that carries it (carryAll), so nothing has to diff the two.
//
// Both come out of one allocation: kept rows fill buf from the front,
// dropped ones from the back (then reversed into order). kept is capped,
// so nothing appends over the drops; the caller clears them once the
// tick is done with them (releaseDrops), so a State that keeps the
// buffer does not keep the dropped tuples alive.
func (c *carryRule) carried(sorted []value.Tuple) (kept, dropped []value.Tuple, err error) {
	if c.pl == nil {
		return sorted, nil, nil
	}
	s0 := &c.pl.steps[0]
	var buf []value.Tuple
	k, d := 0, len(sorted)
	for i, row := range sorted {
		c.keep = false
		if s0.match(row, c.pl.env) {
			if err := c.pl.run(1); err != nil {
				return nil, nil, err
			}
		}
		switch {
		case c.keep && buf != nil:
			buf[k] = row
			k++
		case !c.keep:
			if buf == nil {
				buf = make([]value.Tuple, len(sorted))
				k = copy(buf, sorted[:i])
			}
			d--
			buf[d] = row
		}
	}
	if buf == nil {
		return sorted, nil, nil
	}
	dropped = buf[d:]
	slices.Reverse(dropped)
	return buf[:k:k], dropped, nil
}

// carryAll evaluates the carry rules over the tick's facts into
// e.persisted, firing those that carry something. For a relation that
// exactly one carry rule carries and no outbox rule adds to, the next
// State's rows are that rule's kept rows, so its change from the tick is
// known without a merge: nothing added, the dropped rows removed. It is
// recorded for nextDiff (e.diffs), which incremental aggregates,
// maintained relations and persistent indexes ask for.
func (e *engine) carryAll(facts FactSet) error {
	clear(e.persisted)
	drops := e.carryDrop // by relation; nil entry: carried by more than one rule
	clear(drops)
	for _, c := range e.carry {
		kept, dropped, err := c.carried(facts[c.rel])
		if err != nil {
			return err
		}
		if len(kept) > 0 {
			e.w.fire(c.rule)
		}
		if len(dropped) > 0 {
			e.drops = append(e.drops, dropped)
		}
		if _, seen := e.persisted[c.rel]; seen {
			drops[c.rel] = nil
		} else {
			drops[c.rel] = dropped
			if dropped == nil {
				drops[c.rel] = []value.Tuple{} // known: nothing dropped
			}
		}
		e.persisted[c.rel] = unionSorted(e.persisted[c.rel], kept)
	}
	for rel, dropped := range drops { // order-free: one map entry each
		if dropped == nil || (e.out.next[rel] != nil && len(e.out.next[rel].rows) > 0) {
			continue
		}
		if e.diffs == nil {
			e.diffs = map[string]dDelta{}
		}
		e.diffs[rel] = dDelta{ok: true, del: dropped}
	}
	return nil
}

// releaseDrops clears the dropped rows carried left at the back of the
// buffers whose fronts the next State keeps (see carried), once the tick
// no longer needs them.
func (e *engine) releaseDrops() {
	for _, d := range e.drops {
		clear(d)
	}
	e.drops = e.drops[:0]
}

// unionSorted merges two sorted, distinct runs into one, dropping
// duplicates; it returns one of them unchanged when the other is empty.
func unionSorted(a, b []value.Tuple) []value.Tuple {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]value.Tuple, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := compareTuples(a[i], b[j]); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(append(out, a[i:]...), b[j:]...)
	return slices.Clip(out)
}

// checkCarryDiffs makes nextDiff check every change recorded ahead of it
// (carryAll) against diffSorted, panicking on a difference. Tests set
// it; it costs a merge per relation and tick.
var checkCarryDiffs atomic.Bool

func checkDiff(rel string, d dDelta, cur, next []value.Tuple) {
	add, del := diffSorted(cur, next)
	if !sameRows(add, d.add) || !sameRows(del, d.del) {
		panic(fmt.Sprintf("%s: recorded change +%v -%v, the rows differ by +%v -%v", rel, d.add, d.del, add, del))
	}
}

func sameRows(a, b []value.Tuple) bool {
	return slices.EqualFunc(a, b, value.Tuple.Equal)
}
