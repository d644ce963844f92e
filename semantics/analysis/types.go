package analysis

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file infers column and variable types by unification. Every relation
// column, rule variable and expression is a node; uses make nodes equal
// (a variable shared by two atoms, an argument and its column, the two sides
// of a comparison) or pin them to a type (constants, arithmetic, built-ins,
// declarations). A class that nothing pins defaults to int.

type tclass struct {
	parent int
	kind   value.Kind // KindInvalid while unknown
	why    string     // what pinned the type, for conflict messages
	pos    syntax.Pos // where
}

type typer struct {
	a        *analyser
	nodes    []tclass
	exprNode map[syntax.Expr]int
	ruleVars []map[string]int // per entry of analyser.rules
}

func (t *typer) newNode() int {
	t.nodes = append(t.nodes, tclass{parent: len(t.nodes)})
	return len(t.nodes) - 1
}

func (t *typer) fixed(k value.Kind, why string, pos syntax.Pos) int {
	n := t.newNode()
	t.nodes[n].kind, t.nodes[n].why, t.nodes[n].pos = k, why, pos
	return n
}

func (t *typer) find(n int) int {
	for t.nodes[n].parent != n {
		t.nodes[n].parent = t.nodes[t.nodes[n].parent].parent
		n = t.nodes[n].parent
	}
	return n
}

// unify makes x and y the same type; what describes the use at pos.
func (t *typer) unify(x, y int, pos syntax.Pos, what string) {
	rx, ry := t.find(x), t.find(y)
	if rx == ry {
		return
	}
	cx, cy := t.nodes[rx], t.nodes[ry]
	if cx.kind != value.KindInvalid && cy.kind != value.KindInvalid && cx.kind != cy.kind {
		t.a.errorf(pos, "use one type per column and variable; a .decl pins a relation's column types",
			"type conflict in %s: %s (%s at %s) vs %s (%s at %s)",
			what, cx.kind, cx.why, posString(cx.pos), cy.kind, cy.why, posString(cy.pos))
		return
	}
	if cx.kind == value.KindInvalid {
		t.nodes[rx].parent = ry
	} else {
		t.nodes[ry].parent = rx
	}
}

func (t *typer) require(n int, k value.Kind, why string, pos syntax.Pos, what string) {
	t.unify(n, t.fixed(k, why, pos), pos, what)
}

// kindOf is the resolved type of node n: int when nothing pinned it.
func (t *typer) kindOf(n int) value.Kind {
	if k := t.nodes[t.find(n)].kind; k != value.KindInvalid {
		return k
	}
	return value.KindInt
}

// typeOf is the resolved type of an expression seen during inference.
func (t *typer) typeOf(e syntax.Expr) value.Kind {
	if n, ok := t.exprNode[e]; ok {
		return t.kindOf(n)
	}
	return value.KindInt
}

func (a *analyser) inferTypes() {
	t := &typer{a: a, exprNode: map[syntax.Expr]int{}}
	a.ty = t
	for _, name := range a.sortedRelNames() {
		ri := a.rels[name]
		if ri.arity < 0 {
			ri.arity = 0
		}
		for len(ri.cols) < ri.arity {
			ri.cols = append(ri.cols, Column{})
			ri.colPos = append(ri.colPos, ri.pos)
		}
		ri.colNodes = make([]int, ri.arity)
		for i := range ri.colNodes {
			if k := ri.cols[i].Type; k != value.KindInvalid {
				ri.colNodes[i] = t.fixed(k, "declared for column "+fmt.Sprint(i+1)+" of "+name, ri.colPos[i])
			} else {
				ri.colNodes[i] = t.newNode()
			}
		}
	}
	t.ruleVars = make([]map[string]int, len(a.rules))
	for i, rs := range a.rules {
		vars := map[string]int{}
		t.ruleVars[i] = vars
		t.inferRule(rs.src, vars)
	}
	for _, fs := range a.facts {
		t.inferHeadArgs(&fs.src.Head, map[string]int{})
	}
	for _, name := range a.sortedRelNames() {
		ri := a.rels[name]
		for i := range ri.cols {
			ri.cols[i].Type = t.kindOf(ri.colNodes[i])
		}
	}
}

func (t *typer) inferRule(r *syntax.Rule, vars map[string]int) {
	t.inferHeadArgs(&r.Head, vars)
	if r.Head.At != nil {
		t.expr(r.Head.At, vars) // addr or int: checked after inference
	}
	for _, l := range r.Body {
		switch l := l.(type) {
		case *syntax.Atom:
			if l != nil {
				t.inferAtom(l, vars)
			}
		case *syntax.Compare:
			if l != nil {
				x, y := t.expr(l.Left, vars), t.expr(l.Right, vars)
				t.unify(x, y, l.Pos, "the two sides of "+l.Op)
			}
		}
	}
}

