package eval

import (
	"errors"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Rule coverage (docs/CHECKING.md, "Rule coverage"): which rules produced
// a head tuple in a tick. A rule fires when some body match yields a head
// tuple — new or already derived — so the set does not depend on the order
// rules run in, and Tick and Naive agree on it. A persistence rule fires
// when it carries a row. This is the evaluator's only coverage hook: the
// simulator counts the rest (messages, blocking negations) from Results.

// firedRules marks rule IDs; its storage is kept from tick to tick.
type firedRules struct {
	marks []bool
	ids   []int
}

func (f firedRules) reset() firedRules {
	for _, id := range f.ids {
		f.marks[id] = false
	}
	f.ids = f.ids[:0]
	return f
}

func (w *world) fire(r *analysis.Rule) {
	f := &w.fired
	if len(f.marks) < len(w.prog.Rules) {
		f.marks = make([]bool, len(w.prog.Rules))
	}
	if !f.marks[r.ID] {
		f.marks[r.ID] = true
		f.ids = append(f.ids, r.ID)
	}
}

// firedIDs returns the rule IDs fired this tick, sorted, in a fresh slice.
func (w *world) firedIDs() []int {
	if len(w.fired.ids) == 0 {
		return nil
	}
	out := make([]int, 0, len(w.fired.ids))
	for id, on := range w.fired.marks {
		if on {
			out = append(out, id)
		}
	}
	return out
}

// Body matches after the fact (docs/CHECKING.md, "Rule coverage"; and the
// derivations of a counterexample): a tick's Result.Facts hold every
// relation at the tick's fixpoint, so a rule evaluated once more over them
// sees exactly the rows it saw last in the tick. Matches does that with
// Naive's nested loops, setting the negated literals aside so that the
// caller learns which of them blocked which row. Nothing here runs unless
// a caller asks: the tick itself is unchanged.

// Match is one binding of a rule's body, its negated literals aside.
type Match struct {
	// Env holds the binding by variable slot (Rule.Vars); the slots of
	// the rule's rows (positive atoms, built-ins, assignments) are set.
	Env []value.Value
	// Blocked lists the body indexes of the negated literals that a fact
	// of the tick matches: each of them keeps this row from the head.
	Blocked []int
}

// Matches enumerates, over facts (a tick's Result.Facts), the bindings of
// rule r's body with its negated literals set aside, in the nested-loop
// order of Naive. It stops after max bindings (max <= 0: Limits.MaxFacts's
// default) and then reports capped.
func Matches(p *analysis.Program, node Node, facts FactSet, r *analysis.Rule, max int) (ms []Match, capped bool, err error) {
	if max <= 0 {
		max = DefaultMaxFacts
	}
	w, err := newWorld(p, node, nil, Limits{})
	if err != nil {
		return nil, false, err
	}
	n := &naive{w: w, rels: map[string]*naiveRel{}}
	for i := range r.Body {
		if l := &r.Body[i]; l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
			if n.rels[l.Rel] == nil {
				n.rels[l.Rel] = &naiveRel{rows: facts[l.Rel]}
			}
		}
	}
	env := make([]value.Value, len(r.Vars))
	bound := make([]bool, len(r.Vars))
	done := make([]bool, len(r.Body))
	positive := map[int]bool{}
	for _, s := range rowSlots(r) {
		positive[s] = true
	}
	for i := range r.Body {
		done[i] = r.Body[i].Kind == analysis.LitNegated
	}
	errCapped := errors.New("capped")
	err = n.solve(r, env, bound, done, positive, func() error {
		if len(ms) >= max {
			return errCapped
		}
		m := Match{Env: slices.Clone(env)}
		for i := range r.Body {
			if l := &r.Body[i]; l.Kind == analysis.LitNegated && n.holds(l, env, bound) {
				m.Blocked = append(m.Blocked, i)
			}
		}
		ms = append(ms, m)
		return nil
	})
	if err == errCapped {
		return ms, true, nil
	}
	return ms, false, err
}

// holds reports whether some row of l's relation unifies with the bound
// slots (l's other variables are existential), leaving bound as it was.
func (n *naive) holds(l *analysis.Lit, env []value.Value, bound []bool) bool {
	for _, row := range n.rels[l.Rel].rows {
		if len(row) != len(l.Args) {
			continue
		}
		newly, ok := unify(l.Args, row, env, bound)
		for _, s := range newly {
			bound[s] = false
		}
		if ok {
			return true
		}
	}
	return false
}

// Head is what a match of a rule without aggregates derives: its head
// tuple and, for an async rule, the destination. ok is false when the
// match derives nothing (a division by zero in the head, or a dropped
// destination).
func Head(p *analysis.Program, node Node, r *analysis.Rule, env []value.Value) (to value.Addr, t value.Tuple, ok bool, err error) {
	w, err := newWorld(p, node, nil, Limits{})
	if err != nil {
		return value.Addr{}, nil, false, err
	}
	if r.Head.At != nil {
		if to, ok, err = w.destination(r.Head.At, env); !ok || err != nil {
			return value.Addr{}, nil, ok, err
		}
	}
	t, ok, err = w.headTuple(r, env, nil)
	return to, slices.Clone(t), ok, err
}

