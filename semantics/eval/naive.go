package eval

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Naive is the reference evaluator: per stratum, it evaluates every rule
// over the full current relations by nested loops (literals in body source
// order, each postponed only until its inputs are bound; no indexes) and
// repeats until nothing changes. It shares with Tick only the built-ins,
// term evaluation, aggregation and result assembly. It is slow on purpose
// and exists to be compared with Tick.
func Naive(p *analysis.Program, node Node, in Input, ch Choices, lim Limits) (*Result, error) {
	w, err := newWorld(p, node, ch, lim)
	if err != nil {
		return nil, err
	}
	comp := p.Component(node.Addr.Comp)
	n := &naive{w: w, rels: map[string]*naiveRel{}}
	carried := in.Carried
	if in.State != nil {
		carried = in.State.Facts()
	}
	if err := loadInputs(w, comp, carried, false, in.Delivered, func(f value.Fact) error { n.rel(f.Rel).add(f.Tuple); return nil }); err != nil {
		return nil, err
	}
	inputs := map[string]map[string]bool{}
	for _, name := range n.order {
		inputs[name] = map[string]bool{}
		for _, t := range n.rels[name].rows {
			inputs[name][t.Key()] = true
		}
	}
	for _, s := range comp.Strata {
		for round := 0; ; round++ {
			if round >= w.lim.MaxIterations {
				return nil, w.limitErr("MaxIterations", w.lim.MaxIterations)
			}
			changed := false
			for _, r := range s.Rules {
				outs, err := n.evalRule(r)
				if err != nil {
					return nil, err
				}
				if len(outs) > 0 {
					w.fire(r)
				}
				for _, o := range outs {
					if n.rel(r.Head.Rel).add(o.Tuple) {
						changed = true
						if n.total() > w.lim.MaxFacts {
							return nil, w.limitErr("MaxFacts", w.lim.MaxFacts)
						}
					}
				}
			}
			if !changed {
				break
			}
		}
	}
	var out outbox
	out.init(w)
	for _, r := range comp.Rules {
		if r.Kind == analysis.Sync {
			continue
		}
		outs, err := n.evalRule(r)
		if err != nil {
			return nil, err
		}
		sink := out.sinkFor(r)
		for _, o := range outs {
			if err := sink(o); err != nil {
				return nil, err
			}
		}
	}
	facts := FactSet{}
	derived := 0
	for _, name := range n.order {
		rel := n.rels[name]
		if len(rel.rows) > 0 {
			facts[name] = sortedCopy(rel.rows)
		}
		for _, t := range rel.rows {
			if !inputs[name][t.Key()] {
				derived++
			}
		}
	}
	return out.result(relSetOf(facts), nil, derived, nil)
}

type naiveRel struct {
	rows []value.Tuple
	keys map[string]bool
}

func (r *naiveRel) add(t value.Tuple) bool {
	k := t.Key()
	if r.keys[k] {
		return false
	}
	r.keys[k] = true
	r.rows = append(r.rows, append(value.Tuple(nil), t...))
	return true
}

type naive struct {
	w     *world
	rels  map[string]*naiveRel
	order []string
}

func (n *naive) rel(name string) *naiveRel {
	r := n.rels[name]
	if r == nil {
		r = &naiveRel{keys: map[string]bool{}}
		n.rels[name] = r
		n.order = append(n.order, name)
	}
	return r
}

func (n *naive) total() int {
	t := 0
	for _, r := range n.rels {
		t += len(r.rows)
	}
	return t
}

