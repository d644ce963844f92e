package eval

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Maintaining a rule with two changed literals. Derivation counts are
// bilinear in the counts of a rule's atoms, so when A and B (two atoms of
// one rule, possibly over the same relation: a self-join) change by the
// signed ΔA and ΔB,
//
//	A_new ⋈ B_new − A_old ⋈ B_old = ΔA ⋈ B_new + A_new ⋈ ΔB − ΔA ⋈ ΔB
//	                              = ΔA ⋈ B_old + A_old ⋈ ΔB + ΔA ⋈ ΔB.
//
// The first two terms are the usual driver plans (the changed literal
// scanning its change, the other probed in the tick's tables), so the
// form follows from what the tables hold: the new values in pass 0 run
// forwards, the old ones otherwise (maintDelta). The third term is a plan
// whose first two steps both scan given rows (pairPlanOf). Without this a
// rule like `bad(id) :- voted(id, p1), voted(id, p2), p1 != p2` over a
// persisted relation re-joined all of it every tick (docs/PERFORMANCE.md,
// "realnet voting/base: the participants ...").

// pairDrivable reports whether the rule's changed literals j1 and j2 can
// be maintained by drivePair: both are positive atoms (a negated one
// would need its key flips, which the single-literal path handles).
func pairDrivable(mr *mRule, j1, j2 int) bool {
	b := mr.rule.Body
	return b[mr.lits[j1]].Kind == analysis.LitAtom && b[mr.lits[j2]].Kind == analysis.LitAtom
}

// drivePair accumulates the count changes of dr's rule, whose literals
// dr.j and dr.j2 changed by dr.d and dr.d2.
func (e *engine) drivePair(dr drive, tablesNew bool) error {
	e.mt.ri = dr.ri
	for _, side := range [2]struct {
		j int
		d dDelta
	}{{dr.j, dr.d}, {dr.j2, dr.d2}} {
		pl, err := e.driverPlan(dr.mr, side.j)
		if err != nil {
			return err
		}
		if err := e.runDriver(pl, side.d, 1); err != nil {
			return err
		}
	}
	pl, err := e.pairPlanOf(dr.mr, dr.j, dr.j2)
	if err != nil {
		return err
	}
	corr := int64(1)
	if tablesNew {
		corr = -1
	}
	s1 := &pl.steps[1]
	for k, rows := range [2][]value.Tuple{dr.d2.add, dr.d2.del} {
		if len(rows) == 0 {
			continue
		}
		sign := corr
		if k == 1 {
			sign = -sign
		}
		s1.src = rows
		err := e.runDriver(pl, dr.d, sign)
		s1.src = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// runDriver runs pl with its first step scanning d's added rows, counting
// sign per derivation, then its removed rows, counting -sign (the other
// way round when that literal is negated).
func (e *engine) runDriver(pl *plan, d dDelta, sign int64) error {
	neg := pl.steps[0].lit.Kind == analysis.LitNegated
	for k, rows := range [2][]value.Tuple{d.add, d.del} {
		if len(rows) == 0 {
			continue
		}
		e.mt.sign = sign
		if (k == 1) != neg {
			e.mt.sign = -sign
		}
		pl.steps[0].useSrc, pl.steps[0].src = true, rows
		err := pl.start()
		pl.steps[0].src = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// pairPlan returns mr's plan with literals j1 and j2 first, both scanning
// given rows (steps[1].src is set by the caller).
func (e *engine) pairPlanOf(mr *mRule, j1, j2 int) (*plan, error) {
	for _, p := range mr.pairs {
		if p.j1 == j1 && p.j2 == j2 {
			return p.pl, nil
		}
	}
	r := mr.rule
	l1, l2 := mr.lits[j1], mr.lits[j2]
	order := []int{l1, l2}
	for _, x := range r.Plan {
		if x != l1 && x != l2 {
			order = append(order, x)
		}
	}
	pl, err := e.compilePlanX(r, order, true, false)
	if err != nil {
		return nil, err
	}
	pl.steps[1].delta, pl.steps[1].useSrc = true, true
	pl.sink = e.countSink(pl, mr)
	mr.pairs = append(mr.pairs, pairPlan{j1, j2, pl})
	return pl, nil
}

// pairPlan is a compiled plan for one pair of changed literals.
type pairPlan struct {
	j1, j2 int
	pl     *plan
}
