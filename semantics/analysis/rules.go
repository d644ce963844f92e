package analysis

import (
	"fmt"
	"sort"

	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// buildRules normalises and plans every user-written rule and classifies
// persistence rules.
func (a *analyser) buildRules() {
	for i := range a.rules {
		r, _ := a.normaliseRule(i)
		a.planRule(r)
		if isPersistence(r) {
			r.Kind = Persist
		}
		if r.Component != "" {
			a.built = append(a.built, r)
		}
	}
}

// isPersistence reports whether r is exactly rel(x1..xn) :+ rel(x1..xn)
// with distinct variables.
func isPersistence(r *Rule) bool {
	if r.Kind != NextTick || r.Head.At != nil || r.Head.HasAggregate || len(r.Body) != 1 {
		return false
	}
	b := r.Body[0]
	if b.Kind != LitAtom || b.Rel != r.Head.Rel || len(b.Args) != len(r.Head.Args) {
		return false
	}
	seen := map[int]bool{}
	for i, h := range r.Head.Args {
		if h.Term == nil || h.Term.Op != TermVar || seen[h.Term.Var] {
			return false
		}
		seen[h.Term.Var] = true
		if b.Args[i].Op != TermVar || b.Args[i].Var != h.Term.Var {
			return false
		}
	}
	return true
}

// persistRule builds rel(x1..xn) :+ rel(x1..xn) for a .persist directive.
func persistRule(comp string, rel *Relation, pos syntax.Pos) *Rule {
	r := &Rule{Component: comp, Kind: Persist, Pos: pos, Stratum: -1}
	r.Head.Rel = rel.Name
	body := Lit{Kind: LitAtom, Pos: pos, Rel: rel.Name}
	for i, c := range rel.Columns {
		r.Vars = append(r.Vars, fmt.Sprintf("x%d", i+1))
		t := Term{Op: TermVar, Var: i, Type: c.Type, Pos: pos}
		head := t
		r.Head.Args = append(r.Head.Args, HeadArg{Term: &head})
		body.Args = append(body.Args, t)
		body.Binds = append(body.Binds, i)
	}
	r.Body = []Lit{body}
	r.Plan = []int{0}
	return r
}

// hasPersistRule reports whether comp already persists rel.
func (a *analyser) hasPersistRule(comp, rel string) bool {
	for _, r := range a.built {
		if r.Kind == Persist && r.Component == comp && r.Head.Rel == rel {
			return true
		}
	}
	return false
}

// checkDerivations marks derived relations and refuses derivations of
// timers, and :~ derivations of outputs.
func (a *analyser) checkDerivations() {
	for _, r := range a.built {
		ri := a.rels[r.Head.Rel]
		if ri == nil || ri.rel == nil {
			continue
		}
		rel := ri.rel
		rel.Derived = true
		pos := r.Pos
		if r.Source != nil {
			pos = r.Source.Head.Name.Pos
		}
		if rel.Timer != nil {
			a.errorf(pos, "timer facts come from the clock; derive another relation from "+rel.Name+" instead",
				"timer relation %s cannot be derived by a rule", rel.Name)
		}
		if rel.Output && r.Kind == Async {
			a.errorf(pos, "derive outputs with :- or :+ at the node that answers the client; send another relation with :~ and derive "+rel.Name+" from it there",
				"output relation %s is derived by a :~ rule", rel.Name)
		}
	}
}

// finishComponents orders all rules by source position (rules added by a
// top-level .persist by component order), numbers them, and hands them to
// their components.
func (a *analyser) finishComponents() {
	sort.SliceStable(a.built, func(i, j int) bool {
		x, y := a.built[i], a.built[j]
		if x.Pos != y.Pos {
			return posLess(x.Pos, y.Pos)
		}
		return a.compIdx[x.Component] < a.compIdx[y.Component]
	})
	for i, r := range a.built {
		r.ID = i
		a.prog.Rules = append(a.prog.Rules, r)
		if ci, ok := a.compIdx[r.Component]; ok {
			c := a.comps[ci].comp
			c.Rules = append(c.Rules, r)
		}
	}
}

// factValue evaluates a ground fact argument.
func (a *analyser) factValue(e syntax.Expr) (value.Value, bool) {
	if v, ok := constFold(e); ok {
		return v, true
	}
	switch e := e.(type) {
	case *syntax.Paren:
		return a.factValue(e.X)
	case *syntax.InstanceAddr:
		ci, ok := a.compIdx[e.Comp.Name]
		if !ok {
			return value.Value{}, false
		}
		k, ok := constFold(e.Index)
		if !ok || k.K != value.KindInt {
			return value.Value{}, false
		}
		n := int64(a.comps[ci].comp.Count)
		return value.AddrOf(value.Addr{Comp: e.Comp.Name, Instance: int(((k.I % n) + n) % n)}), true
	}
	return value.Value{}, false
}

// buildFacts evaluates the static facts: a top-level fact holds on every
// component, a fact in a block on that component's instances.
func (a *analyser) buildFacts() {
	for _, fs := range a.facts {
		h := fs.src.Head
		name := h.Name.Name
		if a.isBuiltin(name) {
			a.errorf(h.Name.Pos, "built-in and component relations are computed; state facts of a relation of your own",
				"cannot state facts of built-in relation %s", name)
			continue
		}
		ri := a.rels[name]
		if ri == nil || ri.rel == nil {
			continue
		}
		if h.At != nil {
			a.errorf(h.At.Position(), "drop the @: a fact holds where it is written (inside a component block: on its instances)",
				"@ destination on a fact")
		}
		tuple := make(value.Tuple, 0, len(h.Args))
		good := len(h.Args) == ri.arity
		for _, arg := range h.Args {
			if arg.Agg != nil {
				a.errorf(arg.Agg.Pos, "aggregates belong in rule heads", "aggregate in a fact")
				good = false
				continue
			}
			v, ok := a.factValue(arg.Expr)
			if !ok {
				pos := h.Pos
				if arg.Expr != nil {
					pos = arg.Expr.Position()
				}
				a.errorf(pos, "a fact's arguments are constants (1, \"s\", comp[0]); a fact with variables needs a body: write it as a rule",
					"fact argument is not a constant")
				good = false
				continue
			}
			tuple = append(tuple, v)
		}
		if !good {
			continue
		}
		// Conflicts were reported by type inference; skip ill-typed facts.
		for i, v := range tuple {
			if v.K != ri.rel.Columns[i].Type {
				good = false
			}
		}
		if !good {
			continue
		}
		ri.rel.Static = true
		f := value.Fact{Rel: name, Tuple: tuple}
		for _, ci := range a.comps {
			if fs.comp == "" || fs.comp == ci.comp.Name {
				ci.comp.Facts = append(ci.comp.Facts, f)
			}
		}
	}
	for _, ci := range a.comps {
		c := ci.comp
		sort.SliceStable(c.Facts, func(i, j int) bool { return c.Facts[i].Compare(c.Facts[j]) < 0 })
		out := c.Facts[:0]
		for i, f := range c.Facts {
			if i == 0 || f.Compare(c.Facts[i-1]) != 0 {
				out = append(out, f)
			}
		}
		c.Facts = out
	}
}
