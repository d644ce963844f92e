package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Redirection (paper §3.1): C2 has a new address, so every rule that sends
// a relation C2 reads must send it to C2's component instead of C's. The
// paper adds a `forward` relation mapping addr to addr2 to each such rule;
// here the rule's destination is rewritten directly, which is the same
// once forward is folded in: a destination enumerated by the atom C(a)
// becomes N(a), and C[k] becomes N[k] (instance k of C maps to instance k
// of N, which refines the same original).

// redirect points every asynchronous rule deriving rel at component from to
// component to.
func redirect(p *analysis.Program, kind Kind, from, to, rel string, pos syntax.Pos) error {
	name := kind.Name()
	for _, r := range p.Rules {
		if r.Head.Rel != rel || r.Kind != analysis.Async || r.Source == nil {
			continue
		}
		ok, err := retarget(p, r, from, func(s *syntax.Rule, a *syntax.Atom) {
			a.Name.Name = to
		}, func(s *syntax.Rule, ia *syntax.InstanceAddr) {
			ia.Comp.Name = to
		})
		if err != "" {
			return refuse(p, r.Pos, name, "redirection", "send "+rel+" to an address enumerated by "+from+"(a) or written "+from+"[k]",
				"rule at %s sends %s to %s, which the rewrite cannot tell apart from %s; %s reads %s now (%s)", at(p, r), rel, err, from, to, rel, kindCite[kind])
		}
		if ok {
			r.Source.Doc = append(r.Source.Doc, note(fmt.Sprintf("redirection (%s, %s): %s now goes to %s.", name, kindCite[kind], rel, to))...)
		}
	}
	return nil
}

// retarget finds how rule r addresses component comp: through an
// enumerating atom comp(a) whose variable is the destination, or an
// instance address comp[k]. It calls onAtom or onInstance and reports true;
// false with "" when the rule sends elsewhere; a description of the
// destination when it cannot tell.
func retarget(p *analysis.Program, r *analysis.Rule, comp string, onAtom func(*syntax.Rule, *syntax.Atom), onInstance func(*syntax.Rule, *syntax.InstanceAddr)) (bool, string) {
	s := r.Source
	switch at := s.Head.At.(type) {
	case *syntax.InstanceAddr:
		if at.Comp.Name == comp {
			onInstance(s, at)
			return true, ""
		}
		return false, ""
	case *syntax.Ident:
		for _, l := range s.Body {
			a, ok := l.(*syntax.Atom)
			if !ok || a.Negated || len(a.Args) != 1 {
				continue
			}
			if id, ok := a.Args[0].(*syntax.Ident); ok && id.Name == at.Name {
				if a.Name.Name == comp {
					onAtom(s, a)
					return true, ""
				}
				if p.Component(a.Name.Name) != nil {
					return false, ""
				}
			}
		}
		return false, "the address " + at.Name + " taken from data"
	}
	return false, "a computed destination"
}
