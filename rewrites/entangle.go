package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// Entanglement (paper §2.4: location values appear only in location
// columns). The rewrites assume that no rule treats an address as data.
// dsim's language lets a node put its own address in a message (self(me))
// and count or compare such values, which is harmless until the nodes that
// send change: after decoupling C, the acks that C's instances sent come
// from the new component's instances; after partitioning C, from instances
// numbered beyond the original count. A rule that matches such a column
// against the enumeration C(a) would then silently change meaning, so
// decoupling and partitioning C are refused while one exists.

// Entangled returns the first rule of p (in source order) in which a
// variable bound by the enumeration comp(a) or the address comp[k] also
// appears in a column of a user relation.
func Entangled(p *analysis.Program, comp string) *Violation {
	for _, r := range p.Rules {
		enum := map[int]bool{}
		for _, l := range r.Body {
			if l.Kind == analysis.LitBuiltin && l.Rel == comp && len(l.Args) == 1 && l.Args[0].Op == analysis.TermVar {
				enum[l.Args[0].Var] = true
			}
			if l.Kind == analysis.LitAssign && l.Right.Op == analysis.TermInstance && l.Right.Func == comp {
				enum[l.Left.Var] = true
			}
		}
		if len(enum) == 0 {
			continue
		}
		for _, l := range r.Body {
			if l.Kind != analysis.LitAtom && l.Kind != analysis.LitNegated {
				continue
			}
			for _, a := range l.Args {
				if a.Op == analysis.TermVar && enum[a.Var] {
					return &Violation{Rule: r, Relation: l.Rel,
						Reason: fmt.Sprintf("matches a column of %s against the addresses of %s", l.Rel, comp)}
				}
			}
		}
	}
	return nil
}

// checkEntangled refuses a rewrite of comp when some rule is entangled
// with its addresses.
func checkEntangled(p *analysis.Program, kind Kind, comp string) error {
	if v := Entangled(p, comp); v != nil {
		return refuse(p, v.Rule.Pos, kind.Name(), "no entanglement",
			"drop the rule (an invariant: `drop COMP : NAME`) or rewrite it not to compare addresses with "+comp+"(a)",
			"rule at %s %s; the nodes sending %s change when %s is rewritten (§2.4, no entanglement)", at(p, v.Rule), v.Reason, v.Relation, comp)
	}
	return nil
}
