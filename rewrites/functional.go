package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// Functional components (paper §3.3, report App. A.3). C2 is functional
// when it has no negation or aggregation and every rule body holds at most
// one IDB relation: each output fact is a function of one input fact, so C2
// keeps no state and the time at which an input reaches it cannot matter.
// Next-tick rules (persistence included) are refused as well: with one IDB
// atom per body they could still carry a fact from tick to tick, which is
// state, and the forwarding mechanism would not persist it.

// IsFunctional checks c2.
func IsFunctional(p *analysis.Program, c2 []*analysis.Rule) (bool, *Violation) {
	for _, r := range c2 {
		for _, l := range r.Body {
			if l.Kind == analysis.LitNegated {
				return false, &Violation{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("negates %s", l.Rel)}
			}
		}
		if r.Head.HasAggregate {
			return false, &Violation{Rule: r, Relation: r.Head.Rel, Reason: fmt.Sprintf("aggregates into %s", r.Head.Rel)}
		}
		if rs := refs(p, r); len(rs) > 1 {
			return false, &Violation{Rule: r, Relation: rs[1], Reason: fmt.Sprintf("joins %d IDB relations, %s", len(rs), strings.Join(rs, " and "))}
		}
		if r.Kind == analysis.NextTick || r.Kind == analysis.Persist {
			return false, &Violation{Rule: r, Relation: r.Head.Rel, Reason: fmt.Sprintf("carries %s to the next tick (state)", r.Head.Rel)}
		}
	}
	return true, nil
}
