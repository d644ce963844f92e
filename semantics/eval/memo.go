package eval

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Relations derived only from carried state are not recomputed while
// what they depend on is unchanged. A relation is state-derived when no
// fact of it or of anything it depends on can be delivered, and no rule
// on the way calls Choices (choose, index()): its facts in a tick are then
// a function of the node and of the State's relations it reads. The first
// tick from a State publishes them there (a memo); later ticks from that
// State, and from its successors while the relations the memo read are
// unchanged, load them instead of evaluating their rules. The checker and
// the simulator tick many times from one State, and protocols carry logs
// that most ticks leave alone, so this skips e.g. `votersNeeded(count(p))
// :- participant(p)` and invariants over logs on nearly every tick.
//
// Deliveries are checked at run time too: a tick that is given a fact of
// a relation the memo reads or holds neither uses nor makes a memo.

// memoPlan is a component's classification, made once per engine.
type memoPlan struct {
	derived []string        // state-derived relations with rules, sorted
	reads   map[string]bool // every relation they read or hold
	skip    []bool          // by rule ID: a rule of a state-derived relation
}

// stateMemo is what a tick from a State found for the state-derived
// relations, for the node it ran at.
type stateMemo struct {
	node    value.Addr
	counts  map[string]int // the node's topology, copied
	rels    map[string][]value.Tuple
	derived int   // facts the rules derived into them (Result.Derived's share)
	fired   []int // skipped rules that fired making it (Result.Fired's share, coverage.go)
}

func (m *stateMemo) fits(node Node) bool {
	return m.node == node.Addr && maps.Equal(m.counts, node.Topology.Counts)
}

// memoSlot holds a State's memo; published once, read by any tick.
type memoSlot struct{ p atomic.Pointer[stateMemo] }

// planMemo classifies the component's relations.
func planMemo(comp *analysis.Component) *memoPlan {
	static := map[string]bool{}
	for _, f := range comp.Facts {
		static[f.Rel] = true
	}
	impure := map[string]bool{}
	for _, list := range [][]string{comp.ClientInputs, comp.Timers} {
		for _, r := range list {
			impure[r] = true
		}
	}
	for _, r := range comp.Inputs { // read, never derived here: delivered, unless static
		if !static[r] {
			impure[r] = true
		}
	}
	var syncRules []*analysis.Rule
	for _, r := range comp.Rules {
		if r.Kind != analysis.Sync {
			continue
		}
		syncRules = append(syncRules, r)
		for _, a := range r.Head.Args {
			if a.Agg != nil && (a.Agg.Func == syntax.AggChoose || a.Agg.Func == syntax.AggIndex) {
				impure[r.Head.Rel] = true
			}
		}
	}
	for changed := true; changed; { // at most one pass per relation
		changed = false
		for _, r := range syncRules {
			if impure[r.Head.Rel] {
				continue
			}
			for i := range r.Body {
				l := &r.Body[i]
				if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && impure[l.Rel] {
					impure[r.Head.Rel], changed = true, true
					break
				}
			}
		}
	}
	mp := &memoPlan{reads: map[string]bool{}}
	maxID := 0
	for _, r := range syncRules {
		maxID = max(maxID, r.ID)
	}
	mp.skip = make([]bool, maxID+1)
	for _, r := range syncRules {
		if impure[r.Head.Rel] {
			continue
		}
		mp.skip[r.ID] = true
		if !slices.Contains(mp.derived, r.Head.Rel) {
			mp.derived = append(mp.derived, r.Head.Rel)
		}
		mp.reads[r.Head.Rel] = true
		for i := range r.Body {
			if l := &r.Body[i]; l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
				mp.reads[l.Rel] = true
			}
		}
	}
	slices.Sort(mp.derived)
	return mp
}

// memoUsable reports whether this tick may use or make a memo: none of
// its delivered facts touches what the memo reads or holds.
func (mp *memoPlan) usable(delivered []value.Fact) bool {
	if len(mp.derived) == 0 {
		return false
	}
	last := ""
	for _, f := range delivered {
		if f.Rel != last {
			if mp.reads[f.Rel] {
				return false
			}
			last = f.Rel
		}
	}
	return true
}

// skips reports whether rule r is skipped this tick (its facts come from
// the memo).
func (e *engine) skips(r *analysis.Rule) bool {
	return e.memoIn != nil && r.ID < len(e.memo.skip) && e.memo.skip[r.ID]
}

// loadMemo loads a memo's relations into this tick's tables.
func (e *engine) loadMemo(m *stateMemo) error {
	for _, name := range e.memo.derived {
		rows := m.rels[name]
		if len(rows) == 0 {
			continue
		}
		t, err := e.table(name, len(rows[0]), syntax.Pos{})
		if err != nil {
			return err
		}
		before := len(t.rows)
		t.loadSorted(rows)
		e.facts += len(t.rows) - before
		if e.facts > e.w.lim.MaxFacts {
			return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
		}
	}
	e.derived += m.derived
	for _, id := range m.fired {
		e.w.fire(e.w.prog.Rules[id])
	}
	return nil
}

// makeMemo records this tick's state-derived relations; inputs holds the
// sizes of their tables once the tick's inputs were loaded (what is
// beyond was derived).
func (e *engine) makeMemo(facts FactSet, inputs []int) *stateMemo {
	m := &stateMemo{node: e.w.node.Addr, counts: maps.Clone(e.w.node.Topology.Counts), rels: make(map[string][]value.Tuple, len(e.memo.derived))}
	for i, name := range e.memo.derived {
		rows := facts[name]
		m.rels[name] = rows
		m.derived += len(rows) - inputs[i]
	}
	for _, id := range e.w.firedIDs() {
		if id < len(e.memo.skip) && e.memo.skip[id] {
			m.fired = append(m.fired, id)
		}
	}
	return m
}

// memoCarries reports whether a memo made for from is valid for to: the
// relations it reads are the same in both.
func (mp *memoPlan) carries(from, to FactSet) bool {
	for name := range mp.reads { // order-free: a conjunction
		if !sameTuples(from[name], to[name]) {
			return false
		}
	}
	return true
}
