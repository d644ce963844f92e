package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file holds the tree edits the mechanisms share. Mechanisms edit the
// parsed file in place (each step parses its input afresh), then print it
// and analyse the result again.

// block returns the component block named name, or nil.
func block(f *syntax.File, name string) *syntax.Component {
	for _, it := range f.Items {
		if c, ok := it.(*syntax.Component); ok && c.Name.Name == name {
			return c
		}
	}
	return nil
}

// blockIndex returns the position of block c among f's items.
func blockIndex(f *syntax.File, c *syntax.Component) int {
	for i, it := range f.Items {
		if it == c {
			return i
		}
	}
	return -1
}

// note builds the comment attached to a generated or edited item.
func note(text string) []syntax.Comment {
	var out []syntax.Comment
	for _, line := range strings.Split(text, "\n") {
		out = append(out, syntax.Comment{Style: "#", Text: " " + line})
	}
	return out
}

// fresh returns name, or name2, name3, ... — the first that is no relation,
// component or reserved name of p and not in taken.
func fresh(p *analysis.Program, taken map[string]bool, name string) string {
	for i := 1; ; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s%d", name, i)
		}
		if p.Relation(n) == nil && p.Component(n) == nil && !taken[n] && !builtin(n) {
			taken[n] = true
			return n
		}
	}
}

func builtin(n string) bool {
	switch n {
	case "hash", "sign", "verify", "concat", "less_than", "self", "main":
		return true
	}
	return false
}

// freshVar returns a variable name not used in rule r (nor in taken).
func freshVar(r *syntax.Rule, taken map[string]bool, base string) string {
	used := map[string]bool{}
	for _, v := range ruleVars(r) {
		used[v] = true
	}
	for i := 1; ; i++ {
		n := base
		if i > 1 {
			n = fmt.Sprintf("%s%d", base, i)
		}
		if !used[n] && !taken[n] {
			if taken != nil {
				taken[n] = true
			}
			return n
		}
	}
}

// ruleVars lists every identifier used as a variable in r.
func ruleVars(r *syntax.Rule) []string {
	var out []string
	eachRuleExpr(r, func(e syntax.Expr) {
		for _, v := range vars(e) {
			if !contains(out, v) {
				out = append(out, v)
			}
		}
	})
	return out
}

// varUses counts the occurrences of variable v in r, head included.
func varUses(r *syntax.Rule, v string) int {
	n := 0
	eachRuleExpr(r, func(e syntax.Expr) {
		syntax.WalkExpr(e, func(e syntax.Expr) {
			if id, ok := e.(*syntax.Ident); ok && id.Name == v {
				n++
			}
		})
	})
	return n
}

// eachRuleExpr calls f with every top-level expression of r that can hold
// a variable, in source order: the head's destination, its arguments and
// aggregate arguments, then the body's atom arguments and comparison
// sides. Nil expressions (a head without @) are skipped.
func eachRuleExpr(r *syntax.Rule, f func(syntax.Expr)) {
	visit := func(e syntax.Expr) {
		if e != nil {
			f(e)
		}
	}
	visit(r.Head.At)
	for _, a := range r.Head.Args {
		visit(a.Expr)
		if a.Agg != nil {
			for _, id := range a.Agg.Args {
				visit(id)
			}
		}
	}
	for _, l := range r.Body {
		switch x := l.(type) {
		case *syntax.Atom:
			for _, a := range x.Args {
				visit(a)
			}
		case *syntax.Compare:
			visit(x.Left)
			visit(x.Right)
		}
	}
}

// copyRule returns a deep copy of r without positions or comments.
func copyRule(r *syntax.Rule) *syntax.Rule {
	out := &syntax.Rule{Kind: r.Kind, Head: syntax.Head{Name: syntax.Ident{Name: r.Head.Name.Name}}}
	if r.Head.At != nil {
		out.Head.At = subst(r.Head.At, nil)
	}
	for _, a := range r.Head.Args {
		if a.Agg != nil {
			ag := &syntax.Aggregate{Func: a.Agg.Func, Star: a.Agg.Star}
			for _, id := range a.Agg.Args {
				ag.Args = append(ag.Args, ident(id.Name))
			}
			out.Head.Args = append(out.Head.Args, syntax.HeadArg{Agg: ag})
		} else {
			out.Head.Args = append(out.Head.Args, syntax.HeadArg{Expr: subst(a.Expr, nil)})
		}
	}
	for _, l := range r.Body {
		out.Body = append(out.Body, copyLit(l))
	}
	return out
}

