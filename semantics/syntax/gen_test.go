package syntax

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// This file generates random syntax trees for the printer/parser round-trip
// properties. A canonical tree is one the parser could have produced: it has
// Paren nodes wherever precedence needs them and never Unary over a
// non-negative integer literal. Non-canonical trees exercise the printer's
// own parenthesisation.

var (
	genNames    = []string{"a", "b", "x", "y", "v1", "rel", "storage", "in", "out", "Foo", "_z", "jitter", "refines", "component", "self"}
	genFuncs    = []string{"hash", "sign", "concat", "f", "storage"}
	genOps      = []string{"+", "-", "*", "/", "%"}
	genCmps     = []string{"<", "<=", ">", ">=", "==", "!=", "="}
	genAggs     = []AggFunc{AggCount, AggSum, AggMin, AggMax, AggChoose, AggIndex}
	genDeclKind = []DeclKind{DeclRelation, DeclInput, DeclOutput, DeclPersist, DeclAsync, DeclInvariant, DeclTimer, DeclStatic}
)

type treeGen struct {
	canonical bool
}

func (g treeGen) ident(t *rapid.T, label string) Ident {
	return Ident{Name: rapid.SampledFrom(genNames).Draw(t, label)}
}

func (g treeGen) leaf(t *rapid.T) Expr {
	switch rapid.IntRange(0, 3).Draw(t, "leaf") {
	case 0:
		id := g.ident(t, "var")
		return &id
	case 1:
		return &Wildcard{}
	case 2:
		return &IntLit{Value: rapid.Int64().Draw(t, "int")}
	default:
		return &StringLit{Value: rapid.String().Draw(t, "str")}
	}
}

func precOf(e Expr) int {
	if b, ok := e.(*Binary); ok {
		return opPrec[b.Op]
	}
	return 3
}

func (g treeGen) expr(t *rapid.T, depth int) Expr {
	if depth <= 0 {
		return g.leaf(t)
	}
	switch rapid.IntRange(0, 5).Draw(t, "expr") {
	case 0:
		return g.leaf(t)
	case 1:
		op := rapid.SampledFrom(genOps).Draw(t, "op")
		left, right := g.expr(t, depth-1), g.expr(t, depth-1)
		if g.canonical && precOf(left) < opPrec[op] {
			left = &Paren{X: left}
		}
		if g.canonical && precOf(right) <= opPrec[op] {
			right = &Paren{X: right}
		}
		return &Binary{Op: op, Left: left, Right: right}
	case 2:
		x := g.expr(t, depth-1)
		if g.canonical {
			if _, ok := x.(*Binary); ok {
				x = &Paren{X: x}
			}
			if lit, ok := x.(*IntLit); ok && lit.Value >= 0 {
				x = &Paren{X: x}
			}
		}
		return &Unary{Op: "-", X: x}
	case 3:
		return &Paren{X: g.expr(t, depth-1)}
	case 4:
		return &Call{Func: Ident{Name: rapid.SampledFrom(genFuncs).Draw(t, "func")}, Args: g.exprs(t, depth-1, 0, 3)}
	default:
		return &InstanceAddr{Comp: g.ident(t, "comp"), Index: g.expr(t, depth-1)}
	}
}

func (g treeGen) exprs(t *rapid.T, depth, lo, hi int) []Expr {
	n := rapid.IntRange(lo, hi).Draw(t, "nargs")
	var out []Expr
	for range n {
		out = append(out, g.expr(t, depth))
	}
	return out
}

func (g treeGen) destination(t *rapid.T) Expr {
	switch rapid.IntRange(0, 4).Draw(t, "at") {
	case 0:
		id := g.ident(t, "at")
		return &id
	case 1:
		return &InstanceAddr{Comp: g.ident(t, "comp"), Index: g.expr(t, 2)}
	case 2:
		return &IntLit{Value: rapid.Int64Range(0, 1<<40).Draw(t, "atint")}
	case 3:
		return &Paren{X: g.expr(t, 2)}
	default:
		if g.canonical {
			return &StringLit{Value: rapid.String().Draw(t, "atstr")}
		}
		return g.expr(t, 2) // the printer must parenthesise what needs it
	}
}

func (g treeGen) head(t *rapid.T) Head {
	h := Head{Name: g.ident(t, "rel")}
	if rapid.Bool().Draw(t, "hasAt") {
		h.At = g.destination(t)
	}
	n := rapid.IntRange(0, 4).Draw(t, "nhead")
	for range n {
		if rapid.IntRange(0, 3).Draw(t, "isAgg") == 0 {
			h.Args = append(h.Args, HeadArg{Agg: g.aggregate(t)})
		} else {
			h.Args = append(h.Args, HeadArg{Expr: g.expr(t, 3)})
		}
	}
	return h
}

func (g treeGen) aggregate(t *rapid.T) *Aggregate {
	a := &Aggregate{Func: rapid.SampledFrom(genAggs).Draw(t, "agg")}
	switch a.Func {
	case AggIndex:
	case AggCount:
		if rapid.Bool().Draw(t, "star") {
			a.Star = true
			break
		}
		for range rapid.IntRange(1, 3).Draw(t, "ncount") {
			id := g.ident(t, "aggvar")
			a.Args = append(a.Args, &id)
		}
	default:
		id := g.ident(t, "aggvar")
		a.Args = []*Ident{&id}
	}
	return a
}

