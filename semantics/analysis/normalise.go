package analysis

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file turns each syntax.Rule into an analysis.Rule: variables get
// slots, expressions become Terms with their inferred types, body literals
// get their kinds. Safety and the evaluation plan are computed in safety.go.

// ruleBuilder normalises one rule.
type ruleBuilder struct {
	a     *analyser
	vars  map[string]int // name -> slot
	tvars map[string]int // name -> type node
	rule  *Rule
	ok    bool // false once an error was reported for this rule
}

func (b *ruleBuilder) errorf(pos syntax.Pos, hint, format string, args ...any) {
	b.ok = false
	b.a.errorf(pos, hint, format, args...)
}

func (b *ruleBuilder) slot(name string) int {
	s, ok := b.vars[name]
	if !ok {
		s = len(b.rule.Vars)
		b.vars[name] = s
		b.rule.Vars = append(b.rule.Vars, name)
	}
	return s
}

// termCtx says where a term appears, which decides what it may be.
type termCtx int

const (
	ctxHead termCtx = iota
	ctxAt
	ctxAtomArg
	ctxCompare
	ctxFuncArg
)

var binaryOps = map[string]TermOp{"+": TermAdd, "-": TermSub, "*": TermMul, "/": TermDiv, "%": TermMod}

// term converts an expression; it reports errors and returns a best-effort
// Term.
func (b *ruleBuilder) term(e syntax.Expr, ctx termCtx) Term {
	if e == nil {
		b.errorf(b.rule.Pos, "", "missing expression")
		return Term{Op: TermWildcard, Type: value.KindInt}
	}
	ty := b.a.ty.typeOf(e)
	pos := e.Position()
	switch e := e.(type) {
	case *syntax.Ident:
		return Term{Op: TermVar, Var: b.slot(e.Name), Type: ty, Pos: pos}
	case *syntax.Wildcard:
		if ctx != ctxAtomArg {
			b.errorf(pos, "use a named variable; _ matches anything and binds nothing, so it is allowed only as an argument of a body atom",
				"_ is not allowed here")
		}
		return Term{Op: TermWildcard, Type: ty, Pos: pos}
	case *syntax.IntLit:
		return Term{Op: TermConst, Const: value.Int(e.Value), Type: value.KindInt, Pos: pos}
	case *syntax.StringLit:
		return Term{Op: TermConst, Const: value.Str(e.Value), Type: value.KindString, Pos: pos}
	case *syntax.Paren:
		return b.term(e.X, ctx)
	case *syntax.Unary:
		// -x is 0 - x (wrapping, like every integer operation).
		if e.Op != "-" {
			b.errorf(pos, "the only unary operator is -", "unknown operator %q", e.Op)
		}
		sub := ctx
		if sub == ctxAtomArg {
			sub = ctxCompare
		}
		x := b.term(e.X, sub)
		zero := Term{Op: TermConst, Const: value.Int(0), Type: value.KindInt, Pos: pos}
		return Term{Op: TermSub, Args: []Term{zero, x}, Type: value.KindInt, Pos: pos}
	case *syntax.Binary:
		op, known := binaryOps[e.Op]
		if !known {
			b.errorf(pos, "use + - * / or %", "unknown operator %q", e.Op)
		}
		sub := ctx
		if sub == ctxAtomArg {
			sub = ctxCompare
		}
		l, r := b.term(e.Left, sub), b.term(e.Right, sub)
		return Term{Op: op, Args: []Term{l, r}, Type: value.KindInt, Pos: pos}
	case *syntax.Call:
		name := e.Func.Name
		want, known := builtinFunctions[name]
		switch {
		case !known && b.a.isBuiltin(name):
			b.errorf(e.Func.Pos, fmt.Sprintf("use it as a body atom, e.g. %s(...); the functions are %s", name, functionList()),
				"%s has no function form", name)
		case !known:
			b.errorf(e.Func.Pos, "the built-in functions are "+functionList()+"; the built-in relations are "+builtinList(),
				"unknown function %s", name)
		case len(e.Args) != want:
			b.errorf(e.Func.Pos, fmt.Sprintf("call it with %d argument(s)", want),
				"%s takes %d argument(s), got %d", name, want, len(e.Args))
		}
		args := make([]Term, len(e.Args))
		for i, x := range e.Args {
			args[i] = b.term(x, ctxFuncArg)
		}
		return Term{Op: TermCall, Func: name, Args: args, Type: ty, Pos: pos}
	case *syntax.InstanceAddr:
		if !b.a.isComponent(e.Comp.Name) {
			b.errorf(e.Comp.Pos, "comp[k] addresses instance k of a component declared with `component comp[n] { ... }`",
				"unknown component %s", e.Comp.Name)
		}
		idx := b.term(e.Index, ctxFuncArg)
		return Term{Op: TermInstance, Func: e.Comp.Name, Args: []Term{idx}, Type: value.KindAddr, Pos: pos}
	}
	b.errorf(pos, "fix the syntax error reported by the parser", "malformed expression")
	return Term{Op: TermWildcard, Type: value.KindInt, Pos: pos}
}