func copyLit(l syntax.Literal) syntax.Literal {
	switch x := l.(type) {
	case *syntax.Atom:
		a := &syntax.Atom{Negated: x.Negated, Name: syntax.Ident{Name: x.Name.Name}}
		for _, e := range x.Args {
			a.Args = append(a.Args, subst(e, nil))
		}
		return a
	case *syntax.Compare:
		return &syntax.Compare{Op: x.Op, Left: subst(x.Left, nil), Right: subst(x.Right, nil), Parens: x.Parens}
	}
	return l
}

// atom builds a positive atom over variable names (or "_").
func atom(rel string, args ...string) *syntax.Atom {
	a := &syntax.Atom{Name: syntax.Ident{Name: rel}}
	for _, x := range args {
		if x == "_" {
			a.Args = append(a.Args, &syntax.Wildcard{})
		} else {
			a.Args = append(a.Args, ident(x))
		}
	}
	return a
}

// renameInBodies renames relation from to to in the body atoms of rules.
func renameInBodies(rules []*syntax.Rule, from, to string) {
	for _, r := range rules {
		for _, l := range r.Body {
			if a, ok := l.(*syntax.Atom); ok && a.Name.Name == from {
				a.Name.Name = to
			}
		}
	}
}

// columnVars returns variable names for the columns of rel: the column
// names when they are usable and distinct, else the head variables of the
// first rule deriving rel when they are distinct, else x1..xn.
func columnVars(p *analysis.Program, rel *analysis.Relation) []string {
	for _, r := range p.Rules {
		if r.Head.Rel != rel.Name || r.Source == nil || hasNames(rel) {
			continue
		}
		var names []string
		for _, a := range r.Source.Head.Args {
			if id, ok := a.Expr.(*syntax.Ident); ok && !contains(names, id.Name) {
				names = append(names, id.Name)
			}
		}
		if len(names) == rel.Arity() {
			return names
		}
		break
	}
	out := make([]string, rel.Arity())
	seen := map[string]bool{}
	ok := true
	for i, c := range rel.Columns {
		if c.Name == "" || c.Name == "_" || seen[c.Name] {
			ok = false
			break
		}
		seen[c.Name] = true
		out[i] = c.Name
	}
	if !ok {
		for i := range out {
			out[i] = fmt.Sprintf("x%d", i+1)
		}
	}
	return out
}

func hasNames(rel *analysis.Relation) bool {
	seen := map[string]bool{}
	for _, c := range rel.Columns {
		if c.Name == "" || c.Name == "_" || seen[c.Name] {
			return false
		}
		seen[c.Name] = true
	}
	return true
}

// declLike returns a top-level .decl of name with rel's columns.
func declLike(p *analysis.Program, name string, rel *analysis.Relation, why string) *syntax.Decl {
	d := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: name}, Columns: []syntax.Column{}}
	d.Doc = note(why)
	names := columnVars(p, rel)
	for i, c := range rel.Columns {
		d.Columns = append(d.Columns, syntax.Column{Name: names[i], Type: syntax.TypeName(c.Type.String())})
	}
	return d
}

// insertTopDecl adds d after the last top-level directive (or first).
func insertTopDecl(f *syntax.File, it syntax.Item) {
	at := 0
	for i, x := range f.Items {
		if _, ok := x.(*syntax.Decl); ok {
			at = i + 1
		}
		if _, ok := x.(*syntax.Fact); ok {
			at = i + 1
		}
	}
	f.Items = append(f.Items[:at], append([]syntax.Item{it}, f.Items[at:]...)...)
}

// sourceRules returns the syntax rules of analysed rules (skipping those a
// .persist directive added).
func sourceRules(rules []*analysis.Rule) []*syntax.Rule {
	var out []*syntax.Rule
	for _, r := range rules {
		if r.Source != nil {
			out = append(out, r.Source)
		}
	}
	return out
}

// capital returns s with its first letter upper-cased.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