func (g treeGen) literal(t *rapid.T) Literal {
	if rapid.Bool().Draw(t, "isAtom") {
		return &Atom{Negated: rapid.Bool().Draw(t, "neg"), Name: g.ident(t, "atom"), Args: g.exprs(t, 3, 0, 3)}
	}
	return &Compare{
		Op:     rapid.SampledFrom(genCmps).Draw(t, "cmp"),
		Left:   g.expr(t, 3),
		Right:  g.expr(t, 3),
		Parens: rapid.Bool().Draw(t, "parens"),
	}
}

func (g treeGen) comments(t *rapid.T, label string) []Comment {
	n := rapid.IntRange(0, 2).Draw(t, label)
	var out []Comment
	for range n {
		text := rapid.StringMatching(`[ a-z0-9#/:.]{0,12}`).Draw(t, "comment")
		out = append(out, Comment{
			Style: rapid.SampledFrom([]string{"#", "//"}).Draw(t, "style"),
			Text:  strings.TrimRight(text, " "),
		})
	}
	return out
}

func (g treeGen) decl(t *rapid.T) *Decl {
	d := &Decl{Kind: rapid.SampledFrom(genDeclKind).Draw(t, "kind"), Name: g.ident(t, "declname")}
	if d.Kind == DeclRelation || (d.Kind.takesColumns() && rapid.Bool().Draw(t, "hasCols")) {
		d.Columns = []Column{}
		for range rapid.IntRange(0, 3).Draw(t, "ncols") {
			d.Columns = append(d.Columns, Column{
				Name: g.ident(t, "col").Name,
				Type: rapid.SampledFrom([]TypeName{TypeInt, TypeString, TypeAddr}).Draw(t, "type"),
			})
		}
	}
	if d.Kind.takesSnippets() {
		for range rapid.IntRange(0, 2).Draw(t, "nsnip") {
			d.Snippets = append(d.Snippets, rapid.StringMatching("[^`]{0,12}").Draw(t, "snippet"))
		}
	}
	if d.Kind == DeclTimer {
		d.Period = rapid.Int64Range(1, MaxTimerSpan).Draw(t, "period")
		d.Jitter = rapid.Int64Range(0, MaxTimerSpan).Draw(t, "jitter")
	}
	return d
}

func (g treeGen) item(t *rapid.T, allowComponent bool) Item {
	hi := 2
	if allowComponent {
		hi = 3
	}
	var it Item
	switch rapid.IntRange(0, hi).Draw(t, "item") {
	case 0:
		it = g.decl(t)
	case 1:
		it = &Fact{Head: g.head(t)}
	case 2:
		r := &Rule{Head: g.head(t), Kind: rapid.SampledFrom([]RuleKind{Sync, NextTick, Async}).Draw(t, "arrow")}
		for range rapid.IntRange(1, 4).Draw(t, "nbody") {
			r.Body = append(r.Body, g.literal(t))
		}
		it = r
	default:
		c := &Component{Name: g.ident(t, "compname"), Count: 1}
		if rapid.Bool().Draw(t, "hasCount") {
			c.HasCount, c.Count = true, rapid.Int64Range(1, 1<<62).Draw(t, "count")
		}
		if rapid.Bool().Draw(t, "refines") {
			orig := g.ident(t, "orig")
			c.Refines = &orig
		}
		for range rapid.IntRange(0, 4).Draw(t, "nitems") {
			c.Items = append(c.Items, g.item(t, false))
		}
		c.Trailing = g.comments(t, "ctrail")
		it = c
	}
	setDoc(it, g.comments(t, "doc"))
	return it
}

func (g treeGen) file(t *rapid.T) *File {
	f := &File{Name: "gen.ded"}
	for range rapid.IntRange(0, 6).Draw(t, "nitems") {
		f.Items = append(f.Items, g.item(t, true))
	}
	f.Trailing = g.comments(t, "trail")
	return f
}

// TestPropRoundTripCanonical: parse(print(p)) == p for canonical trees,
// and printing the reparsed tree gives the same bytes.
func TestPropRoundTripCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := treeGen{canonical: true}.file(t)
		out := Print(f)
		g, diags := ParseFile("gen.ded", out)
		if len(diags) > 0 {
			t.Fatalf("printed tree does not parse:\n%s\nsource:\n%s", diags.Render(out), out)
		}
		if d := Diff(f, g); d != "" {
			t.Fatalf("round trip changed the tree (-generated +reparsed):\n%s\nsource:\n%s", d, out)
		}
		if again := Print(g); string(again) != string(out) {
			t.Fatalf("Print not idempotent:\nfirst:\n%s\nsecond:\n%s", out, again)
		}
	})
}

// TestPropPrintAnyTree: for trees the parser would not produce (missing
// precedence parentheses, calls after '@'), Print still yields a program
// that parses, and printing is a fixed point after one round.
func TestPropPrintAnyTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := treeGen{canonical: false}.file(t)
		out := Print(f)
		g, diags := ParseFile("gen.ded", out)
		if len(diags) > 0 {
			t.Fatalf("printed tree does not parse:\n%s\nsource:\n%s", diags.Render(out), out)
		}
		if again := Print(g); string(again) != string(out) {
			t.Fatalf("Print not idempotent:\nfirst:\n%s\nsecond:\n%s", out, again)
		}
	})
}