func (t *typer) inferHeadArgs(h *syntax.Head, vars map[string]int) {
	ri := t.a.rels[h.Name.Name]
	if ri == nil || ri.arity != len(h.Args) {
		for _, arg := range h.Args {
			if arg.Expr != nil {
				t.expr(arg.Expr, vars)
			}
		}
		return
	}
	for i, arg := range h.Args {
		what := fmt.Sprintf("argument %d of %s", i+1, ri.name)
		col := ri.colNodes[i]
		switch {
		case arg.Agg != nil:
			ag := arg.Agg
			var v = -1
			if len(ag.Args) > 0 && ag.Args[0] != nil {
				v = t.varNode(ag.Args[0].Name, vars)
			}
			switch ag.Func {
			case syntax.AggCount, syntax.AggIndex:
				t.require(col, value.KindInt, string(ag.Func)+" result", ag.Pos, what)
			case syntax.AggSum:
				t.require(col, value.KindInt, "sum result", ag.Pos, what)
				if v >= 0 {
					t.require(v, value.KindInt, "sum argument", ag.Pos, "the argument of sum")
				}
			default: // min, max, choose keep the type of their argument
				if v >= 0 {
					t.unify(v, col, ag.Pos, what)
				}
			}
		case arg.Expr != nil:
			t.unify(t.expr(arg.Expr, vars), col, arg.Expr.Position(), what)
		}
	}
}

func (t *typer) inferAtom(at *syntax.Atom, vars map[string]int) {
	name := at.Name.Name
	if kinds, ok := t.a.builtinArgs(name); ok {
		for i, e := range at.Args {
			n := t.expr(e, vars)
			if len(kinds) == len(at.Args) && kinds[i] != value.KindInvalid {
				t.require(n, kinds[i], "built-in "+name, at.Name.Pos, fmt.Sprintf("argument %d of %s", i+1, name))
			}
		}
		return
	}
	ri := t.a.rels[name]
	for i, e := range at.Args {
		n := t.expr(e, vars)
		if ri != nil && ri.arity == len(at.Args) && e != nil {
			t.unify(n, ri.colNodes[i], e.Position(), fmt.Sprintf("argument %d of %s", i+1, name))
		}
	}
}

func (t *typer) varNode(name string, vars map[string]int) int {
	n, ok := vars[name]
	if !ok {
		n = t.newNode()
		vars[name] = n
	}
	return n
}

// expr returns the node of an expression, recording it for typeOf.
func (t *typer) expr(e syntax.Expr, vars map[string]int) int {
	if e == nil {
		return t.newNode()
	}
	var n int
	switch e := e.(type) {
	case *syntax.Ident:
		n = t.varNode(e.Name, vars)
	case *syntax.IntLit:
		n = t.fixed(value.KindInt, "integer constant", e.Pos)
	case *syntax.StringLit:
		n = t.fixed(value.KindString, "string constant", e.Pos)
	case *syntax.Binary:
		l, r := t.expr(e.Left, vars), t.expr(e.Right, vars)
		t.require(l, value.KindInt, "arithmetic "+e.Op, e.Pos, "the left operand of "+e.Op)
		t.require(r, value.KindInt, "arithmetic "+e.Op, e.Pos, "the right operand of "+e.Op)
		n = t.fixed(value.KindInt, "result of "+e.Op, e.Pos)
	case *syntax.Paren:
		n = t.expr(e.X, vars)
	case *syntax.Unary:
		x := t.expr(e.X, vars)
		t.require(x, value.KindInt, "arithmetic "+e.Op, e.Pos, "the operand of "+e.Op)
		n = t.fixed(value.KindInt, "result of "+e.Op, e.Pos)
	case *syntax.Call:
		for _, x := range e.Args {
			t.expr(x, vars)
		}
		switch e.Func.Name {
		case "hash", "sign":
			n = t.fixed(value.KindInt, e.Func.Name+" result", e.Pos)
		case "concat":
			n = t.fixed(value.KindString, "concat result", e.Pos)
		default:
			n = t.newNode()
		}
	case *syntax.InstanceAddr:
		i := t.expr(e.Index, vars)
		t.require(i, value.KindInt, "instance index", e.Pos, "the instance index of "+e.Comp.Name)
		n = t.fixed(value.KindAddr, "instance address", e.Pos)
	default: // Wildcard, BadExpr
		n = t.newNode()
	}
	t.exprNode[e] = n
	return n
}
