package analysis

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file checks range restriction (docs/ARCHITECTURE.md, Well-formedness) and computes each rule's
// Plan: a safe evaluation order of its body. The plan is greedy: literals
// that only test or compute from bound variables (filters, negated atoms,
// assignments, functional built-ins) run as soon as their inputs are bound;
// otherwise the next positive atom in source order joins; enumerating
// built-ins (less_than, self, component names) with an unbound output run
// only when nothing else can, so that they check rather than enumerate when
// a later atom binds their variable. When no literal can run, every stuck
// literal is reported with its first unbound variable.

// forVars calls fn for every variable occurrence of t, with the built-in
// function whose input it is ("" when none).
func forVars(t Term, fn func(slot int, pos syntax.Pos, inFunc string), inFunc string) {
	switch t.Op {
	case TermVar:
		fn(t.Var, t.Pos, inFunc)
	case TermCall:
		for _, x := range t.Args {
			forVars(x, fn, t.Func)
		}
	default:
		for _, x := range t.Args {
			forVars(x, fn, inFunc)
		}
	}
}

// occurrence counts variable uses across a rule.
func countOccurrences(r *Rule) []int {
	n := make([]int, len(r.Vars))
	add := func(slot int, _ syntax.Pos, _ string) { n[slot]++ }
	for _, h := range r.Head.Args {
		if h.Term != nil {
			forVars(*h.Term, add, "")
		}
		if h.Agg != nil {
			for _, v := range h.Agg.Vars {
				n[v]++
			}
		}
	}
	if r.Head.At != nil {
		forVars(*r.Head.At, add, "")
	}
	for _, l := range r.Body {
		for _, t := range litTerms(&l) {
			forVars(t, add, "")
		}
	}
	return n
}

// litTerms lists the terms of a literal: Left and Right only mean something
// for comparisons (a zero Term is TermVar of slot 0).
func litTerms(l *Lit) []Term {
	if l.Kind == LitFilter || l.Kind == LitAssign {
		return []Term{l.Left, l.Right}
	}
	return l.Args
}

type planner struct {
	a      *analyser
	r      *Rule
	bound  []bool
	done   []bool
	ok     bool
	report map[int]bool // variables already reported unbound
}

func (p *planner) varName(slot int) string { return p.r.Vars[slot] }

// unboundIn returns the first unbound variable of t.
func (p *planner) unboundIn(t Term) (slot int, pos syntax.Pos, inFunc string, found bool) {
	forVars(t, func(s int, ps syntax.Pos, f string) {
		if !found && !p.bound[s] {
			slot, pos, inFunc, found = s, ps, f, true
		}
	}, "")
	return
}

// inputs returns the terms a literal needs bound before it runs.
func (p *planner) inputs(l *Lit) []Term {
	switch l.Kind {
	case LitNegated:
		return l.Args
	case LitBuiltin:
		ins, _, _ := builtinIO(l.Rel, len(l.Args))
		var ts []Term
		for _, i := range ins {
			if i < len(l.Args) {
				ts = append(ts, l.Args[i])
			}
		}
		return ts
	case LitFilter:
		return []Term{l.Left, l.Right}
	case LitAssign:
		if l.Left.Op == TermVar && !p.bound[l.Left.Var] {
			return []Term{l.Right}
		}
		if l.Right.Op == TermVar && !p.bound[l.Right.Var] {
			return []Term{l.Left}
		}
		return []Term{l.Left, l.Right}
	}
	return nil
}

func (p *planner) ready(l *Lit) bool {
	for _, t := range p.inputs(l) {
		if _, _, _, found := p.unboundIn(t); found {
			return false
		}
	}
	return true
}

// enumerating reports whether a built-in literal would enumerate values now.
func (p *planner) enumerating(l *Lit) bool {
	if l.Kind != LitBuiltin {
		return false
	}
	_, out, enum := builtinIO(l.Rel, len(l.Args))
	return enum && out >= 0 && out < len(l.Args) && l.Args[out].Op == TermVar && !p.bound[l.Args[out].Var]
}

// schedule fixes the literal's final kind and records what it binds.
func (p *planner) schedule(i int) {
	l := &p.r.Body[i]
	p.done[i] = true
	p.r.Plan = append(p.r.Plan, i)
	bind := func(t Term) {
		if t.Op == TermVar && !p.bound[t.Var] {
			p.bound[t.Var] = true
			l.Binds = append(l.Binds, t.Var)
		}
	}
	switch l.Kind {
	case LitAtom:
		for _, t := range l.Args {
			bind(t)
		}
	case LitBuiltin:
		_, out, _ := builtinIO(l.Rel, len(l.Args))
		if out >= 0 && out < len(l.Args) {
			bind(l.Args[out])
		}
	case LitAssign:
		switch {
		case l.Left.Op == TermVar && !p.bound[l.Left.Var]:
			bind(l.Left)
		case l.Right.Op == TermVar && !p.bound[l.Right.Var]:
			l.Left, l.Right = l.Right, l.Left
			bind(l.Left)
		default:
			l.Kind, l.Op = LitFilter, "=="
		}
	}
}