// Groups sizes the groups an aggregate rule forms from the matches no
// negated literal blocked: the rows (distinct over the rule's row slots)
// per group key (the destination of an async rule, then the group-by
// terms), as the aggregation counts them. It returns the largest size and
// the number of groups.
func Groups(p *analysis.Program, node Node, r *analysis.Rule, ms []Match) (largest, groups int, err error) {
	w, err := newWorld(p, node, nil, Limits{})
	if err != nil {
		return 0, 0, err
	}
	slots := rowSlots(r)
	type keyed struct{ key, row value.Tuple }
	var recs []keyed
	for _, m := range ms {
		if len(m.Blocked) > 0 {
			continue
		}
		var k value.Tuple
		if r.Head.At != nil {
			d, ok, err := w.destination(r.Head.At, m.Env)
			if err != nil {
				return 0, 0, err
			}
			if !ok {
				continue
			}
			k = append(k, value.AddrOf(d))
		}
		dropped := false
		for _, gi := range r.Head.GroupBy {
			v, ok, err := w.evalTerm(r.Head.Args[gi].Term, m.Env)
			if err != nil {
				return 0, 0, err
			}
			if !ok {
				dropped = true
				break
			}
			k = append(k, v)
		}
		if dropped {
			continue
		}
		row := make(value.Tuple, len(slots))
		for i, s := range slots {
			row[i] = m.Env[s]
		}
		recs = append(recs, keyed{k, row})
	}
	cmp := func(a, b keyed) int {
		if c := a.key.Compare(b.key); c != 0 {
			return c
		}
		return a.row.Compare(b.row)
	}
	slices.SortFunc(recs, cmp)
	recs = slices.CompactFunc(recs, func(a, b keyed) bool { return cmp(a, b) == 0 })
	size := 0
	for i, rec := range recs {
		if i == 0 || !rec.key.Equal(recs[i-1].key) {
			groups++
			size = 0
		}
		size++
		largest = max(largest, size)
	}
	return largest, groups, nil
}

// Support returns, for each positive atom of r's body in body order, the
// fact of facts that match m used: the atom under m's binding, with its
// wildcards filled in from the first row (in sorted order) that fits, so
// that the answer is deterministic.
func Support(r *analysis.Rule, facts FactSet, m Match) []value.Fact {
	var out []value.Fact
	for i := range r.Body {
		l := &r.Body[i]
		if l.Kind != analysis.LitAtom {
			continue
		}
		for _, row := range facts[l.Rel] {
			if fits(l.Args, row, m.Env) {
				out = append(out, value.Fact{Rel: l.Rel, Tuple: row})
				break
			}
		}
	}
	return out
}

// fits reports whether row agrees with args under env (wildcards match
// anything).
func fits(args []analysis.Term, row value.Tuple, env []value.Value) bool {
	if len(row) != len(args) {
		return false
	}
	for i, t := range args {
		switch t.Op {
		case analysis.TermConst:
			if row[i] != t.Const {
				return false
			}
		case analysis.TermVar: // a positive atom's variables are all bound
			if row[i] != env[t.Var] {
				return false
			}
		}
	}
	return true
}

// Absent renders r's negated literals under m's binding, `!cert(3, _)`:
// the facts whose absence the match relied on (an unbound variable, which
// only a negation mentions, prints as _).
func Absent(r *analysis.Rule, m Match) []string {
	var out []string
	for i := range r.Body {
		l := &r.Body[i]
		if l.Kind != analysis.LitNegated {
			continue
		}
		args := make([]string, len(l.Args))
		for j, t := range l.Args {
			switch {
			case t.Op == analysis.TermConst:
				args[j] = t.Const.String()
			case t.Op == analysis.TermVar && slices.Contains(rowSlots(r), t.Var):
				args[j] = m.Env[t.Var].String()
			default:
				args[j] = "_"
			}
		}
		out = append(out, "!"+l.Rel+"("+strings.Join(args, ", ")+")")
	}
	return out
}

