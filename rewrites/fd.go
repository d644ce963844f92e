package rewrites

import (
	"fmt"
	"sort"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Functional dependencies (paper §4.2, report App. B.2.1). An FD From -> To
// with function Fn on relation r says that in every fact of r, column To
// equals Fn(column From). They are inferred for the whole program:
//
//  1. declared on functions: a rule defining y = f(x) (an assignment, or
//     the relational hash(x, y), sign(x, y)) relates x and y;
//  2. two head columns bound to the same variable are equal (Fn is $);
//  3. inherited through bodies: an FD of a body relation relates the
//     variables at its columns; definitions are composed (transitively)
//     and mapped back to head columns.
//
// A relation's FDs are those every one of its rules produces (union inside
// a rule, intersection over rules), iterated to a fixpoint because rules
// may be recursive (persistence rules always are). Relations no rule
// derives (client inputs, timers) have none: a client may send anything.
// Only single-column FDs are inferred.

// FD is one functional dependency of a relation.
type FD struct {
	Rel      string
	From, To int
	Fn       syntax.Expr // function of the From column, with hole; nil: equality
}

// String renders e.g. "hashed: v -> h = hash(v) % 8".
func (fd FD) String(p *analysis.Program) string {
	r := p.Relation(fd.Rel)
	name := func(c int) string {
		if r != nil && c < r.Arity() {
			return columnVars(p, r)[c]
		}
		return fmt.Sprintf("#%d", c+1)
	}
	fn := ident(name(fd.From)).Name
	if fd.Fn != nil {
		fn = exprString(subst(fd.Fn, map[string]syntax.Expr{hole: ident(name(fd.From))}))
	}
	return fmt.Sprintf("%s: %s -> %s = %s", fd.Rel, name(fd.From), name(fd.To), fn)
}

func (fd FD) id() string {
	fn := hole
	if fd.Fn != nil {
		fn = exprString(fd.Fn)
	}
	return fmt.Sprintf("%s/%d/%d/%s", fd.Rel, fd.From, fd.To, fn)
}

// InferFDs computes the FDs of every relation of p, sorted by relation,
// then columns, then function text.
func InferFDs(p *analysis.Program) []FD {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range p.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	heads := sortedHeads(byHead)
	// nil means "not known yet" (the top of the lattice): a rule reading a
	// relation not known yet is skipped in the intersection, so recursive
	// rules do not erase what the other rules establish.
	cur := map[string]map[string]FD{}
	for iter := 0; iter < 50; iter++ {
		changed := false
		for _, h := range heads {
			var acc map[string]FD
			for _, r := range byHead[h] {
				got, ok := ruleFDs(r, cur)
				if !ok {
					continue
				}
				if acc == nil {
					acc = got
					continue
				}
				for id := range acc {
					if _, ok := got[id]; !ok {
						delete(acc, id)
					}
				}
			}
			if acc == nil {
				continue
			}
			if old, ok := cur[h]; !ok || len(old) != len(acc) {
				cur[h] = acc
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	var out []FD
	for _, h := range heads {
		for _, fd := range cur[h] {
			out = append(out, fd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id() < out[j].id() })
	return out
}

// ruleFDs returns the FDs one rule gives its head, or false when a body
// relation's FDs are not known yet.
func ruleFDs(r *analysis.Rule, cur map[string]map[string]FD) (map[string]FD, bool) {
	defs := definitions(r)
	// Inherited: an FD of a body atom defines its To variable from its
	// From variable, unless the rule already defines it.
	for _, l := range r.Body {
		if l.Kind != analysis.LitAtom {
			continue
		}
		known, ok := cur[l.Rel]
		if !ok {
			if _, derived := cur[l.Rel]; !derived && l.Rel == r.Head.Rel {
				return nil, false
			}
			continue
		}
		for _, id := range sortedFDIDs(known) {
			fd := known[id]
			x, y := atomArg(r, l, fd.From), atomArg(r, l, fd.To)
			if x == "" || y == "" || x == y {
				continue
			}
			if _, ok := defs[y]; !ok {
				if fd.Fn == nil {
					defs[y] = ident(x)
				} else {
					defs[y] = subst(fd.Fn, map[string]syntax.Expr{hole: ident(x)})
				}
			}
		}
	}
	out := map[string]FD{}
	if r.Source == nil {
		// A persistence rule keeps exactly the relation's facts.
		for id, fd := range cur[r.Head.Rel] {
			out[id] = fd
		}
		return out, true
	}
	args := r.Source.Head.Args
	for to, ta := range args {
		if ta.Expr == nil {
			continue
		}
		e := expand(ta.Expr, defs)
		for from, fa := range args {
			if from == to || fa.Expr == nil {
				continue
			}
			x, ok := fa.Expr.(*syntax.Ident)
			if !ok {
				continue
			}
			vs := vars(e)
			if len(vs) != 1 || vs[0] != x.Name {
				continue
			}
			var fn syntax.Expr
			if id, ok := e.(*syntax.Ident); !ok || id.Name != x.Name {
				fn = subst(e, map[string]syntax.Expr{x.Name: ident(hole)})
			}
			fd := FD{Rel: r.Head.Rel, From: from, To: to, Fn: fn}
			out[fd.id()] = fd
		}
	}
	return out, true
}

func sortedFDIDs(m map[string]FD) []string {
	b := map[string]bool{}
	for k := range m {
		b[k] = true
	}
	return keys(b, nil)
}
