package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// A plan is one rule body compiled for Tick: its literals in evaluation
// order, each knowing which of its arguments are bound when it runs. A
// rule gets one plan for full evaluation (in the analysis' Plan order) and
// one per semi-naive delta position (that atom first, the rest in Plan
// order: moving a positive atom earlier only binds variables sooner, so
// every literal still has its inputs).

type argAct uint8

const (
	actSkip  argAct = iota // wildcard: matches anything, binds nothing
	actConst               // compare with a constant
	actVar                 // compare with a variable bound before (or earlier in this atom)
	actBind                // bind the variable to the row's value
)

type atomArg struct {
	act  argAct
	slot int
	c    value.Value
}

type step struct {
	lit  *analysis.Lit
	kind analysis.LitKind

	// atoms and negated atoms
	tab     *table
	args    []atomArg
	keyCols []int  // columns known before the atom runs: the index key
	keyArgs []int  // for each key column, the arg giving its value
	keyMask uint64 // bit i set for key column i
	ix      *colIndex
	delta   bool // scan rows[lo:hi] instead of the whole table
	lo, hi  int
	useSrc  bool // scan src instead (a maintained rule's driver, maint.go)
	src     []value.Tuple

	// built-ins
	bi    *analysis.Builtin // the literal's table entry, looked up once
	comp  int               // a component enumeration's position in the program, else -1
	vals  []value.Value
	bound []bool
	slots []int // variable slot per argument, -1 for constants and wildcards
	yield func([]value.Value) error

	// assignments: bind (true) or compare
	assignBind bool
}

type plan struct {
	eng   *engine
	rule  *analysis.Rule
	steps []step
	env   []value.Value
	sink  func() error
	// atoms are the tables of the body's positive atoms: when one is
	// empty the body has no binding, and a tick skips the rule without
	// running it (most rules of a small tick read a relation that is
	// empty in it).
	atoms []*table
}

// noBindings reports whether a positive atom of the body has no rows, so
// that running the plan would find nothing.
func (p *plan) noBindings() bool {
	for _, t := range p.atoms {
		if t.size() == 0 {
			return true
		}
	}
	return false
}

// start runs the plan from its first step, once every table it reads
// holds its promised rows (forceTables).
func (p *plan) start() error {
	p.forceTables()
	return p.run(0)
}

// forceTables loads the promised rows (aggrows.go) of every table the
// plan reads: run reads rows, indexes and sets directly.
func (p *plan) forceTables() {
	for i := range p.steps {
		// A step scanning given rows (a maintained rule's driver)
		// does not read its table.
		if s := &p.steps[i]; s.tab != nil && !s.useSrc {
			s.tab.force()
		}
	}
}

// compilePlan compiles rule r's body in the order given (indexes into
// r.Body). The first entry is scanned as a delta when delta is true.
func (e *engine) compilePlan(r *analysis.Rule, order []int, delta bool) (*plan, error) {
	return e.compilePlanX(r, order, delta, false)
}

// compilePlanX is compilePlan; with negBinds, a negated atom first in
// order binds its variables like a positive one and its step scans rows
// (a driver of a maintained rule, maint.go, which scans the rows the
// negated relation gained or lost).
func (e *engine) compilePlanX(r *analysis.Rule, order []int, delta, negBinds bool) (*plan, error) {
	p := &plan{eng: e, rule: r, env: make([]value.Value, len(r.Vars))}
	bound := make([]bool, len(r.Vars))
	p.steps = make([]step, len(order))
	for i, li := range order {
		l := &r.Body[li]
		s := &p.steps[i]
		s.lit, s.kind = l, l.Kind
		switch l.Kind {
		case analysis.LitAtom, analysis.LitNegated:
			tab, err := e.table(l.Rel, len(l.Args), l.Pos)
			if err != nil {
				return nil, err
			}
			s.tab = tab
			s.delta = delta && i == 0
			if len(l.Args) > 64 {
				return nil, e.w.errorf(l.Pos, "%s has more than 64 columns", l.Rel)
			}
			local := append([]bool(nil), bound...)
			for c := range l.Args {
				t := &l.Args[c]
				var a atomArg
				switch t.Op {
				case analysis.TermWildcard:
					a.act = actSkip
				case analysis.TermConst:
					a.act, a.c = actConst, t.Const
					s.keyCols, s.keyArgs = append(s.keyCols, c), append(s.keyArgs, c)
				case analysis.TermVar:
					a.slot = t.Var
					switch {
					case bound[t.Var]:
						a.act = actVar
						s.keyCols, s.keyArgs = append(s.keyCols, c), append(s.keyArgs, c)
					case local[t.Var]:
						a.act = actVar // repeated within this atom
					default:
						a.act = actBind
						local[t.Var] = true
					}
				default:
					return nil, e.w.errorf(t.Pos, "atom arguments must be variables, constants or _")
				}
				s.args = append(s.args, a)
			}
			for _, c := range s.keyCols {
				s.keyMask |= 1 << c
			}
			if l.Kind == analysis.LitAtom || negBinds && i == 0 {
				copy(bound, local) // negated atoms bind nothing outside themselves
				s.kind = analysis.LitAtom
			}
			if l.Kind == analysis.LitAtom && !s.delta && !slices.Contains(p.atoms, tab) {
				p.atoms = append(p.atoms, tab)
			}
		case analysis.LitBuiltin:
			s.bi, s.comp = analysis.BuiltinOf(e.w.prog, l.Rel), -1
			if analysis.LookupBuiltin(l.Rel) == nil {
				s.comp = slices.IndexFunc(e.w.prog.Components, func(c *analysis.Component) bool { return c.Name == l.Rel })
			}
			s.vals = make([]value.Value, len(l.Args))
			s.bound = make([]bool, len(l.Args))
			s.slots = make([]int, len(l.Args))
			for c := range l.Args {
				t := &l.Args[c]
				s.slots[c] = -1
				switch t.Op {
				case analysis.TermConst:
					s.bound[c], s.vals[c] = true, t.Const
				case analysis.TermVar:
					s.slots[c] = t.Var
					s.bound[c] = bound[t.Var]
				case analysis.TermWildcard:
				default:
					return nil, e.w.errorf(t.Pos, "built-in arguments must be variables, constants or _")
				}
			}
			for c, sl := range s.slots {
				if sl >= 0 {
					bound[sl] = true
				}
				_ = c
			}
			idx := i
			s.yield = func(vals []value.Value) error {
				st := &p.steps[idx]
				for c, sl := range st.slots {
					if sl >= 0 && !st.bound[c] {
						p.env[sl] = vals[c]
					}
				}
				return p.run(idx + 1)
			}
		case analysis.LitFilter:
		case analysis.LitAssign:
			if l.Left.Op != analysis.TermVar {
				return nil, e.w.errorf(l.Pos, "the left side of = must be a variable")
			}
			s.assignBind = !bound[l.Left.Var]
			bound[l.Left.Var] = true
		}
	}
	return p, nil
}