// simpleArg converts an atom argument, which must be a variable, a
// constant or _.
func (b *ruleBuilder) simpleArg(e syntax.Expr, atom string) Term {
	if e == nil {
		return b.term(e, ctxAtomArg)
	}
	inner := e
	for {
		p, ok := inner.(*syntax.Paren)
		if !ok {
			break
		}
		inner = p.X
	}
	switch inner.(type) {
	case *syntax.Ident, *syntax.Wildcard, *syntax.IntLit, *syntax.StringLit, *syntax.BadExpr:
		return b.term(inner, ctxAtomArg)
	}
	if c, ok := constFold(inner); ok {
		return Term{Op: TermConst, Const: c, Type: c.K, Pos: e.Position()}
	}
	b.errorf(e.Position(), "bind the expression to a variable first: write x = ... in the body and pass x",
		"argument of %s must be a variable, a constant or _", atom)
	return b.term(inner, ctxCompare)
}

// constFold evaluates an integer expression without variables (such as -1).
func constFold(e syntax.Expr) (value.Value, bool) {
	switch e := e.(type) {
	case *syntax.IntLit:
		return value.Int(e.Value), true
	case *syntax.StringLit:
		return value.Str(e.Value), true
	case *syntax.Paren:
		return constFold(e.X)
	case *syntax.Unary:
		x, ok := constFold(e.X)
		if !ok || x.K != value.KindInt || e.Op != "-" {
			return value.Value{}, false
		}
		return value.Int(-x.I), true
	case *syntax.Binary:
		l, ok1 := constFold(e.Left)
		r, ok2 := constFold(e.Right)
		if !ok1 || !ok2 || l.K != value.KindInt || r.K != value.KindInt {
			return value.Value{}, false
		}
		switch e.Op {
		case "+":
			return value.Int(l.I + r.I), true
		case "-":
			return value.Int(l.I - r.I), true
		case "*":
			return value.Int(l.I * r.I), true
		case "/":
			if r.I == 0 || (l.I == -1<<63 && r.I == -1) {
				return value.Value{}, false
			}
			return value.Int(l.I / r.I), true
		case "%":
			if r.I == 0 || r.I == -1 {
				if r.I == -1 {
					return value.Int(0), true
				}
				return value.Value{}, false
			}
			m := l.I % r.I
			if m < 0 {
				if r.I < 0 {
					m -= r.I
				} else {
					m += r.I
				}
			}
			return value.Int(m), true
		}
	}
	return value.Value{}, false
}

// normaliseRule builds the Rule for site i (without its plan).
func (a *analyser) normaliseRule(i int) (*Rule, bool) {
	rs := a.rules[i]
	src := rs.src
	r := &Rule{Component: rs.comp, Pos: src.Pos, Source: src, Stratum: -1}
	switch src.Kind {
	case syntax.NextTick:
		r.Kind = NextTick
	case syntax.Async:
		r.Kind = Async
	default:
		r.Kind = Sync
	}
	if !r.Pos.IsValid() {
		r.Pos = src.Head.Pos
	}
	b := &ruleBuilder{a: a, vars: map[string]int{}, tvars: a.ty.ruleVars[i], rule: r, ok: true}
	b.head(src)
	for _, l := range src.Body {
		b.literal(l)
	}
	if len(src.Body) == 0 {
		b.errorf(src.Pos, "write a body after the arrow, or write a fact without an arrow", "rule has an empty body")
	}
	return r, b.ok
}