// evalRule returns the head tuples rule r derives from the current
// relations (with destinations for :~ rules), aggregated if the head has
// aggregates.
func (n *naive) evalRule(r *analysis.Rule) ([]headOut, error) {
	var rows [][]value.Value
	env := make([]value.Value, len(r.Vars))
	bound := make([]bool, len(r.Vars))
	done := make([]bool, len(r.Body))
	positive := map[int]bool{}
	for _, s := range rowSlots(r) {
		positive[s] = true
	}
	err := n.solve(r, env, bound, done, positive, func() error {
		rows = append(rows, append([]value.Value(nil), env...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.Head.HasAggregate {
		return n.w.aggregate(r, rows)
	}
	var outs []headOut
	for _, row := range rows {
		var o headOut
		if r.Head.At != nil {
			to, ok, err := n.w.destination(r.Head.At, row)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			o.To = to
		}
		t, ok, err := n.w.headTuple(r, row, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			o.Tuple = append(value.Tuple(nil), t...)
			outs = append(outs, o)
		}
	}
	return outs, nil
}

// solve enumerates the bindings of the literals not yet done, taking the
// first literal in source order whose inputs are bound.
func (n *naive) solve(r *analysis.Rule, env []value.Value, bound, done []bool, positive map[int]bool, emit func() error) error {
	next := -1
	remaining := false
	for i := range r.Body {
		if done[i] {
			continue
		}
		remaining = true
		if ready(&r.Body[i], bound, positive) {
			next = i
			break
		}
	}
	if !remaining {
		return emit()
	}
	if next < 0 {
		return n.w.errorf(r.Pos, "no literal of the body can be evaluated next (unbound inputs)")
	}
	l := &r.Body[next]
	done[next] = true
	defer func() { done[next] = false }()
	// continueWith binds the given slots, recurses, then unbinds them.
	continueWith := func(slots []int) error {
		for _, s := range slots {
			bound[s] = true
		}
		err := n.solve(r, env, bound, done, positive, emit)
		for _, s := range slots {
			bound[s] = false
		}
		return err
	}
	switch l.Kind {
	case analysis.LitAtom, analysis.LitNegated:
		rel := n.rels[l.Rel]
		var rows []value.Tuple
		if rel != nil {
			rows = rel.rows
		}
		found := false
		for _, row := range rows {
			if len(row) != len(l.Args) {
				return n.w.errorf(l.Pos, "%s has %d columns, used with %d", l.Rel, len(row), len(l.Args))
			}
			newly, ok := unify(l.Args, row, env, bound)
			if ok && l.Kind == analysis.LitAtom {
				if err := continueWith(newly); err != nil {
					return err
				}
			}
			for _, s := range newly {
				bound[s] = false
			}
			if ok {
				found = true
				if l.Kind == analysis.LitNegated {
					break
				}
			}
		}
		if l.Kind == analysis.LitNegated && !found {
			return n.solve(r, env, bound, done, positive, emit)
		}
		return nil
	case analysis.LitBuiltin:
		vals := make([]value.Value, len(l.Args))
		in := make([]bool, len(l.Args))
		for i, t := range l.Args {
			switch t.Op {
			case analysis.TermConst:
				vals[i], in[i] = t.Const, true
			case analysis.TermVar:
				if bound[t.Var] {
					vals[i], in[i] = env[t.Var], true
				}
			}
		}
		return n.w.builtin(l, vals, in, func(out []value.Value) error {
			var newly []int
			for i, t := range l.Args {
				if t.Op == analysis.TermVar && !in[i] && !bound[t.Var] {
					env[t.Var] = out[i]
					bound[t.Var] = true
					newly = append(newly, t.Var)
				}
			}
			for _, s := range newly {
				bound[s] = false
			}
			return continueWith(newly)
		})
	case analysis.LitFilter:
		a, ok, err := n.w.evalTerm(&l.Left, env)
		if !ok || err != nil {
			return err
		}
		b, ok, err := n.w.evalTerm(&l.Right, env)
		if !ok || err != nil {
			return err
		}
		holds, err := n.w.compare(l.Op, a, b, l.Pos)
		if err != nil || !holds {
			return err
		}
		return n.solve(r, env, bound, done, positive, emit)
	case analysis.LitAssign:
		v, ok, err := n.w.evalTerm(&l.Right, env)
		if !ok || err != nil {
			return err
		}
		s := l.Left.Var
		if bound[s] {
			if env[s] != v {
				return nil
			}
			return n.solve(r, env, bound, done, positive, emit)
		}
		env[s] = v
		return continueWith([]int{s})
	}
	return n.w.errorf(l.Pos, "unknown literal kind %d", l.Kind)
}

// unify matches an atom's arguments against a row, binding unbound
// variables (which it reports, still marked bound, in newly).
func unify(args []analysis.Term, row value.Tuple, env []value.Value, bound []bool) (newly []int, ok bool) {
	for i, t := range args {
		switch t.Op {
		case analysis.TermConst:
			if row[i] != t.Const {
				return newly, false
			}
		case analysis.TermVar:
			if bound[t.Var] {
				if env[t.Var] != row[i] {
					return newly, false
				}
				continue
			}
			env[t.Var] = row[i]
			bound[t.Var] = true
			newly = append(newly, t.Var)
		}
	}
	return newly, true
}

// ready reports whether literal l's inputs are all bound.
func ready(l *analysis.Lit, bound []bool, positive map[int]bool) bool {
	allBound := func(ts ...*analysis.Term) bool {
		for _, t := range ts {
			for _, v := range termVars(t, nil) {
				if !bound[v] {
					return false
				}
			}
		}
		return true
	}
	switch l.Kind {
	case analysis.LitAtom:
		return true
	case analysis.LitNegated:
		for _, t := range l.Args {
			if t.Op == analysis.TermVar && positive[t.Var] && !bound[t.Var] {
				return false
			}
		}
		return true
	case analysis.LitFilter:
		return allBound(&l.Left, &l.Right)
	case analysis.LitAssign:
		return allBound(&l.Right)
	case analysis.LitBuiltin:
		// The inputs come from the built-in table analysis plans with; a
		// component enumeration (no table entry) has none.
		var inputs []int
		if b := analysis.LookupBuiltin(l.Rel); b != nil {
			inputs = b.Inputs
		}
		for _, i := range inputs {
			if i < len(l.Args) && !allBound(&l.Args[i]) {
				return false
			}
		}
		return true
	}
	return true
}

// termVars appends the variable slots a term reads.
func termVars(t *analysis.Term, out []int) []int {
	if t.Op == analysis.TermVar {
		return append(out, t.Var)
	}
	for i := range t.Args {
		out = termVars(&t.Args[i], out)
	}
	return out
}
