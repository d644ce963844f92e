package mutate

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file holds the mutation operators of one rule.

// Comparison flips: the boundary flip first, then the negation.
var compareFlips = map[string][]string{
	"<":  {"<=", ">="},
	"<=": {"<", ">"},
	">":  {">=", "<="},
	">=": {">", "<"},
	"==": {"!="},
	"!=": {"=="},
}

// Arithmetic flips.
var arithFlips = map[string]string{"+": "-", "-": "+", "*": "/", "/": "*", "%": "/"}

// The aggregates that swap with each other, in swap order.
var swapAggs = []syntax.AggFunc{syntax.AggCount, syntax.AggSum, syntax.AggMin, syntax.AggMax}

func ruleSites(n int, r *syntax.Rule, items *[]syntax.Item, i int, comps []string) []site {
	mk := func(op string, apply func() bool) site {
		return site{rule: n, line: r.Pos.Line, col: r.Pos.Col, op: op, rel: r.Head.Name.Name, item: r, apply: apply}
	}
	var out []site
	// Delete (an r :+ r rule is dropped persistence).
	del := mk("delete", remover(items, i))
	del.deleted = true
	if isPersistRule(r) {
		del.op = "drop-persist"
	}
	out = append(out, del)
	if len(r.Body) > 1 {
		for j := range r.Body {
			out = append(out, mk(fmt.Sprintf("drop-lit%d", j+1), func() bool {
				r.Body = append(r.Body[:j:j], r.Body[j+1:]...)
				return true
			}))
		}
	}
	for j, l := range r.Body {
		if a, ok := l.(*syntax.Atom); ok && a.Negated {
			out = append(out, mk(fmt.Sprintf("drop-neg%d", j+1), func() bool {
				a.Negated = false
				return true
			}))
		}
	}
	switch r.Kind {
	case syntax.Sync:
		out = append(out, mk("to-next", func() bool { r.Kind = syntax.NextTick; return true }))
	case syntax.NextTick:
		out = append(out, mk("to-sync", func() bool { r.Kind = syntax.Sync; return true }))
	}
	for k, a := range r.Head.Args {
		if a.Agg == nil || len(a.Agg.Args) != 1 || !swappable(a.Agg.Func) {
			continue
		}
		agg := a.Agg
		for _, g := range swapAggs {
			if g == agg.Func {
				continue
			}
			out = append(out, mk(fmt.Sprintf("agg%d-%s", k+1, g), func() bool { agg.Func = g; return true }))
		}
	}
	for j, l := range r.Body {
		c, ok := l.(*syntax.Compare)
		if !ok {
			continue
		}
		for _, op := range compareFlips[c.Op] {
			out = append(out, mk(fmt.Sprintf("cmp%d-%s", j+1, op), func() bool { c.Op = op; return true }))
		}
	}
	for k, b := range binaries(r) {
		op := arithFlips[b.Op]
		if op == "" {
			continue
		}
		out = append(out, mk(fmt.Sprintf("arith%d-%s", k+1, op), func() bool { b.Op = op; return true }))
	}
	out = append(out, destSites(r, comps, mk)...)
	return out
}

func swappable(f syntax.AggFunc) bool {
	for _, g := range swapAggs {
		if f == g {
			return true
		}
	}
	return false
}

// isPersistRule reports whether r is r(x...) :+ r(x...).
func isPersistRule(r *syntax.Rule) bool {
	if r.Kind != syntax.NextTick || len(r.Body) != 1 || r.Head.At != nil {
		return false
	}
	a, ok := r.Body[0].(*syntax.Atom)
	return ok && !a.Negated && a.Name.Name == r.Head.Name.Name
}

// destSites changes the @ destination to each other component: the
// component of comp[k], or the component atom comp(v) binding @v.
func destSites(r *syntax.Rule, comps []string, mk func(string, func() bool) site) []site {
	var target *syntax.Ident
	switch at := r.Head.At.(type) {
	case *syntax.InstanceAddr:
		target = &at.Comp
	case *syntax.Ident:
		for _, l := range r.Body {
			a, ok := l.(*syntax.Atom)
			if !ok || a.Negated || len(a.Args) != 1 || !contains(comps, a.Name.Name) {
				continue
			}
			if v, ok := a.Args[0].(*syntax.Ident); ok && v.Name == at.Name {
				target = &a.Name
				break
			}
		}
	}
	if target == nil {
		return nil
	}
	var out []site
	for _, c := range comps {
		if c == target.Name {
			continue
		}
		out = append(out, mk("dest-"+c, func() bool { target.Name = c; return true }))
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// binaries returns the rule's arithmetic operators in order: head
// arguments (and destination), then the body left to right, each
// expression depth first, left before right.
func binaries(r *syntax.Rule) []*syntax.Binary {
	var out []*syntax.Binary
	walk := func(e syntax.Expr) {
		syntax.WalkExpr(e, func(e syntax.Expr) {
			if b, ok := e.(*syntax.Binary); ok {
				out = append(out, b)
			}
		})
	}
	if r.Head.At != nil {
		walk(r.Head.At)
	}
	for _, a := range r.Head.Args {
		if a.Expr != nil {
			walk(a.Expr)
		}
	}
	for _, l := range r.Body {
		switch x := l.(type) {
		case *syntax.Atom:
			for _, a := range x.Args {
				walk(a)
			}
		case *syntax.Compare:
			walk(x.Left)
			walk(x.Right)
		}
	}
	return out
}
