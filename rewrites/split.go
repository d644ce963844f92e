package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Split is the plan step `split COMP : REL` (not one of the paper's
// rewrites, like drop): every rule of COMP sending REL to the addresses an
// enumeration C(d) lists,
//
//	r@d(e1, .., en) :~ body, C(d).
//
// becomes a same-tick rule computing what is sent and a send of it:
//
//	rOut(e1, .., en) :- body.
//	r@d(x1, .., xn) :~ rOut(x1, .., xn), C(d).
//
// Both derive the same facts of r in the same tick, so the program's
// behaviour is unchanged; the send now reads one IDB relation, which makes
// it a functional C2 (§3.3) — ScalablePaxos's p2a proxy leaders start so:
// the proposer computes the proposal, the proxy broadcasts it.
const Split Kind = "split"

func init() {
	kindNames[Split] = "split"
	kindCite[Split] = "a same-tick intermediate relation"
}

// SplitSends applies split to the rules of comp sending rel.
func SplitSends(p *analysis.Program, comp, rel string, pos syntax.Pos) error {
	blk := block(p.File, comp)
	r := p.Relation(rel)
	if blk == nil || r == nil {
		return refuse(p, pos, "split", "sender and relation", "name a component block and a relation it sends", "no component block %s or relation %s", comp, rel)
	}
	taken := map[string]bool{}
	out := fresh(p, taken, rel+"Out")
	n := 0
	for _, ar := range p.Component(comp).Rules {
		if ar.Head.Rel != rel {
			continue
		}
		s := ar.Source
		var d *syntax.Ident
		ok := false
		if s != nil {
			d, ok = s.Head.At.(*syntax.Ident)
		}
		if ar.Kind != analysis.Async || !ok || ar.Head.HasAggregate {
			return refuse(p, ar.Pos, "split", "a broadcast", "split a rule r@d(..) :~ body, C(d). without aggregates",
				"rule at %s does not send %s to an address an enumeration lists", at(p, ar), rel)
		}
		var enum *syntax.Atom
		var rest []syntax.Literal
		for _, l := range s.Body {
			if a, ok := l.(*syntax.Atom); ok && enum == nil && !a.Negated && len(a.Args) == 1 && p.Component(a.Name.Name) != nil {
				if id, ok := a.Args[0].(*syntax.Ident); ok && id.Name == d.Name {
					enum = a
					continue
				}
			}
			rest = append(rest, l)
		}
		if enum == nil {
			return refuse(p, ar.Pos, "split", "a broadcast", "split a rule whose destination d is listed by C(d)",
				"rule at %s sends %s to %s, which no component enumeration lists", at(p, ar), rel, d.Name)
		}
		if varUses(s, d.Name) != 2 {
			return refuse(p, ar.Pos, "split", "a broadcast", "keep the destination out of what is sent",
				"rule at %s uses its destination %s in the body or in what it sends", at(p, ar), d.Name)
		}
		xs := xvars(len(s.Head.Args))
		send := &syntax.Rule{Kind: syntax.Async, Head: syntax.Head{Name: syntax.Ident{Name: rel}, At: ident(d.Name)}}
		for _, x := range xs {
			send.Head.Args = append(send.Head.Args, syntax.HeadArg{Expr: ident(x)})
		}
		send.Body = []syntax.Literal{atom(out, xs...), enum}
		send.Doc = note(fmt.Sprintf("split: %s sends what %s computes.", rel, out))
		s.Kind = syntax.Sync
		s.Head.At = nil
		s.Head.Name.Name = out
		s.Body = rest
		s.Doc = append(s.Doc, note(fmt.Sprintf("split: what %s sends, computed in the same tick.", rel))...)
		insertAfter(blk, s, send)
		n++
	}
	if n == 0 {
		return refuse(p, pos, "split", "sender and relation", "name a relation "+comp+" sends", "%s sends no %s", comp, rel)
	}
	return nil
}
