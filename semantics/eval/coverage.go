package eval

import "github.com/dsim-project/dsim/semantics/analysis"

// Rule coverage (docs/CHECKING.md, "Rule coverage"): which rules produced
// a head tuple in a tick. A rule fires when some body match yields a head
// tuple — new or already derived — so the set does not depend on the order
// rules run in, and Tick and Naive agree on it. A persistence rule fires
// when it carries a row. This is the evaluator's only coverage hook: the
// simulator counts the rest (messages, blocking negations) from Results.

// firedRules marks rule IDs; its storage is kept from tick to tick.
type firedRules struct {
	marks []bool
	ids   []int
}

func (f firedRules) reset() firedRules {
	for _, id := range f.ids {
		f.marks[id] = false
	}
	f.ids = f.ids[:0]
	return f
}

func (w *world) fire(r *analysis.Rule) {
	f := &w.fired
	if len(f.marks) < len(w.prog.Rules) {
		f.marks = make([]bool, len(w.prog.Rules))
	}
	if !f.marks[r.ID] {
		f.marks[r.ID] = true
		f.ids = append(f.ids, r.ID)
	}
}

// firedIDs returns the rule IDs fired this tick, sorted, in a fresh slice.
func (w *world) firedIDs() []int {
	if len(w.fired.ids) == 0 {
		return nil
	}
	out := make([]int, 0, len(w.fired.ids))
	for id, on := range w.fired.marks {
		if on {
			out = append(out, id)
		}
	}
	return out
}