func (b *ruleBuilder) head(src *syntax.Rule) {
	h := &src.Head
	r := b.rule
	r.Head.Rel = h.Name.Name
	switch {
	case b.a.isComponent(h.Name.Name):
		b.errorf(h.Name.Pos, "rename the relation: a component name used as a relation enumerates the component's instances",
			"cannot derive %s: it is a component name", h.Name.Name)
	case b.a.isBuiltin(h.Name.Name):
		b.errorf(h.Name.Pos, "derive a relation of your own; built-in relations are computed, not derived",
			"cannot derive built-in relation %s", h.Name.Name)
	}
	switch {
	case src.Kind == syntax.Async && h.At == nil:
		b.errorf(h.Name.Pos, "write the destination: "+h.Name.Name+"@dest(...) :~ ..., e.g. @leader[0] or @a with a bound to an address",
			"asynchronous rule (:~) needs an @ destination")
	case src.Kind != syntax.Async && h.At != nil:
		b.errorf(h.At.Position(), "drop the @ destination, or use :~ to send the fact to another node",
			"@ destination on a %s rule; only :~ rules send to other nodes", src.Kind)
	}
	if h.At != nil {
		at := b.term(h.At, ctxAt)
		switch at.Type {
		case value.KindAddr:
		case value.KindInt:
			// The artifact's style: an integer names the node with that
			// global number.
			at = Term{Op: TermCall, Func: "node", Args: []Term{at}, Type: value.KindAddr, Pos: at.Pos}
		default:
			b.errorf(h.At.Position(), "send to an address (comp[k], or a variable bound by comp(a) or self(a)) or to an integer node number",
				"@ destination has type %s", at.Type)
		}
		r.Head.At = &at
	}
	indexes := 0
	for i, arg := range h.Args {
		switch {
		case arg.Agg != nil:
			r.Head.HasAggregate = true
			r.Head.Args = append(r.Head.Args, HeadArg{Agg: b.aggregate(arg.Agg, &indexes)})
		case arg.Expr != nil:
			t := b.term(arg.Expr, ctxHead)
			r.Head.Args = append(r.Head.Args, HeadArg{Term: &t})
		default:
			b.errorf(h.Pos, "", "missing head argument %d", i+1)
			r.Head.Args = append(r.Head.Args, HeadArg{Term: &Term{Op: TermConst, Const: value.Int(0), Type: value.KindInt}})
		}
	}
	if r.Head.HasAggregate {
		r.Head.GroupBy = []int{}
		for i, arg := range r.Head.Args {
			if arg.Term != nil {
				r.Head.GroupBy = append(r.Head.GroupBy, i)
			}
		}
	}
}

func (b *ruleBuilder) aggregate(ag *syntax.Aggregate, indexes *int) *Agg {
	out := &Agg{Func: ag.Func, Star: ag.Star}
	for _, id := range ag.Args {
		if id == nil || id.Name == "" || id.Name == "_" {
			b.errorf(ag.Pos, "aggregate a named variable of the body", "aggregate argument must be a variable")
			continue
		}
		out.Vars = append(out.Vars, b.slot(id.Name))
	}
	switch ag.Func {
	case syntax.AggCount:
		if ag.Star && len(ag.Args) > 0 {
			b.errorf(ag.Pos, "write count(*) or count(x, ...)", "count(*) takes no variables")
		}
		if !ag.Star && len(ag.Args) == 0 {
			b.errorf(ag.Pos, "write count(*) to count rows, or count(x) to count distinct values of x", "count needs * or variables")
		}
	case syntax.AggSum, syntax.AggMin, syntax.AggMax, syntax.AggChoose:
		if ag.Star || len(ag.Args) != 1 {
			b.errorf(ag.Pos, fmt.Sprintf("write %s(x) with one variable x of the body", ag.Func),
				"%s takes exactly one variable", ag.Func)
		}
	case syntax.AggIndex:
		*indexes++
		if ag.Star || len(ag.Args) != 0 {
			b.errorf(ag.Pos, "write index()", "index takes no arguments")
		}
		if *indexes > 1 {
			b.errorf(ag.Pos, "keep one index() in the head", "index() may appear at most once in a head")
		}
	default:
		b.errorf(ag.Pos, "the aggregates are count, sum, min, max, choose and index", "unknown aggregate %s", ag.Func)
	}
	return out
}

