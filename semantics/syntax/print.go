package syntax

import (
	"strconv"
	"strings"
)

// Print renders f in the canonical layout that `dsim fmt` writes:
//
//   - one directive, rule or fact per line; rules are never wrapped;
//   - comments above the item they were attached to (see ParseFile), with a
//     blank line inside a comment block kept where the source had one;
//   - component bodies indented by two spaces;
//   - ", " between arguments and body literals, " :- " around arrows, and a
//     trailing "." after every rule and fact;
//   - one blank line between consecutive items of different kinds
//     (directive, fact, rule), around every component, and before an item
//     that has comments, unless it is the first in its block.
//
// Parentheses the source wrote (Paren, Compare.Parens) are kept; the printer
// adds parentheses only where a hand-built tree needs them for precedence,
// so a tree the parser produced prints back to itself.
func Print(f *File) []byte {
	var pr printer
	pr.items(f.Items, f.Trailing, "")
	return []byte(pr.b.String())
}

type printer struct{ b strings.Builder }

type itemClass int

const (
	classDirective itemClass = iota
	classFact
	classRule
	classComponent
)

func classOf(it Item) itemClass {
	switch it.(type) {
	case *Decl:
		return classDirective
	case *Fact:
		return classFact
	case *Component:
		return classComponent
	}
	return classRule
}

func (pr *printer) items(items []Item, trailing []Comment, indent string) {
	for i, it := range items {
		if i > 0 {
			prev := classOf(items[i-1])
			cur := classOf(it)
			if prev != cur || cur == classComponent || len(it.Comments()) > 0 {
				pr.b.WriteByte('\n')
			}
		}
		pr.comments(it.Comments(), it.Position(), indent)
		pr.b.WriteString(indent)
		pr.item(it, indent)
		pr.b.WriteByte('\n')
	}
	if len(trailing) > 0 {
		if len(items) > 0 {
			pr.b.WriteByte('\n')
		}
		pr.comments(trailing, Pos{}, indent)
	}
}

// comments writes a comment block, keeping one blank line wherever the
// source had at least one between two comments or before the item at.
func (pr *printer) comments(cs []Comment, at Pos, indent string) {
	for i, c := range cs {
		if i > 0 && gap(cs[i-1].Pos, c.Pos) {
			pr.b.WriteByte('\n')
		}
		pr.b.WriteString(indent)
		pr.b.WriteString(c.Style)
		pr.b.WriteString(c.Text)
		pr.b.WriteByte('\n')
	}
	if len(cs) > 0 && gap(cs[len(cs)-1].Pos, at) {
		pr.b.WriteByte('\n')
	}
}

// gap reports whether a blank line separated two known positions.
func gap(a, b Pos) bool { return a.IsValid() && b.IsValid() && b.Line > a.Line+1 }

func (pr *printer) item(it Item, indent string) {
	switch it := it.(type) {
	case *Decl:
		pr.decl(it)
	case *Component:
		pr.component(it, indent)
	case *Rule:
		pr.head(&it.Head)
		pr.b.WriteString(" " + it.Kind.String() + " ")
		for i, lit := range it.Body {
			if i > 0 {
				pr.b.WriteString(", ")
			}
			pr.literal(lit)
		}
		pr.b.WriteByte('.')
	case *Fact:
		pr.head(&it.Head)
		pr.b.WriteByte('.')
	}
}

func (pr *printer) decl(d *Decl) {
	pr.b.WriteString(d.Kind.String())
	pr.b.WriteByte(' ')
	pr.b.WriteString(d.Name.Name)
	switch {
	case d.Kind == DeclTimer:
		pr.b.WriteString(" " + strconv.FormatInt(d.Period, 10))
		if d.Jitter != 0 {
			pr.b.WriteString(" jitter " + strconv.FormatInt(d.Jitter, 10))
		}
	case d.Kind == DeclRelation || (d.Columns != nil && d.Kind.takesColumns()):
		pr.b.WriteByte('(')
		for i, c := range d.Columns {
			if i > 0 {
				pr.b.WriteString(", ")
			}
			pr.b.WriteString(c.Name + ": " + string(c.Type))
		}
		pr.b.WriteByte(')')
	}
	if d.Kind.takesSnippets() {
		for _, s := range d.Snippets {
			pr.b.WriteString(" `" + s + "`")
		}
	}
}