// run evaluates steps[i:] under the current bindings, calling the sink for
// every complete binding.
func (p *plan) run(i int) error {
	if i == len(p.steps) {
		return p.sink()
	}
	s := &p.steps[i]
	env := p.env
	switch s.kind {
	case analysis.LitAtom:
		tab := s.tab
		if s.delta {
			rows := tab.rows[s.lo:s.hi]
			if s.useSrc {
				rows = s.src
			}
			for _, row := range rows {
				if s.match(row, env) {
					if err := p.run(i + 1); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if s.keyMask == 0 {
			n := len(tab.rows)
			for r := 0; r < n; r++ {
				if s.match(tab.rows[r], env) {
					if err := p.run(i + 1); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if s.ix == nil {
			s.ix = tab.index(s.keyMask)
		}
		ix := s.ix
		ix.probes++
		if ix.lazy != nil {
			ix.resolve()
		}
		h := s.keyHash(env)
		// Most recent rows first, then the loaded rows in descending
		// order: the order of the per-tick index over all rows, so the
		// bindings come in the same order whichever index answers.
		for r := ix.first(h); r != 0; r = ix.next[int(r)-1-ix.base] {
			if s.match(tab.rows[r-1], env) {
				if err := p.run(i + 1); err != nil {
					return err
				}
			}
		}
		if ix.hasPst {
			rows := ix.pst.get(h)
			for k := len(rows) - 1; k >= 0; k-- {
				if s.match(rows[k], env) {
					if err := p.run(i + 1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	case analysis.LitNegated:
		tab := s.tab
		if s.keyMask == 0 {
			for _, row := range tab.rows {
				if s.match(row, env) {
					return nil
				}
			}
			return p.run(i + 1)
		}
		if s.ix == nil {
			s.ix = tab.index(s.keyMask)
		}
		ix := s.ix
		ix.probes++
		if ix.lazy != nil {
			ix.resolve()
		}
		h := s.keyHash(env)
		for r := ix.first(h); r != 0; r = ix.next[int(r)-1-ix.base] {
			if s.match(tab.rows[r-1], env) {
				return nil
			}
		}
		if ix.hasPst {
			for _, row := range ix.pst.get(h) {
				if s.match(row, env) {
					return nil
				}
			}
		}
		return p.run(i + 1)
	case analysis.LitBuiltin:
		for c, sl := range s.slots {
			if sl >= 0 && s.bound[c] {
				s.vals[c] = env[sl]
			}
		}
		return p.eng.w.builtinOf(s.bi, s.comp, s.lit, s.vals, s.bound, s.yield)
	case analysis.LitFilter:
		w := p.eng.w
		a, ok, err := w.evalTerm(&s.lit.Left, env)
		if !ok || err != nil {
			return err
		}
		b, ok, err := w.evalTerm(&s.lit.Right, env)
		if !ok || err != nil {
			return err
		}
		holds, err := w.compare(s.lit.Op, a, b, s.lit.Pos)
		if err != nil || !holds {
			return err
		}
		return p.run(i + 1)
	case analysis.LitAssign:
		v, ok, err := p.eng.w.evalTerm(&s.lit.Right, env)
		if !ok || err != nil {
			return err
		}
		slot := s.lit.Left.Var
		if s.assignBind {
			env[slot] = v
		} else if env[slot] != v {
			return nil
		}
		return p.run(i + 1)
	}
	return p.eng.w.errorf(s.lit.Pos, "unknown literal kind %d", s.kind)
}

// match checks row against the atom's constants and bound variables and
// binds its free variables, left to right (so a repeated variable compares
// against its first occurrence).
func (s *step) match(row value.Tuple, env []value.Value) bool {
	for c := range s.args {
		a := &s.args[c]
		switch a.act {
		case actConst:
			if row[c] != a.c {
				return false
			}
		case actVar:
			if row[c] != env[a.slot] {
				return false
			}
		case actBind:
			env[a.slot] = row[c]
		}
	}
	return true
}

// keyHash hashes the key columns' values as hashCols would hash a row.
func (s *step) keyHash(env []value.Value) uint64 {
	h := uint64(hashSeed)
	for _, c := range s.keyArgs {
		a := &s.args[c]
		if a.act == actConst {
			h = hashVal(h, a.c)
		} else {
			h = hashVal(h, env[a.slot])
		}
	}
	return h
}