func (b *ruleBuilder) literal(l syntax.Literal) {
	r := b.rule
	switch l := l.(type) {
	case *syntax.Atom:
		if l == nil {
			return
		}
		name := l.Name.Name
		lit := Lit{Pos: l.Pos, Rel: name}
		builtin := b.a.isBuiltin(name)
		if builtin {
			if want := b.a.builtinArityOf(name); len(l.Args) != want {
				b.errorf(l.Name.Pos, fmt.Sprintf("call it with %d argument(s); see Built-ins in docs/LANGUAGE.md", want),
					"built-in relation %s takes %d argument(s), got %d", name, want, len(l.Args))
			}
		}
		for _, e := range l.Args {
			lit.Args = append(lit.Args, b.simpleArg(e, name))
		}
		switch {
		case builtin && l.Negated:
			fn, ok := "", false
			if bi := LookupBuiltin(name); bi != nil && bi.NegatedAs != "" {
				fn, ok = bi.NegatedAs, true
			}
			if !ok || len(lit.Args) != b.a.builtinArityOf(name) {
				if !ok {
					b.errorf(l.Pos, "negate a user relation instead, or use a comparison", "built-in relation %s cannot be negated", name)
				}
				lit.Kind = LitNegated
				break
			}
			// !verify(x, s) is s != sign(x); !hash(x, h) is h != hash(x).
			n := len(lit.Args)
			for _, t := range lit.Args {
				if t.Op == TermWildcard {
					b.errorf(t.Pos, "name the argument and bind it in a positive atom", "_ is not allowed in a negated built-in")
				}
			}
			lit.Kind = LitFilter
			lit.Op = "!="
			lit.Left = lit.Args[n-1]
			lit.Right = Term{Op: TermCall, Func: fn, Args: append([]Term(nil), lit.Args[:n-1]...), Type: lit.Left.Type, Pos: l.Pos}
			lit.Rel = ""
			lit.Args = nil
		case builtin:
			lit.Kind = LitBuiltin
			// An input of a built-in must have a value when it runs; _
			// never has one (eval would stop the tick).
			ins, _, _ := builtinIO(name, len(lit.Args))
			for _, i := range ins {
				if lit.Args[i].Op == TermWildcard {
					b.errorf(lit.Args[i].Pos, "name the argument and bind it in a positive atom; _ only fills an output of a built-in",
						"_ is not allowed as input %d of built-in %s", i+1, name)
				}
			}
		case l.Negated:
			lit.Kind = LitNegated
		default:
			lit.Kind = LitAtom
		}
		r.Body = append(r.Body, lit)
	case *syntax.Compare:
		if l == nil {
			return
		}
		lit := Lit{Pos: l.Pos, Kind: LitFilter, Op: l.Op}
		switch l.Op {
		case "<", "<=", ">", ">=", "==", "!=":
		case "=":
			lit.Kind = LitAssign // decided for good in the plan
		default:
			b.errorf(l.Pos, "use one of < <= > >= == != =", "unknown comparison %q", l.Op)
		}
		lit.Left = b.term(l.Left, ctxCompare)
		lit.Right = b.term(l.Right, ctxCompare)
		r.Body = append(r.Body, lit)
	default:
		b.errorf(r.Pos, "fix the syntax error reported by the parser", "malformed body literal")
	}
}