func (pr *printer) component(c *Component, indent string) {
	pr.b.WriteString("component " + c.Name.Name)
	if c.HasCount || c.Count != 1 {
		pr.b.WriteString("[" + strconv.FormatInt(c.Count, 10) + "]")
	}
	if c.Refines != nil {
		pr.b.WriteString(" refines " + c.Refines.Name)
	}
	pr.b.WriteString(" {\n")
	pr.items(c.Items, c.Trailing, indent+"  ")
	pr.b.WriteString(indent + "}")
}

func (pr *printer) head(h *Head) {
	pr.b.WriteString(h.Name.Name)
	if h.At != nil {
		pr.b.WriteByte('@')
		switch at := h.At.(type) {
		case *Ident, *InstanceAddr, *Paren, *StringLit:
			pr.expr(at, 0)
		case *IntLit:
			if at.Value >= 0 {
				pr.expr(at, 0)
			} else {
				pr.b.WriteByte('(')
				pr.expr(at, 0)
				pr.b.WriteByte(')')
			}
		default:
			// A call or an operator needs parentheses after '@'.
			pr.b.WriteByte('(')
			pr.expr(at, 0)
			pr.b.WriteByte(')')
		}
	}
	pr.b.WriteByte('(')
	for i, a := range h.Args {
		if i > 0 {
			pr.b.WriteString(", ")
		}
		if a.Agg != nil {
			pr.aggregate(a.Agg)
		} else {
			pr.expr(a.Expr, 0)
		}
	}
	pr.b.WriteByte(')')
}

func (pr *printer) aggregate(a *Aggregate) {
	pr.b.WriteString(string(a.Func) + "(")
	if a.Star {
		pr.b.WriteByte('*')
	}
	for i, id := range a.Args {
		if i > 0 {
			pr.b.WriteString(", ")
		}
		pr.b.WriteString(id.Name)
	}
	pr.b.WriteByte(')')
}

func (pr *printer) literal(l Literal) {
	switch l := l.(type) {
	case *Atom:
		if l.Negated {
			pr.b.WriteByte('!')
		}
		pr.b.WriteString(l.Name.Name)
		pr.args(l.Args)
	case *Compare:
		if l.Parens {
			pr.b.WriteByte('(')
		}
		pr.compareLeft(l.Left)
		pr.b.WriteString(" " + l.Op + " ")
		pr.expr(l.Right, 0)
		if l.Parens {
			pr.b.WriteByte(')')
		}
	default:
		pr.b.WriteString("<bad>")
	}
}

// compareLeft prints the left side of a comparison. Only a leading call
// could be misread (as an atom), and the parser resolves that by the
// operator that follows, so any expression prints as is.
func (pr *printer) compareLeft(e Expr) { pr.expr(e, 0) }

func (pr *printer) args(args []Expr) {
	pr.b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			pr.b.WriteString(", ")
		}
		pr.expr(a, 0)
	}
	pr.b.WriteByte(')')
}

var opPrec = map[string]int{"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}

// expr prints e; ctx is the precedence its position requires (an operand
// binding more loosely than ctx gets parentheses).
func (pr *printer) expr(e Expr, ctx int) {
	switch e := e.(type) {
	case *Ident:
		pr.b.WriteString(e.Name)
	case *Wildcard:
		pr.b.WriteByte('_')
	case *IntLit:
		pr.b.WriteString(strconv.FormatInt(e.Value, 10))
	case *StringLit:
		pr.b.WriteString(strconv.Quote(e.Value))
	case *Binary:
		prec := opPrec[e.Op]
		if prec == 0 {
			prec = 1
		}
		if prec < ctx {
			pr.b.WriteByte('(')
		}
		pr.expr(e.Left, prec)
		pr.b.WriteString(" " + e.Op + " ")
		pr.expr(e.Right, prec+1)
		if prec < ctx {
			pr.b.WriteByte(')')
		}
	case *Unary:
		pr.b.WriteString("-")
		if lit, ok := e.X.(*IntLit); ok && lit.Value >= 0 {
			// "-5" would read back as the literal -5 (and "-0" as 0).
			pr.b.WriteString("(" + strconv.FormatInt(lit.Value, 10) + ")")
			return
		}
		pr.expr(e.X, 3)
	case *Paren:
		pr.b.WriteByte('(')
		pr.expr(e.X, 0)
		pr.b.WriteByte(')')
	case *Call:
		pr.b.WriteString(e.Func.Name)
		pr.args(e.Args)
	case *InstanceAddr:
		pr.b.WriteString(e.Comp.Name + "[")
		pr.expr(e.Index, 0)
		pr.b.WriteByte(']')
	default:
		pr.b.WriteString("<bad>")
	}
}
