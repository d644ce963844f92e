package reach

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Bounds are the limits every run the result speaks for obeys (sim.Limits
// with defaults applied). MaxTime bounds a timer's firing number; all four
// bound the number of facts of a run, which the bounded-growth argument
// (growth.go) needs before it may widen an interval to infinity.
type Bounds struct {
	MaxTime, MaxTicks, MaxFacts, MaxMessages int64
}

// widenAfter is how many times a column's interval may grow before the
// growing bound is widened (to infinity, or to the int64 limit when the
// bounded-growth argument fails).
const widenAfter = 3

// maxPasses bounds the fixpoint's rule evaluations, in passes over all
// rules. Widening makes every column change finitely often, so it is a
// safety net, not a limit a program reaches: hitting it is an error.
const maxPasses = 10_000

// maxCombos bounds the combinations of per-source tuples one rule's body
// is evaluated over; beyond it each relation's sources are joined first.
const maxCombos = 256

// source is one origin of a relation's facts and the abstract tuple of
// everything it may derive.
type source struct {
	what  string         // for explanations: "rule at f.ded:3:1", "the client inputs", ...
	rule  *analysis.Rule // nil unless a rule
	tuple []Abs          // nil until it derives something
	grew  []int          // per column: how often its interval grew
	seeds []uint64       // per column: largest finite magnitude joined into it
}

// Result is the analysis of one program on one set of inputs.
type Result struct {
	prog    *analysis.Program
	sources map[string][]*source // relation -> its sources, in a fixed order
	// Widened is true when some bound was widened to infinity, which holds
	// by the bounded-growth argument for runs within the Bounds; Fallback
	// when that argument failed and the analysis widened to the int64
	// limits instead (sound for runs of any length).
	Widened, Fallback bool
	// Evaluations counts the rule evaluations the fixpoint took.
	Evaluations int
}

// Analyse computes the may-derive abstraction of p on the client inputs
// (facts of p's input relations) for runs within b.
func Analyse(p *analysis.Program, inputs []value.Fact, b Bounds) (*Result, error) {
	an := newAnalyser(p, inputs, b, true)
	if err := an.fixpoint(); err != nil {
		return nil, err
	}
	if an.anyInfinite() {
		if an.growthHolds() {
			an.res.Widened = true
		} else {
			an = newAnalyser(p, inputs, b, false)
			if err := an.fixpoint(); err != nil {
				return nil, err
			}
			an.res.Fallback = true
		}
	}
	for range narrowPasses {
		an.narrow()
	}
	return an.res, nil
}

// narrowPasses is how many times narrow recomputes the rules' tuples
// after the fixpoint.
const narrowPasses = 2

// narrow replaces every rule's tuple by what the rule derives from the
// current abstraction (all rules from the same one). Every fact of a run
// is a client input, a static fact, a timer firing or derived by one rule
// from facts the abstraction holds, so the result holds every fact too;
// it undoes some of what widening lost (a counter bounded by a filter).
func (an *analyser) narrow() {
	next := map[*source][]Abs{}
	for _, r := range an.p.Rules {
		if r.Kind == analysis.Persist {
			continue
		}
		t := an.evalRule(r)
		for _, s := range an.res.sources[r.Head.Rel] {
			if s.rule == r {
				next[s] = t
			}
		}
	}
	for _, ss := range an.res.sources {
		for _, s := range ss {
			if s.rule != nil {
				s.tuple = next[s]
			}
		}
	}
}

// analyser is the state of one fixpoint computation.
type analyser struct {
	res    *Result
	p      *analysis.Program
	b      Bounds
	inputs int
	// toInf: widen to infinity (checked afterwards by growthHolds);
	// otherwise to the int64 limits.
	toInf bool
	// growth: per growth site (an arithmetic term over a widened operand),
	// the largest constant it adds.
	growth map[*analysis.Term]uint64
}

func newAnalyser(p *analysis.Program, inputs []value.Fact, b Bounds, toInf bool) *analyser {
	an := &analyser{res: &Result{prog: p, sources: map[string][]*source{}}, p: p, b: b, inputs: len(inputs), toInf: toInf, growth: map[*analysis.Term]uint64{}}
	add := func(rel, what string, rule *analysis.Rule) *source {
		s := &source{what: what, rule: rule}
		an.res.sources[rel] = append(an.res.sources[rel], s)
		return s
	}
	byRel := map[string][]value.Fact{}
	for _, f := range inputs {
		byRel[f.Rel] = append(byRel[f.Rel], f)
	}
	for _, rel := range sortedKeys(byRel) {
		an.join(add(rel, "the client inputs", nil), factsTuple(byRel[rel]))
	}
	static := map[string][]value.Fact{}
	for _, c := range p.Components {
		for _, f := range c.Facts {
			static[f.Rel] = append(static[f.Rel], f)
		}
	}
	for _, rel := range sortedKeys(static) {
		an.join(add(rel, "the static facts", nil), factsTuple(static[rel]))
	}
	for _, r := range p.Relations {
		if r.Timer != nil {
			an.join(add(r.Name, "the timer", nil), []Abs{Range(1, max(b.MaxTime, 1))})
		}
	}
	for _, r := range p.Rules {
		if r.Kind == analysis.Persist {
			continue // r(x..) :+ r(x..) adds no fact that is not there
		}
		add(r.Head.Rel, fmt.Sprintf("the rule at %s:%d:%d", p.File.Name, r.Pos.Line, r.Pos.Col), r)
	}
	return an
}

// factsTuple is the tuple of facts of one relation, column by column:
// its values, or their hull past MaxSet (never widened).
func factsTuple(fs []value.Fact) []Abs {
	out := make([]Abs, len(fs[0].Tuple))
	for i := range out {
		vs := make([]value.Value, 0, len(fs))
		for _, f := range fs {
			if i < len(f.Tuple) {
				vs = append(vs, f.Tuple[i])
			}
		}
		out[i] = setOf(vs)
	}
	return out
}

// fixpoint evaluates rules from a worklist until no source's tuple
// changes: first every rule, then each rule again whenever a relation its
// body reads positively changed (negated atoms are ignored, so they do
// not matter). The queue is in rule order, so the result is
// deterministic.
func (an *analyser) fixpoint() error {
	readers := map[string][]*analysis.Rule{}
	for _, r := range an.p.Rules {
		seen := map[string]bool{}
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom && !seen[l.Rel] {
				seen[l.Rel] = true
				readers[l.Rel] = append(readers[l.Rel], r)
			}
		}
	}
	queued := make([]bool, len(an.p.Rules))
	var queue []*analysis.Rule
	push := func(r *analysis.Rule) {
		if r.Kind != analysis.Persist && !queued[r.ID] {
			queued[r.ID] = true
			queue = append(queue, r)
		}
	}
	for _, r := range an.p.Rules {
		push(r)
	}
	limit := maxPasses * max(len(an.p.Rules), 1)
	for len(queue) > 0 {
		if an.res.Evaluations >= limit {
			return fmt.Errorf("the may-derive analysis of %s did not converge within %d rule evaluations (a bug in its widening; please report it)", an.p.File.Name, limit)
		}
		r := queue[0]
		queue = queue[1:]
		queued[r.ID] = false
		an.res.Evaluations++
		t := an.evalRule(r)
		if t == nil {
			continue
		}
		for _, s := range an.res.sources[r.Head.Rel] {
			if s.rule == r && an.join(s, t) {
				for _, d := range readers[r.Head.Rel] {
					push(d)
				}
			}
		}
	}
	return nil
}

