package eval

import (
	"slices"

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
// order) that c carries to the next tick, in order: sorted itself when
// all pass.
func (c *carryRule) carried(sorted []value.Tuple) ([]value.Tuple, error) {
	if c.pl == nil {
		return sorted, nil
	}
	s0 := &c.pl.steps[0]
	var out []value.Tuple
	for i, row := range sorted {
		c.keep = false
		if s0.match(row, c.pl.env) {
			if err := c.pl.run(1); err != nil {
				return nil, err
			}
		}
		switch {
		case c.keep && out != nil:
			out = append(out, row)
		case !c.keep && out == nil:
			out = make([]value.Tuple, i, len(sorted)-1)
			copy(out, sorted[:i])
		}
	}
	if out == nil {
		return sorted, nil
	}
	return out[:len(out):len(out)], nil
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
