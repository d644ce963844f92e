package rewrites

import (
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file holds small helpers over syntax expressions: a canonical text
// form (the printer's), substitution, and the variables a rule defines by
// assignment or by a functional built-in (y = hash(x), hash(x, y)).

// hole is the placeholder variable of a key function: "hash($) % 8" is the
// function that maps a column's value x to hash(x) % 8.
const hole = "$"

// exprString renders e as `dsim fmt` would.
func exprString(e syntax.Expr) string {
	f := &syntax.File{Items: []syntax.Item{&syntax.Fact{Head: syntax.Head{Name: syntax.Ident{Name: "k"}, Args: []syntax.HeadArg{{Expr: e}}}}}}
	s := strings.TrimSpace(string(syntax.Print(f)))
	s = strings.TrimPrefix(s, "k(")
	return strings.TrimSuffix(s, ").")
}

// subst returns a copy of e with every variable named in m replaced by a
// copy of its expression. Positions are dropped: the result is for new
// rules.
func subst(e syntax.Expr, m map[string]syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.Ident:
		if r, ok := m[x.Name]; ok {
			return subst(r, nil)
		}
		return &syntax.Ident{Name: x.Name}
	case *syntax.Wildcard:
		return &syntax.Wildcard{}
	case *syntax.IntLit:
		return &syntax.IntLit{Value: x.Value}
	case *syntax.StringLit:
		return &syntax.StringLit{Value: x.Value}
	case *syntax.Binary:
		return &syntax.Binary{Op: x.Op, Left: subst(x.Left, m), Right: subst(x.Right, m)}
	case *syntax.Unary:
		return &syntax.Unary{Op: x.Op, X: subst(x.X, m)}
	case *syntax.Paren:
		return &syntax.Paren{X: subst(x.X, m)}
	case *syntax.Call:
		c := &syntax.Call{Func: syntax.Ident{Name: x.Func.Name}}
		for _, a := range x.Args {
			c.Args = append(c.Args, subst(a, m))
		}
		return c
	case *syntax.InstanceAddr:
		return &syntax.InstanceAddr{Comp: syntax.Ident{Name: x.Comp.Name}, Index: subst(x.Index, m)}
	}
	return e
}

// vars lists the variable names e mentions, in order, each once.
func vars(e syntax.Expr) []string {
	var out []string
	syntax.WalkExpr(e, func(e syntax.Expr) {
		if id, ok := e.(*syntax.Ident); ok && !contains(out, id.Name) {
			out = append(out, id.Name)
		}
	})
	return out
}

func ident(name string) *syntax.Ident { return &syntax.Ident{Name: name} }

// definitions returns the variables rule r defines as a function of other
// variables: y = e (an assignment, not a comparison) and the functional
// built-ins hash(x, y) and sign(x, y) when they bind y. The expressions are
// the source's. A rule without source (added by .persist) defines nothing.
func definitions(r *analysis.Rule) map[string]syntax.Expr {
	out := map[string]syntax.Expr{}
	if r.Source == nil || len(r.Source.Body) != len(r.Body) {
		return out
	}
	for i, l := range r.Body {
		switch l.Kind {
		case analysis.LitAssign:
			c, ok := r.Source.Body[i].(*syntax.Compare)
			if !ok {
				continue
			}
			name := r.Vars[l.Left.Var]
			if id, ok := c.Left.(*syntax.Ident); ok && id.Name == name {
				out[name] = c.Right
			} else if id, ok := c.Right.(*syntax.Ident); ok && id.Name == name {
				out[name] = c.Left
			}
		case analysis.LitBuiltin:
			if (l.Rel == "hash" || l.Rel == "sign") && len(l.Args) == 2 && l.Args[1].Op == analysis.TermVar && l.Args[0].Op == analysis.TermVar {
				y := l.Args[1].Var
				for _, b := range l.Binds {
					if b == y {
						out[r.Vars[y]] = &syntax.Call{Func: syntax.Ident{Name: l.Rel}, Args: []syntax.Expr{ident(r.Vars[l.Args[0].Var])}}
					}
				}
			}
		}
	}
	return out
}

// expand replaces defined variables by their definitions, repeatedly (a
// definition may use another defined variable), giving the canonical form
// in which two expressions of one rule are compared.
func expand(e syntax.Expr, defs map[string]syntax.Expr) syntax.Expr {
	for i := 0; i < 8; i++ {
		hit := false
		for _, v := range vars(e) {
			if _, ok := defs[v]; ok {
				hit = true
			}
		}
		if !hit {
			return e
		}
		e = subst(e, defs)
	}
	return e
}

// atomArg returns the variable name at column col of the i-th body literal
// of r, or "" when it is a constant or wildcard.
func atomArg(r *analysis.Rule, l analysis.Lit, col int) string {
	if col >= len(l.Args) || l.Args[col].Op != analysis.TermVar {
		return ""
	}
	return r.Vars[l.Args[col].Var]
}