// join adds t to s's tuple, widening a column whose interval keeps
// growing; it reports whether the tuple changed.
func (an *analyser) join(s *source, t []Abs) bool {
	changed := false
	if s.tuple == nil {
		// The first fact: a change even for a nullary relation.
		s.tuple = make([]Abs, len(t))
		s.grew = make([]int, len(t))
		s.seeds = make([]uint64, len(t))
		for i := range s.tuple {
			s.tuple[i] = Bot
		}
		changed = true
	}
	for i, a := range t {
		if i >= len(s.tuple) {
			break
		}
		s.seeds[i] = max(s.seeds[i], finiteMag(a))
		old := s.tuple[i]
		n := Join(old, a)
		if n.equal(old) {
			continue
		}
		if old.k == kInt && n.k == kInt {
			s.grew[i]++
			if s.grew[i] > widenAfter {
				n = an.widen(old, n)
			}
		}
		s.tuple[i] = n
		changed = true
	}
	return changed
}

// widen pushes the bounds of n that grew past old's to infinity (or to
// the int64 limits).
func (an *analyser) widen(old, n Abs) Abs {
	if n.loInf != old.loInf || n.lo < old.lo {
		if an.toInf {
			n.loInf = true
		} else {
			n.lo = math.MinInt64
		}
	}
	if n.hiInf != old.hiInf || n.hi > old.hi {
		if an.toInf {
			n.hiInf = true
		} else {
			n.hi = math.MaxInt64
		}
	}
	return n
}