// GroupMatches returns, for an aggregate rule r, the matches of ms that no
// negation blocked and that fall in the group of head tuple t (sent to
// to, for an async rule), and whether aggregating all of ms derives (to,
// t) at all. A head with choose() or index() depends on the run's
// Choices, which are not at hand: there ok only says the group has rows.
func GroupMatches(p *analysis.Program, node Node, r *analysis.Rule, ms []Match, to value.Addr, t value.Tuple) (rows []Match, ok bool, err error) {
	w, err := newWorld(p, node, FirstChoices{}, Limits{})
	if err != nil {
		return nil, false, err
	}
	var envs [][]value.Value
	for _, m := range ms {
		if len(m.Blocked) == 0 {
			envs = append(envs, m.Env)
		}
	}
	chosen := false
	for _, a := range r.Head.Args {
		if a.Agg != nil && (a.Agg.Func == syntax.AggChoose || a.Agg.Func == syntax.AggIndex) {
			chosen = true
		}
	}
	if !chosen {
		outs, err := w.aggregate(r, envs)
		if err != nil {
			return nil, false, err
		}
		for _, o := range outs {
			if o.To == to && o.Tuple.Equal(t) {
				ok = true
			}
		}
		if !ok {
			return nil, false, nil
		}
	}
	for _, m := range ms {
		if len(m.Blocked) > 0 {
			continue
		}
		if r.Head.At != nil {
			d, dok, err := w.destination(r.Head.At, m.Env)
			if err != nil || !dok || d != to {
				continue
			}
		}
		in := true
		for _, gi := range r.Head.GroupBy {
			v, vok, err := w.evalTerm(r.Head.Args[gi].Term, m.Env)
			if err != nil || !vok || gi >= len(t) || v != t[gi] {
				in = false
				break
			}
		}
		if in {
			rows = append(rows, m)
		}
	}
	if chosen {
		return rows, len(rows) > 0, nil
	}
	return rows, true, nil
}

// Bind is what a rule's body looks like for one head tuple it should
// derive: the head's plain variables bound to t's columns. ok is false
// when t cannot be r's head at all (a constant or a repeated variable of
// the head disagrees). Patterns renders each positive atom under the
// binding (unbound variables as _) with a test for the facts that fit it;
// Filters reports, for each comparison whose variables the binding
// fixes, whether it holds.
type Bind struct {
	Patterns []Pattern
	Filters  []FilterResult
}

// Pattern is a positive atom of a rule under a partial binding.
type Pattern struct {
	Lit  *analysis.Lit
	Text string // `mid(1, _)`
	vals []value.Value
	set  []bool
}

// Fits reports whether f fits the pattern.
func (p Pattern) Fits(f value.Fact) bool {
	if f.Rel != p.Lit.Rel || len(f.Tuple) != len(p.vals) {
		return false
	}
	for i, v := range p.vals {
		if p.set[i] && f.Tuple[i] != v {
			return false
		}
	}
	return true
}

// FilterResult is a comparison of a rule's body under a binding.
type FilterResult struct {
	Lit   *analysis.Lit
	Holds bool
}

// BindHead binds rule r's head to tuple t (non-aggregate heads only).
func BindHead(p *analysis.Program, node Node, r *analysis.Rule, t value.Tuple) (b Bind, ok bool, err error) {
	if r.Head.HasAggregate || len(t) != len(r.Head.Args) {
		return b, false, nil
	}
	env := make([]value.Value, len(r.Vars))
	bound := make([]bool, len(r.Vars))
	for i, a := range r.Head.Args {
		switch {
		case a.Term == nil:
			return b, false, nil
		case a.Term.Op == analysis.TermConst:
			if a.Term.Const != t[i] {
				return b, false, nil
			}
		case a.Term.Op == analysis.TermVar:
			if bound[a.Term.Var] && env[a.Term.Var] != t[i] {
				return b, false, nil
			}
			env[a.Term.Var], bound[a.Term.Var] = t[i], true
		}
	}
	w, err := newWorld(p, node, FirstChoices{}, Limits{})
	if err != nil {
		return b, false, err
	}
	for i := range r.Body {
		l := &r.Body[i]
		switch l.Kind {
		case analysis.LitAtom:
			pt := Pattern{Lit: l, vals: make([]value.Value, len(l.Args)), set: make([]bool, len(l.Args))}
			args := make([]string, len(l.Args))
			for j, a := range l.Args {
				switch {
				case a.Op == analysis.TermConst:
					pt.vals[j], pt.set[j], args[j] = a.Const, true, a.Const.String()
				case a.Op == analysis.TermVar && bound[a.Var]:
					pt.vals[j], pt.set[j], args[j] = env[a.Var], true, env[a.Var].String()
				default:
					args[j] = "_"
				}
			}
			pt.Text = l.Rel + "(" + strings.Join(args, ", ") + ")"
			b.Patterns = append(b.Patterns, pt)
		case analysis.LitFilter:
			known := true
			for _, v := range append(termVars(&l.Left, nil), termVars(&l.Right, nil)...) {
				known = known && bound[v]
			}
			if !known {
				continue
			}
			x, okx, err := w.evalTerm(&l.Left, env)
			if err != nil || !okx {
				continue
			}
			y, oky, err := w.evalTerm(&l.Right, env)
			if err != nil || !oky {
				continue
			}
			h, err := w.compare(l.Op, x, y, l.Pos)
			if err != nil {
				continue
			}
			b.Filters = append(b.Filters, FilterResult{Lit: l, Holds: h})
		}
	}
	return b, true, nil
}
