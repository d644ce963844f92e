package reach

import (
	"math"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// env is the abstraction of a rule's variables at one point of its plan.
type env struct {
	vals  []Abs
	bound []bool
}

func (e env) clone() env {
	return env{vals: append([]Abs(nil), e.vals...), bound: append([]bool(nil), e.bound...)}
}

// evalRule returns the abstract head tuple of everything r may derive from
// the current abstraction, or nil when its body cannot hold.
//
// The body is evaluated in the rule's plan order over every combination of
// the sources of its atoms (or their joins, past maxCombos), each a
// disjunct; negated atoms are skipped (they may hold), filters and built-ins
// narrow or bind. A plain head is computed per disjunct; an aggregate head
// from the join of the disjuncts, since one group may take rows from
// several.
func (an *analyser) evalRule(r *analysis.Rule) []Abs {
	combos := 1
	for _, l := range r.Body {
		if l.Kind == analysis.LitAtom {
			combos *= max(len(an.tuples(l.Rel, false)), 1)
			combos = min(combos, maxCombos+1)
		}
	}
	merged := combos > maxCombos
	start := env{vals: make([]Abs, len(r.Vars)), bound: make([]bool, len(r.Vars))}
	for i := range start.vals {
		start.vals[i] = Top
	}
	var leaves []env
	var walk func(step int, e env)
	walk = func(step int, e env) {
		if step == len(r.Plan) {
			// Every literal is a constraint on the final binding, so
			// applying them again narrows what an early assignment
			// computed before a later filter (k1 = k + 1, k < 1000).
			for _, i := range r.Plan {
				if l := &r.Body[i]; l.Kind != analysis.LitAtom && !an.literal(r, l, &e) {
					return
				}
			}
			leaves = append(leaves, e)
			return
		}
		l := &r.Body[r.Plan[step]]
		if l.Kind != analysis.LitAtom {
			if an.literal(r, l, &e) {
				walk(step+1, e)
			}
			return
		}
		for _, t := range an.tuples(l.Rel, merged) {
			e2 := e.clone()
			if matchAtom(l, t, &e2) {
				walk(step+1, e2)
			}
		}
	}
	walk(0, start)
	if len(leaves) == 0 {
		return nil
	}
	if r.Head.HasAggregate {
		j := leaves[0].clone()
		for _, e := range leaves[1:] {
			for i := range j.vals {
				j.vals[i] = Join(j.vals[i], e.vals[i])
			}
		}
		return an.head(r, j)
	}
	var out []Abs
	for _, e := range leaves {
		h := an.head(r, e)
		if h == nil {
			continue
		}
		if out == nil {
			out = h
			continue
		}
		for i := range out {
			out[i] = Join(out[i], h[i])
		}
	}
	return out
}

// matchAtom joins a positive atom with an abstract tuple t.
func matchAtom(l *analysis.Lit, t []Abs, e *env) bool {
	for i, a := range l.Args {
		if i >= len(t) || t[i].k == kBot {
			return false
		}
		switch a.Op {
		case analysis.TermConst:
			if !t[i].Contains(a.Const) {
				return false
			}
		case analysis.TermVar:
			if e.bound[a.Var] {
				e.vals[a.Var] = Meet(e.vals[a.Var], t[i])
			} else {
				e.vals[a.Var], e.bound[a.Var] = t[i], true
			}
			if e.vals[a.Var].k == kBot {
				return false
			}
		}
	}
	return true
}

// head computes the head tuple under e; nil when a term has no value
// (a division by zero everywhere).
func (an *analyser) head(r *analysis.Rule, e env) []Abs {
	out := make([]Abs, len(r.Head.Args))
	for i, h := range r.Head.Args {
		var a Abs
		if h.Agg != nil {
			a = an.aggregate(r, h.Agg, e)
		} else {
			a = an.term(h.Term, e)
		}
		if a.k == kBot {
			return nil
		}
		out[i] = a
	}
	return out
}

// aggregate abstracts an aggregate's value over the rows of one group:
// count and index() by the number of rows, sum from its variable's
// interval and that number, min, max and choose by the variable itself.
func (an *analyser) aggregate(r *analysis.Rule, a *analysis.Agg, e env) Abs {
	// A group's rows are distinct bindings of the body's variables, so no
	// more than the values they may take allow.
	var bound []int
	for v, ok := range e.bound {
		if ok {
			bound = append(bound, v)
		}
	}
	rows := min(an.rowBound(r), cardinality(e, bound))
	switch string(a.Func) {
	case "count":
		if !a.Star {
			rows = min(rows, cardinality(e, a.Vars))
		}
		return Range(1, rows)
	case "index":
		return Range(0, rows-1)
	case "sum":
		if len(a.Vars) != 1 {
			return anyInt
		}
		x, ok := e.vals[a.Vars[0]].asInt()
		if !ok || x.infinite() {
			return anyInt
		}
		lo, hi := x.lo, x.hi
		var ov1, ov2 bool
		if lo < 0 {
			lo, ov1 = mulOv(lo, rows)
		}
		if hi > 0 {
			hi, ov2 = mulOv(hi, rows)
		}
		if ov1 || ov2 {
			return anyInt // the sum wraps
		}
		return Range(min(lo, x.lo), max(hi, x.hi))
	}
	if len(a.Vars) != 1 {
		return Top
	}
	return e.vals[a.Vars[0]] // min, max, choose: one of the rows' values
}

// cardinality bounds the distinct bindings of the variables vars under e:
// the product of their abstractions' sizes (MaxInt64 when one is not
// finite).
func cardinality(e env, vars []int) int64 {
	n := int64(1)
	for _, v := range vars {
		a := e.vals[v]
		var k int64
		switch {
		case a.k == kSet:
			k = int64(len(a.vals))
		case a.k == kInt && !a.infinite():
			d, ov := subOv(a.hi, a.lo)
			if ov || d == math.MaxInt64 {
				return math.MaxInt64
			}
			k = d + 1
		default:
			return math.MaxInt64
		}
		p, ov := mulOv(n, k)
		if ov {
			return math.MaxInt64
		}
		n = p
	}
	return max(n, 1)
}

// rowBound bounds the distinct rows of r's body in one tick: each positive
// atom matches at most MaxFacts facts, less_than at most eval.MaxLessThan
// values, a component enumeration its instances.
func (an *analyser) rowBound(r *analysis.Rule) int64 {
	n := int64(1)
	mul := func(k int64) {
		if p, ov := mulOv(n, max(k, 1)); ov {
			n = math.MaxInt64
		} else {
			n = p
		}
	}
	for _, l := range r.Body {
		switch l.Kind {
		case analysis.LitAtom:
			mul(an.b.MaxFacts)
		case analysis.LitBuiltin:
			if l.Rel == "less_than" {
				mul(eval.MaxLessThan)
			} else if c := an.p.Component(l.Rel); c != nil {
				mul(int64(c.Count))
			}
		}
	}
	return n
}

// literal applies a non-atom literal to e; false when it cannot hold.
func (an *analyser) literal(r *analysis.Rule, l *analysis.Lit, e *env) bool {
	switch l.Kind {
	case analysis.LitNegated:
		return true // may hold in some run
	case analysis.LitAssign:
		v := an.term(&l.Right, *e)
		if v.k == kBot {
			return false
		}
		if l.Left.Op == analysis.TermVar && !e.bound[l.Left.Var] {
			e.vals[l.Left.Var], e.bound[l.Left.Var] = v, true
			return true
		}
		return an.compare(&l.Left, &l.Right, "==", e)
	case analysis.LitFilter:
		return an.compare(&l.Left, &l.Right, l.Op, e)
	case analysis.LitBuiltin:
		return an.builtin(r, l, e)
	}
	return true
}

// compare narrows e by a comparison; false when it cannot hold.
func (an *analyser) compare(lt, rt *analysis.Term, op string, e *env) bool {
	a, b := an.term(lt, *e), an.term(rt, *e)
	if a.k == kBot || b.k == kBot {
		return false
	}
	set := func(t *analysis.Term, v Abs) bool {
		if v.k == kBot {
			return false
		}
		if t.Op == analysis.TermVar {
			e.vals[t.Var] = v
		}
		return true
	}
	switch op {
	case "==", "=":
		m := Meet(a, b)
		return set(lt, m) && set(rt, m)
	case "!=":
		x, okx := a.singleton()
		y, oky := b.singleton()
		if okx && oky && x == y {
			return false
		}
		if oky && a.k == kSet {
			return set(lt, a.filter(func(v value.Value) bool { return v != y }))
		}
		if okx && b.k == kSet {
			return set(rt, b.filter(func(v value.Value) bool { return v != x }))
		}
		return true
	case ">":
		return an.less(*rt, *lt, b, a, true, e)
	case ">=":
		return an.less(*rt, *lt, b, a, false, e)
	case "<":
		return an.less(*lt, *rt, a, b, true, e)
	case "<=":
		return an.less(*lt, *rt, a, b, false, e)
	}
	return true
}

// less narrows e by lt < rt (strict) or lt <= rt, whose abstractions are
// a and b.
func (an *analyser) less(lt, rt analysis.Term, a, b Abs, strict bool, e *env) bool {
	if a.k == kSet && b.k == kSet {
		ok := func(x, y value.Value) bool {
			c := x.Compare(y)
			return c < 0 || (!strict && c == 0)
		}
		na := a.filter(func(x value.Value) bool {
			for _, y := range b.vals {
				if ok(x, y) {
					return true
				}
			}
			return false
		})
		nb := b.filter(func(y value.Value) bool {
			for _, x := range a.vals {
				if ok(x, y) {
					return true
				}
			}
			return false
		})
		if na.k == kBot || nb.k == kBot {
			return false
		}
		if lt.Op == analysis.TermVar {
			e.vals[lt.Var] = na
		}
		if rt.Op == analysis.TermVar {
			e.vals[rt.Var] = nb
		}
		return true
	}
	if !intLike(a, lt) || !intLike(b, rt) {
		return true // strings or addresses beyond a set: no narrowing
	}
	x, okx := a.asInt()
	y, oky := b.asInt()
	if !okx {
		x = anyInt
	}
	if !oky {
		y = anyInt
	}
	gap := int64(0)
	if strict {
		gap = 1
	}
	// lt <= y.hi - gap, rt >= x.lo + gap.
	if !y.hiInf {
		hi, ov := subOv(y.hi, gap)
		if ov {
			return false // lt < MinInt64
		}
		na := Meet(a, Range(math.MinInt64, hi))
		if na.k == kBot {
			return false
		}
		if lt.Op == analysis.TermVar {
			e.vals[lt.Var] = na
		}
	}
	if !x.loInf {
		lo, ov := addOv(x.lo, gap)
		if ov {
			return false
		}
		nb := Meet(b, Range(lo, math.MaxInt64))
		if nb.k == kBot {
			return false
		}
		if rt.Op == analysis.TermVar {
			e.vals[rt.Var] = nb
		}
	}
	return true
}

// intLike reports whether a, the abstraction of t, holds only ints.
func intLike(a Abs, t analysis.Term) bool {
	switch a.k {
	case kInt:
		return true
	case kSet:
		return allInts(a.vals)
	}
	return a.k == kTop && t.Type == value.KindInt
}

// builtin applies a built-in relation literal.
func (an *analyser) builtin(r *analysis.Rule, l *analysis.Lit, e *env) bool {
	arg := func(i int) Abs {
		t := l.Args[i]
		switch t.Op {
		case analysis.TermConst:
			return Const(t.Const)
		case analysis.TermVar:
			if e.bound[t.Var] {
				return e.vals[t.Var]
			}
		}
		return Top
	}
	// out binds (or, when bound, narrows) argument i to v.
	out := func(i int, v Abs) bool {
		if v.k == kBot {
			return false
		}
		t := l.Args[i]
		switch t.Op {
		case analysis.TermConst:
			return v.Contains(t.Const)
		case analysis.TermVar:
			if e.bound[t.Var] {
				e.vals[t.Var] = Meet(e.vals[t.Var], v)
				return e.vals[t.Var].k != kBot
			}
			e.vals[t.Var], e.bound[t.Var] = v, true
		}
		return true
	}
	switch l.Rel {
	case "hash":
		return out(1, hashRange)
	case "sign":
		return out(1, anyInt)
	case "verify":
		return true
	case "concat":
		return out(2, concatAbs(arg(0), arg(1)))
	case "less_than":
		n, ok := arg(1).asInt()
		if !ok {
			n = anyInt
		}
		hi := int64(eval.MaxLessThan)
		if !n.hiInf {
			hi = min(hi, n.hi)
		}
		if hi < 1 {
			return false
		}
		return out(0, Range(0, hi-1))
	case "self":
		return out(0, an.instances(r.Component))
	}
	if an.p.Component(l.Rel) != nil {
		return out(0, an.instances(l.Rel))
	}
	return true // an unknown built-in: no narrowing
}

// hashRange: hash is a non-negative 63-bit int.
var hashRange = Range(0, math.MaxInt64)

// instances is every address of comp, or Top past MaxSet.
func (an *analyser) instances(comp string) Abs {
	c := an.p.Component(comp)
	if c == nil || c.Count > MaxSet {
		return Top
	}
	vs := make([]value.Value, c.Count)
	for i := range vs {
		vs[i] = value.AddrOf(value.Addr{Comp: comp, Instance: i})
	}
	return setOf(vs)
}

// term abstracts the value of t under e.
func (an *analyser) term(t *analysis.Term, e env) Abs {
	switch t.Op {
	case analysis.TermVar:
		if e.bound[t.Var] {
			return e.vals[t.Var]
		}
		return Top
	case analysis.TermConst:
		return Const(t.Const)
	case analysis.TermAdd, analysis.TermSub, analysis.TermMul, analysis.TermDiv, analysis.TermMod:
		if len(t.Args) != 2 {
			return Top
		}
		a, b := an.term(&t.Args[0], e), an.term(&t.Args[1], e)
		return arith(t.Op, a, b, func(c uint64) { an.growth[t] = max(an.growth[t], c) })
	case analysis.TermInstance:
		if len(t.Args) != 1 {
			return Top
		}
		c := an.p.Component(t.Func)
		k := an.term(&t.Args[0], e)
		if c != nil && k.k == kSet && allInts(k.vals) {
			var vs []value.Value
			for _, v := range k.vals {
				i, _ := concreteArith(analysis.TermMod, v.I, int64(c.Count))
				vs = append(vs, value.AddrOf(value.Addr{Comp: t.Func, Instance: int(i)}))
			}
			return setOf(vs)
		}
		return an.instances(t.Func)
	case analysis.TermCall:
		var args []Abs
		for i := range t.Args {
			args = append(args, an.term(&t.Args[i], e))
		}
		for _, a := range args {
			if a.k == kBot {
				return Bot
			}
		}
		switch t.Func {
		case "hash":
			return hashRange
		case "sign":
			return anyInt
		case "concat":
			if len(args) == 2 {
				return concatAbs(args[0], args[1])
			}
		case "node":
			return an.allNodes()
		}
		return Top
	}
	return Top
}

// allNodes is every node's address, or Top past MaxSet.
func (an *analyser) allNodes() Abs {
	var vs []value.Value
	for _, c := range an.p.Components {
		for i := 0; i < c.Count; i++ {
			if len(vs) > MaxSet {
				return Top
			}
			vs = append(vs, value.AddrOf(value.Addr{Comp: c.Name, Instance: i}))
		}
	}
	return setOf(vs)
}

// concatAbs is concat over two finite sets, pair by pair (the evaluator's
// plain text: a string's text, an int in decimal, an address as comp[i]),
// or any string.
func concatAbs(a, b Abs) Abs {
	if a.k != kSet || b.k != kSet || len(a.vals)*len(b.vals) > MaxSet {
		return Top
	}
	var out []value.Value
	for _, x := range a.vals {
		for _, y := range b.vals {
			s := plainText(x) + plainText(y)
			if len(s) > eval.MaxStringLen {
				continue // the tick fails instead
			}
			out = append(out, value.Str(s))
		}
	}
	return setOf(out)
}

func plainText(v value.Value) string {
	if v.K == value.KindString {
		return v.S()
	}
	return v.String() // ints in decimal, addresses as comp[i]
}