// finiteMag is the largest magnitude of a's finite ints (0 for none).
func finiteMag(a Abs) uint64 {
	switch a.k {
	case kSet:
		var m uint64
		for _, v := range a.vals {
			if v.K == value.KindInt {
				m = max(m, absU(v.I))
			}
		}
		return m
	case kInt:
		var m uint64
		if !a.loInf {
			m = absU(a.lo)
		}
		if !a.hiInf {
			m = max(m, absU(a.hi))
		}
		return m
	}
	return 0
}

// tuples returns the tuples a body atom over rel may match: one per source
// that derived something, or their join when merged.
func (an *analyser) tuples(rel string, merged bool) [][]Abs {
	var out [][]Abs
	for _, s := range an.res.sources[rel] {
		if s.tuple != nil {
			out = append(out, s.tuple)
		}
	}
	if merged && len(out) > 1 {
		m := slices.Clone(out[0])
		for _, t := range out[1:] {
			for i := range m {
				m[i] = Join(m[i], t[i])
			}
		}
		return [][]Abs{m}
	}
	return out
}

// MayDerive reports whether some run may derive f; when not, why names
// the column and the bound that exclude it ("column 2 of chosen is always
// >= 0"), or the sources that exclude its combination of values.
func (r *Result) MayDerive(f value.Fact) (bool, string) {
	rel := r.prog.Relation(f.Rel)
	if rel == nil {
		return false, fmt.Sprintf("the original has no relation %s", f.Rel)
	}
	if rel.Arity() != len(f.Tuple) {
		return false, fmt.Sprintf("%s has %d columns in the original, not %d", f.Rel, rel.Arity(), len(f.Tuple))
	}
	var live []*source
	for _, s := range r.sources[f.Rel] {
		if s.tuple != nil {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return false, fmt.Sprintf("no rule of the original can derive a %s fact on these inputs", f.Rel)
	}
	for _, s := range live {
		if excluding(s.tuple, f.Tuple) < 0 {
			return true, ""
		}
	}
	// One column that every source excludes: name its join.
	for i, v := range f.Tuple {
		u := Bot
		for _, s := range live {
			u = Join(u, s.tuple[i])
		}
		if !u.Contains(v) {
			return false, fmt.Sprintf("column %d of %s is %s", i+1, f.Rel, describe(u))
		}
	}
	parts := make([]string, len(live))
	for k, s := range live {
		i := excluding(s.tuple, f.Tuple)
		parts[k] = fmt.Sprintf("%s gives column %d %s", s.what, i+1, describe(s.tuple[i]))
	}
	return false, fmt.Sprintf("no source of %s builds these values together: %s", f.Rel, strings.Join(parts, "; "))
}

// Column is the abstraction of column i (from 0) of rel: the join over its
// sources (Bot when nothing derives it).
func (r *Result) Column(rel string, i int) Abs {
	u := Bot
	for _, s := range r.sources[rel] {
		if s.tuple != nil && i < len(s.tuple) {
			u = Join(u, s.tuple[i])
		}
	}
	return u
}

// excluding returns the first column of t that excludes the value of
// tuple there, or -1 when t may hold tuple.
func excluding(t []Abs, tuple value.Tuple) int {
	for i, v := range tuple {
		if !t[i].Contains(v) {
			return i
		}
	}
	return -1
}

func describe(a Abs) string {
	s := a.String()
	if strings.HasPrefix(s, "always ") || a.k == kBot {
		return s
	}
	return "always " + s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