func (a *analyser) planRule(r *Rule) bool {
	// A variable used once, in a negated atom, is existential: a wildcard.
	occ := countOccurrences(r)
	for i := range r.Body {
		if r.Body[i].Kind != LitNegated {
			continue
		}
		for j, t := range r.Body[i].Args {
			if t.Op == TermVar && occ[t.Var] == 1 {
				r.Body[i].Args[j] = Term{Op: TermWildcard, Type: t.Type, Pos: t.Pos}
			}
		}
	}
	p := &planner{a: a, r: r, bound: make([]bool, len(r.Vars)), done: make([]bool, len(r.Body)), ok: true, report: map[int]bool{}}
	r.Plan = r.Plan[:0]
	for {
		next := -1
		for i := range r.Body {
			l := &r.Body[i]
			if !p.done[i] && l.Kind != LitAtom && !p.enumerating(l) && p.ready(l) {
				next = i
				break
			}
		}
		for i := range r.Body {
			if next < 0 && !p.done[i] && r.Body[i].Kind == LitAtom {
				next = i
			}
		}
		for i := range r.Body {
			if next < 0 && !p.done[i] && p.enumerating(&r.Body[i]) && p.ready(&r.Body[i]) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		p.schedule(next)
	}
	stuck := false
	for i := range r.Body {
		if !p.done[i] {
			stuck = true
			p.reportStuck(&r.Body[i])
		}
	}
	p.checkHead(stuck)
	return p.ok
}

func (p *planner) fail(slot int, pos syntax.Pos, hint, format string, args ...any) {
	p.ok = false
	if p.report[slot] {
		return
	}
	p.report[slot] = true
	p.a.errorf(pos, hint, format, args...)
}

func (p *planner) reportStuck(l *Lit) {
	for _, t := range p.inputs(l) {
		slot, pos, inFunc, found := p.unboundIn(t)
		if !found {
			continue
		}
		x := p.varName(slot)
		switch {
		case inFunc != "":
			p.fail(slot, pos, fmt.Sprintf("bind %s in a positive atom of the body before calling %s", x, inFunc),
				"input %s of %s is not bound", x, inFunc)
		case l.Kind == LitNegated:
			p.fail(slot, pos, fmt.Sprintf("bind %s in a positive atom of the body; a variable used only once, in a negated atom, is existential and may be written _", x),
				"variable %s of negated atom %s is not bound", x, l.Rel)
		case l.Kind == LitBuiltin:
			p.fail(slot, pos, fmt.Sprintf("bind %s in a positive atom of the body; the inputs of built-in relations must be bound", x),
				"input %s of built-in %s is not bound", x, l.Rel)
		case l.Kind == LitAssign:
			p.fail(slot, pos, fmt.Sprintf("bind %s in a positive atom of the body before computing with it", x),
				"variable %s in assignment is not bound", x)
		default:
			p.fail(slot, pos, fmt.Sprintf("bind %s in a positive atom of the body; comparisons only test values that are already bound", x),
				"variable %s in comparison is not bound", x)
		}
		return
	}
	p.ok = false // e.g. a wildcard input: already reported where it was built
}

// checkHead requires every head, destination and aggregated variable to be
// bound. When some body literal is stuck, variables of the body were
// already reported there.
func (p *planner) checkHead(stuck bool) {
	r := p.r
	inBody := make([]bool, len(r.Vars))
	if stuck {
		for _, l := range r.Body {
			for _, t := range litTerms(&l) {
				forVars(t, func(s int, _ syntax.Pos, _ string) { inBody[s] = true }, "")
			}
		}
	}
	check := func(t Term, what string) {
		forVars(t, func(s int, pos syntax.Pos, _ string) {
			if !p.bound[s] && !inBody[s] {
				x := p.varName(s)
				p.fail(s, pos, fmt.Sprintf("bind %s in a positive atom of the body, or compute it with %s = ...", x, x),
					"%s variable %s is not bound by the body", what, x)
			}
		}, "")
	}
	if r.Head.At != nil {
		check(*r.Head.At, "destination")
	}
	for i, h := range r.Head.Args {
		if h.Term != nil {
			check(*h.Term, "head")
		}
		if h.Agg != nil {
			pos := r.Pos
			if r.Source != nil && i < len(r.Source.Head.Args) && r.Source.Head.Args[i].Agg != nil {
				pos = r.Source.Head.Args[i].Agg.Pos
			}
			for _, v := range h.Agg.Vars {
				check(Term{Op: TermVar, Var: v, Pos: pos}, "aggregated")
			}
		}
	}
}
