package mutate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds two equivalence arguments over the loaded rewrite
// (docs/CHECKING.md, "How to read a survivor"): equivalence by delay for
// a ":-" rule made ":+", and duplicate suppression for a dropped negation
// that only stops a row already derived. Both are static and conservative:
// they are claimed only when every condition below holds, and each claim
// is relative to the unmutated rewrite (which dsim mutate has checked
// Equivalent first).

// Shapes classifies the relations of one loaded program for the
// arguments.
type Shapes struct {
	p *analysis.Program
	// derivers lists the rules deriving each relation (persistence rules
	// included).
	derivers map[string][]*analysis.Rule
	// readers lists the rules reading each relation in their body.
	readers map[string][]*analysis.Rule
	// static: derived by no rule, not an input, not a timer: a relation
	// of static facts, the same in every tick.
	static map[string]bool
	// constant: static, or derived only by ":-" rules reading only
	// constant relations (e.g. a count of the instances of a component).
	constant map[string]bool
	// state: determined by a node's carried facts alone (states).
	state map[string]bool
	// cumulative: a relation whose facts at a node only ever grow from
	// one tick to the next (see grow).
	cumulative map[string]bool
	// shared: a relation other than a message that two components derive
	// or read. The arguments treat relations by name, and a name used in
	// two components is two relations; they make no claim through one.
	shared map[string]bool
	// keys: the columns a relation's column determines when requests
	// carry fresh ids (inferKeys); used only when FreshIDs is set.
	keys keyCols
	// FreshIDs says the workload sends every input with an id no earlier
	// input used (no --repeats, no --values): the caller sets it.
	FreshIDs bool
}

// NewShapes classifies the relations of p.
func NewShapes(p *analysis.Program) *Shapes {
	s := &Shapes{p: p, derivers: map[string][]*analysis.Rule{}, readers: map[string][]*analysis.Rule{},
		static: map[string]bool{}, constant: map[string]bool{}, state: map[string]bool{}, cumulative: map[string]bool{}}
	for _, r := range p.Rules {
		s.derivers[r.Head.Rel] = append(s.derivers[r.Head.Rel], r)
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
				if !slices.Contains(s.readers[l.Rel], r) {
					s.readers[l.Rel] = append(s.readers[l.Rel], r)
				}
			}
		}
	}
	for _, rel := range p.Relations {
		if len(s.derivers[rel.Name]) == 0 && !rel.Input && rel.Timer == nil {
			s.static[rel.Name] = true
		}
	}
	s.shared = map[string]bool{}
	for _, rel := range p.Relations {
		comps := map[string]bool{}
		message := len(s.derivers[rel.Name]) > 0
		for _, r := range s.derivers[rel.Name] {
			if r.Kind != analysis.Async {
				message = false
				comps[r.Component] = true
			}
		}
		if !message {
			for _, r := range s.readers[rel.Name] {
				comps[r.Component] = true
			}
		}
		// An output no rule reads goes to the client from every
		// component alike: one relation.
		s.shared[rel.Name] = len(comps) > 1 && !(rel.Output && len(s.readers[rel.Name]) == 0)
	}
	s.constants()
	s.grow()
	s.states()
	s.keys = s.inferKeys()
	return s
}

// constants computes the constant relations, a least fixpoint.
func (s *Shapes) constants() {
	for rel := range s.static {
		s.constant[rel] = true
	}
	for changed := true; changed; {
		changed = false
		for _, rel := range s.p.Relations {
			if s.constant[rel.Name] || rel.Input || rel.Timer != nil {
				continue
			}
			ok := true
			for _, r := range s.derivers[rel.Name] {
				if r.Kind != analysis.Sync || readsBeyond(r, s.constant) {
					ok = false
					break
				}
			}
			if ok {
				s.constant[rel.Name], changed = true, true
			}
		}
	}
}

// readsBeyond reports whether r reads an atom (positive or negated)
// outside set.
func readsBeyond(r *analysis.Rule, set map[string]bool) bool {
	for _, l := range r.Body {
		if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && !set[l.Rel] {
			return true
		}
	}
	return false
}

// grow computes the cumulative relations, a least fixpoint: a relation is
// cumulative when it is static; or when every component that reads or
// derives it (other than by sending it) persists it; or when it is no
// message, input or timer and every rule deriving it is a ":-" or ":+"
// rule without aggregate whose positive atoms are cumulative and whose
// negated atoms are static (a monotone function of growing sets grows).
func (s *Shapes) grow() {
	for rel := range s.constant {
		s.cumulative[rel] = true
	}
	for _, rel := range s.p.Relations {
		if s.constant[rel.Name] {
			continue
		}
		comps := map[string]bool{}
		persisted := map[string]bool{}
		for _, r := range s.derivers[rel.Name] {
			switch r.Kind {
			case analysis.Persist:
				persisted[r.Component] = true
			case analysis.Async:
			default:
				comps[r.Component] = true
			}
		}
		for _, r := range s.readers[rel.Name] {
			comps[r.Component] = true
		}
		all := len(persisted) > 0
		for c := range comps {
			if !persisted[c] {
				all = false
			}
		}
		if all {
			s.cumulative[rel.Name] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, rel := range s.p.Relations {
			if s.cumulative[rel.Name] || rel.Input || rel.Timer != nil || len(s.derivers[rel.Name]) == 0 {
				continue
			}
			ok := true
			for _, r := range s.derivers[rel.Name] {
				if r.Kind == analysis.Async || r.Head.HasAggregate || !s.monotoneOver(r, s.cumulative) {
					ok = false
					break
				}
			}
			if ok {
				s.cumulative[rel.Name] = true
				changed = true
			}
		}
	}
}

// monotoneOver reports whether every positive atom of r's body is in set
// and every negated atom is static.
func (s *Shapes) monotoneOver(r *analysis.Rule, set map[string]bool) bool {
	for _, l := range r.Body {
		switch l.Kind {
		case analysis.LitAtom:
			if !set[l.Rel] {
				return false
			}
		case analysis.LitNegated:
			if !s.constant[l.Rel] {
				return false
			}
		}
	}
	return true
}

// downstream returns the relations rel reaches through rule bodies
// (positive or negated, any rule kind), rel included.
func (s *Shapes) downstream(rel string) map[string]bool {
	seen := map[string]bool{rel: true}
	stack := []string{rel}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, rule := range s.readers[r] {
			if h := rule.Head.Rel; !seen[h] {
				seen[h] = true
				stack = append(stack, h)
			}
		}
	}
	return seen
}

// DelayReason returns why the ":-" to ":+" mutant of rule rule (a Sync
// rule of the program) is equivalent by delay, or "" when the argument
// does not apply (docs/CHECKING.md, "Equivalent by delay"). In the
// mutant, the facts the rule derives at tick t appear at t+1. Two shapes
// make that unobservable but for later outputs, which the definition
// allows:
//
//   - shift: the head h is not persisted and only this rule derives it,
//     and every rule reading a relation downstream of h reads otherwise
//     only static relations (and no rule derives a downstream relation
//     from outside). Then everything downstream of h is the rewrite's,
//     one time unit later (messages keep their delays).
//   - sandwich: h grows (it is persisted where derived, or every rule
//     deriving it reads only cumulative relations), and every rule
//     reading a downstream relation is monotone in it (no aggregate,
//     choose() or index(); negation only of static relations, or of the
//     memory of its own head, Suppresses) and joins it only with
//     downstream or cumulative relations. Then at every tick the
//     mutant's downstream facts are at most the rewrite's and at least
//     the rewrite's of the tick before.
//
// In both, the rule's body must not read downstream of h (no recursion),
// its head no aggregate; the invariants downstream must never have fired
// in the rewrite's runs (invariantFired; a violation a tick later would
// stop the run later than the original's); and the mutant's nodes may
// tick at instants the rewrite's do not, so every rule of the components
// involved must be quiet in such a tick (isQuiet).
func (s *Shapes) DelayReason(rule *analysis.Rule, invariantFired func(rel string) bool) (reason string, invariantsToo bool) {
	if rule.Kind != analysis.Sync {
		return "", false
	}
	h := rule.Head.Rel
	down := s.downstream(h)
	// Through a shared name the shapes below could take a relation of
	// another component for a delayed one; the constant shape only
	// checks more rules then, and stays sound.
	shared := s.anyShared(down)
	guarded := false
	for _, l := range rule.Body {
		if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && down[l.Rel] {
			// Only a repeat guard on the rule's own output may read
			// downstream: the rule then derives its body's rows, each
			// once or again later, which the guard's argument covers.
			if l.Kind != analysis.LitNegated || !s.Suppresses(rule, l) || !s.outputCopiedOnly(h) && !s.repeatsHarmless(h) {
				return "", false
			}
			guarded = true
		}
	}
	shape := ""
	for _, ignoreInv := range []bool{false, true} {
		switch {
		case s.constantFromStart(rule, down, ignoreInv):
			shape = "constant"
		case shared:
		case s.outputOnly(rule, down, ignoreInv):
			shape = "output"
		case (!guarded || s.repeatsHarmless(h)) && s.shifts(rule, down, ignoreInv):
			shape = "shift"
		case (!rule.Head.HasAggregate || s.thresholdAgg(rule, down, ignoreInv)) && s.sandwiches(rule, down, ignoreInv):
			shape = "sandwich"
		}
		if shape != "" {
			invariantsToo = !ignoreInv
			break
		}
	}
	if shape == "" {
		return "", false
	}
	comps := map[string]bool{rule.Component: true}
	var invs, outs []string
	for _, rel := range sortedKeys(down) {
		if ar := s.p.Relation(rel); ar != nil && (ar.Invariant || ar.Final) {
			if invariantFired(rel) {
				return "", false
			}
			invs = append(invs, rel)
		} else if ar != nil && ar.Output {
			outs = append(outs, rel)
		}
		// In the constant shape only the rule's own node ticks where
		// the rewrite's may not: at time 1, after the :+ copy was first
		// carried; from then on the relations are the rewrite's.
		for _, r := range s.readers[rel] {
			if shape != "constant" {
				comps[r.Component] = true
			}
		}
	}
	if len(outs) == 0 {
		return "", false
	}
	for _, c := range sortedKeys(comps) {
		for _, r := range s.p.Component(c).Rules {
			if !s.isQuiet(r, down) {
				return "", false
			}
		}
	}
	switch shape {
	case "constant":
		reason = fmt.Sprintf("equivalent by delay: %s is constant (derived from static facts); the mutant lacks it only in a node's first tick, at time 0, when every rule reading it waits for a message or a fact of an earlier tick", h)
	case "output":
		reason = fmt.Sprintf("equivalent by delay: %s is an output that only persisted copies read, so the mutant delivers each of its facts one tick later", h)
	case "shift":
		reason = fmt.Sprintf("equivalent by delay: only this rule derives %s, and what depends on it (outputs %s) reads nothing else but constant relations, so the mutant does what the rewrite does one tick later",
			h, strings.Join(outs, ", "))
	default:
		reason = fmt.Sprintf("equivalent by delay: %s grows, and reaches the outputs (%s) only through monotone rules joining growing relations, so the mutant delivers the same outputs, none earlier",
			h, strings.Join(outs, ", "))
	}
	if guarded {
		reason += "; the rule's own repeat guard only stops rows it derived before"
	}
	switch {
	case len(invs) > 0 && invariantsToo:
		reason += fmt.Sprintf(" (on runs in which %s never fire, as in these)", strings.Join(invs, ", "))
	case len(invs) > 0:
		reason += fmt.Sprintf("; but an invariant's rule (%s) reads the delayed facts together with others, so the mutant may violate it where the rewrite does not, which no run here did (a gap in the workload for the invariants)", strings.Join(invs, ", "))
	}
	return reason, invariantsToo
}

// constantFromStart checks the constant shape of DelayReason: the head
// is constant in the rewrite, so the mutant's ":+" copy holds from a
// node's second tick on (it is carried, and re-derived, in every tick
// after the first). Every rule reading a downstream relation derives a
// constant relation itself, or reads positively a relation that is empty
// in a node's first tick (late): then nothing downstream differs at time
// 0, and from the second tick on the mutant's relations are the
// rewrite's.
func (s *Shapes) constantFromStart(rule *analysis.Rule, down map[string]bool, ignoreInv bool) bool {
	if !s.constant[rule.Head.Rel] {
		return false
	}
	for rel := range down {
		for _, r := range s.readers[rel] {
			if r == rule || ignoreInv && s.isInvariantRule(r) {
				continue
			}
			if r.Kind == analysis.Persist || r.Kind == analysis.Sync && s.constant[r.Head.Rel] {
				continue
			}
			ok := false
			for _, l := range r.Body {
				if l.Kind == analysis.LitAtom && s.late(l.Rel, map[string]bool{}) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// late reports whether rel is empty in every node's first tick, at time
// 0: a message (sent at time 0 at the earliest, it arrives at 1 or
// later), a relation derived by ":+" (carried into a later tick), or one
// whose every ":-" rule reads a late relation positively. Inputs and
// timers may arrive at time 0.
func (s *Shapes) late(rel string, seen map[string]bool) bool {
	ar := s.p.Relation(rel)
	if ar == nil || ar.Input || ar.Timer != nil || s.constant[rel] || seen[rel] || len(s.derivers[rel]) == 0 {
		return false
	}
	seen[rel] = true // a cycle guard: the relations being decided
	defer delete(seen, rel)
	for _, d := range s.derivers[rel] {
		switch d.Kind {
		case analysis.Async, analysis.NextTick, analysis.Persist:
			continue
		}
		ok := false
		for _, l := range d.Body {
			if l.Kind == analysis.LitAtom && s.late(l.Rel, seen) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// outputOnly checks the output shape of DelayReason: the head is an
// .output (without aggregate) read only by rules copying it into
// persisted memories, and every rule reading a memory is a repeat guard
// (Suppresses) or an invariant's rule that reads, besides downstream
// relations, only constant ones (ignoreInv: any invariant's rule). The
// mutant derives the rewrite's rows one tick later; a guard then blocks
// a row one tick later too, and stops only repeats.
func (s *Shapes) outputOnly(rule *analysis.Rule, down map[string]bool, ignoreInv bool) bool {
	h := rule.Head.Rel
	if rule.Head.HasAggregate || !s.outputCopiedOnly(h) {
		return false
	}
	for rel := range down {
		if rel == h {
			continue
		}
		for _, r := range s.readers[rel] {
			if r.Kind == analysis.Persist {
				continue
			}
			if s.isInvariantRule(r) {
				if !ignoreInv && readsBeyond(r, unionSet(down, s.constant)) {
					return false
				}
				continue
			}
			for _, l := range r.Body {
				if l.Rel != rel {
					continue
				}
				if l.Kind != analysis.LitNegated || r.Head.Rel != h || !s.Suppresses(r, l) {
					return false
				}
			}
		}
	}
	return true
}

func unionSet(a, b map[string]bool) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// repeatsHarmless reports whether h deriving a row again, in a later
// tick, changes nothing observable. The relations a repeat reaches are h
// and, through rules reading one of them, the heads that are not
// cumulative (a persisted relation already holds what a repeat would
// add, so the repeat stops there; messages are repeated). Every rule
// reading such a relation must read it only positively, without
// aggregate, and join it only with constant relations: then a repeated
// row derives only repeated rows (repeated messages, repeated outputs),
// never a new combination. And every rule of the components involved is
// quiet (isQuiet) in a tick that a repeated message causes.
func (s *Shapes) repeatsHarmless(h string) bool {
	if s.anyShared(s.downstream(h)) {
		return false
	}
	reached := map[string]bool{h: true}
	stack := []string{h}
	comps := map[string]bool{}
	for _, d := range s.derivers[h] {
		comps[d.Component] = true
	}
	for len(stack) > 0 {
		rel := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, r := range s.readers[rel] {
			if r.Kind == analysis.Persist {
				continue
			}
			comps[r.Component] = true
			if r.Head.HasAggregate {
				return false
			}
			for _, l := range r.Body {
				switch {
				case l.Kind == analysis.LitNegated && l.Rel == rel:
					return false
				case (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && l.Rel != rel && !s.constant[l.Rel]:
					return false
				}
			}
			if hd := r.Head.Rel; !reached[hd] && (r.Kind == analysis.Async || !s.cumulative[hd]) {
				reached[hd] = true
				stack = append(stack, hd)
			}
		}
	}
	for _, c := range sortedKeys(comps) {
		for _, r := range s.p.Component(c).Rules {
			// A rule reading a repeated relation repeats its rows,
			// which the loop above followed.
			if !readsAny(r, reached) && !s.isQuiet(r, reached) {
				return false
			}
		}
	}
	return true
}

// outputCopiedOnly reports whether h is an .output read only by rules
// copying it into persisted memories.
func (s *Shapes) outputCopiedOnly(h string) bool {
	if rel := s.p.Relation(h); rel == nil || !rel.Output {
		return false
	}
	for _, r := range s.readers[h] {
		if !s.isCopy(r) || !s.persistedIn(r.Head.Rel, r.Component) {
			return false
		}
	}
	return true
}

// isInvariantRule reports whether r derives an invariant or end-of-run
// relation.
func (s *Shapes) isInvariantRule(r *analysis.Rule) bool {
	rel := s.p.Relation(r.Head.Rel)
	return rel != nil && (rel.Invariant || rel.Final)
}

// shifts checks the shift shape of DelayReason: one rule (this one,
// persistence aside) derives h; every other rule deriving a downstream
// relation reads one; every rule reading a downstream relation reads
// otherwise only constant relations. ignoreInv leaves invariants' rules
// out.
func (s *Shapes) shifts(rule *analysis.Rule, down map[string]bool, ignoreInv bool) bool {
	h := rule.Head.Rel
	for _, d := range s.derivers[h] {
		if d != rule && d.Kind != analysis.Persist {
			return false
		}
	}
	for rel := range down {
		if rel != h {
			for _, d := range s.derivers[rel] {
				if !readsAny(d, down) {
					return false
				}
			}
		}
		for _, r := range s.readers[rel] {
			if r == rule || ignoreInv && s.isInvariantRule(r) {
				continue // the rule's own body is what is delayed
			}
			for _, l := range r.Body {
				if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && !down[l.Rel] && !s.constant[l.Rel] {
					return false
				}
			}
		}
	}
	return true
}

// sandwiches checks the sandwich shape of DelayReason.
func (s *Shapes) sandwiches(rule *analysis.Rule, down map[string]bool, ignoreInv bool) bool {
	h := rule.Head.Rel
	if !s.persistedIn(h, rule.Component) {
		for _, r := range s.derivers[h] {
			if r.Kind == analysis.Async || !s.monotoneOver(r, s.cumulative) {
				return false
			}
		}
	}
	for rel := range down {
		for _, r := range s.readers[rel] {
			if r == rule || ignoreInv && s.isInvariantRule(r) {
				continue
			}
			if r.Head.HasAggregate && !s.thresholdAgg(r, down, ignoreInv) {
				return false
			}
			for j, l := range r.Body {
				switch l.Kind {
				case analysis.LitAtom:
					if s.thresholdUse(r, j, down, ignoreInv) {
						continue
					}
					if !down[l.Rel] && !s.cumulative[l.Rel] {
						return false
					}
				case analysis.LitNegated:
					if !s.constant[l.Rel] && (!down[l.Rel] || !s.Suppresses(r, l)) {
						return false
					}
				}
			}
		}
	}
	return true
}

// thresholdAgg reports whether aggregate rule r grows with its body: its
// head is one count or max of growing rows (its body's atoms are
// downstream or cumulative, its negations constant), it alone derives its
// relation, and every rule reading that relation uses the aggregate only
// through a lower bound (thresholdUse). Then "the count reached n" only
// ever becomes true, at most a tick later in the mutant, as a join with a
// growing relation does.
func (s *Shapes) thresholdAgg(r *analysis.Rule, down map[string]bool, ignoreInv bool) bool {
	agg := aggColumn(r)
	if agg < 0 || r.Kind != analysis.Sync || len(s.derivers[r.Head.Rel]) != 1 || !s.monotoneOver(r, unionSet(down, s.cumulative)) {
		return false
	}
	for _, rd := range s.readers[r.Head.Rel] {
		if ignoreInv && s.isInvariantRule(rd) {
			continue
		}
		for j, l := range rd.Body {
			if l.Rel == r.Head.Rel && (l.Kind != analysis.LitAtom || !s.thresholdUse(rd, j, down, ignoreInv)) {
				return false
			}
		}
	}
	return true
}

// aggColumn returns the head column of r's one aggregate when it is a
// count or a max (both grow with their rows), or -1.
func aggColumn(r *analysis.Rule) int {
	col := -1
	for i, a := range r.Head.Args {
		if a.Agg == nil {
			continue
		}
		if col >= 0 || (a.Agg.Func != "count" && a.Agg.Func != "max") {
			return -1
		}
		col = i
	}
	return col
}

// thresholdUse reports whether body literal j of r reads a growing
// aggregate (thresholdAgg's head shape) only through a lower bound: the
// aggregate column is a variable used nowhere else in r but in filters
// c >= e, c > e, e <= c or e < c, whose bound e reads only constants and
// variables of constant relations (it does not move); the aggregate
// itself is a ":-" count or max over downstream or cumulative rows.
func (s *Shapes) thresholdUse(r *analysis.Rule, j int, down map[string]bool, ignoreInv bool) bool {
	l := r.Body[j]
	ds := s.derivers[l.Rel]
	if l.Kind != analysis.LitAtom || len(ds) != 1 || !ds[0].Head.HasAggregate {
		return false
	}
	col := aggColumn(ds[0])
	if col < 0 || col >= len(l.Args) || l.Args[col].Op != analysis.TermVar ||
		ds[0].Kind != analysis.Sync || !s.monotoneOver(ds[0], unionSet(down, s.cumulative)) {
		return false
	}
	c := l.Args[col].Var
	// The bound must not move: its variables come from constant
	// relations.
	fixed := map[int]bool{}
	for _, o := range r.Body {
		if o.Kind == analysis.LitAtom && s.constant[o.Rel] {
			for _, a := range o.Args {
				if a.Op == analysis.TermVar {
					fixed[a.Var] = true
				}
			}
		}
	}
	bounded := false
	for k, o := range r.Body {
		if k == j {
			for i, a := range o.Args {
				if i != col && a.Op == analysis.TermVar && a.Var == c {
					return false
				}
			}
			continue
		}
		if o.Kind == analysis.LitFilter {
			left := o.Left.Op == analysis.TermVar && o.Left.Var == c
			right := o.Right.Op == analysis.TermVar && o.Right.Var == c
			switch {
			case left && termKnown(o.Right, fixed) && (o.Op == ">=" || o.Op == ">"):
				bounded = true
				continue
			case right && termKnown(o.Left, fixed) && (o.Op == "<=" || o.Op == "<"):
				bounded = true
				continue
			}
		}
		if litUses(o, c) {
			return false
		}
	}
	for _, a := range r.Head.Args {
		if a.Term != nil && a.Term.UsesVar(c) {
			return false
		}
	}
	return bounded
}

func litUses(l analysis.Lit, v int) bool {
	for _, a := range l.Args {
		if a.UsesVar(v) {
			return true
		}
	}
	return l.Left.UsesVar(v) || l.Right.UsesVar(v)
}

// anyShared reports whether a relation of set is shared (Shapes.shared).
func (s *Shapes) anyShared(set map[string]bool) bool {
	for rel := range set {
		if s.shared[rel] {
			return true
		}
	}
	return false
}

func readsAny(r *analysis.Rule, set map[string]bool) bool {
	for _, l := range r.Body {
		if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && set[l.Rel] {
			return true
		}
	}
	return false
}

// isQuiet reports whether rule r, of a component whose nodes may tick in
// the mutant at an instant where the rewrite's do not (a tick in which
// nothing was delivered), derives nothing there that the rewrite's
// nodes did not: an output rule may (it repeats an output, and outputs
// compare as sets); an async rule must have a positive atom over an
// event relation (it sends only when something was delivered, so it
// does not send again); any other rule must not negate a relation that
// depends on what was delivered without reading such a relation
// positively (a timeout that fires because nothing arrived). A rule
// whose body reads only carried state derives what it derived from that
// state before.
func (s *Shapes) isQuiet(r *analysis.Rule, down map[string]bool) bool {
	if rel := s.p.Relation(r.Head.Rel); rel != nil && rel.Output && r.Kind != analysis.Async {
		return true
	}
	if r.Kind == analysis.Async {
		if s.hasEvent(r, down) {
			return true
		}
		// An edge-guarded send fires for a row only in the first tick
		// it holds; a tick that changed nothing it reads sends nothing.
		if !readsAny(r, down) {
			for _, l := range r.Body {
				if s.edgeGuard(r, l) {
					return true
				}
			}
		}
		return false
	}
	for _, l := range r.Body {
		if l.Kind == analysis.LitNegated && !s.state[l.Rel] {
			return s.hasEvent(r, down)
		}
	}
	return true
}

// states computes the relations determined by a node's carried facts
// alone, a least fixpoint: constant ones, ones derived by ":+" or
// persisted where they are read, and ones every rule of which is a ":-"
// rule reading only such relations.
func (s *Shapes) states() {
	for rel := range s.cumulative {
		s.state[rel] = true
	}
	for _, rel := range s.p.Relations {
		if rel.Input || rel.Timer != nil || len(s.derivers[rel.Name]) == 0 {
			continue
		}
		carried := true
		for _, d := range s.derivers[rel.Name] {
			if d.Kind != analysis.NextTick && d.Kind != analysis.Persist {
				carried = false
			}
		}
		if carried {
			s.state[rel.Name] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, rel := range s.p.Relations {
			if s.state[rel.Name] || rel.Input || rel.Timer != nil || len(s.derivers[rel.Name]) == 0 {
				continue
			}
			ok := true
			for _, r := range s.derivers[rel.Name] {
				if r.Kind != analysis.Sync || readsBeyond(r, s.state) {
					ok = false
					break
				}
			}
			if ok {
				s.state[rel.Name], changed = true, true
			}
		}
	}
}

// hasEvent reports whether r has a positive atom over an event
// relation: an input, a timer, a message, or a relation every ":-" or
// ":+" rule of which reads one positively (and that is not persisted). Such a rule fires only in a tick that was
// delivered something.
func (s *Shapes) hasEvent(r *analysis.Rule, down map[string]bool) bool {
	for _, l := range r.Body {
		if l.Kind == analysis.LitAtom && s.event(l.Rel, map[string]bool{}) {
			return true
		}
	}
	return false
}

func (s *Shapes) event(rel string, seen map[string]bool) bool {
	ar := s.p.Relation(rel)
	if ar == nil || seen[rel] || s.cumulative[rel] {
		return false
	}
	if ar.Input || ar.Timer != nil {
		return true
	}
	seen[rel] = true // a cycle guard: the relations being decided
	defer delete(seen, rel)
	ds := s.derivers[rel]
	if len(ds) == 0 {
		return false
	}
	for _, d := range ds {
		if d.Kind == analysis.Async {
			continue
		}
		// A ":+" fact of an event holds in the tick after the event's,
		// which comes at the next instant in both runs (the carried
		// facts changed); a persisted relation is state.
		if d.Kind != analysis.Sync && d.Kind != analysis.NextTick {
			return false
		}
		ok := false
		for _, l := range d.Body {
			if l.Kind == analysis.LitAtom && s.event(l.Rel, seen) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// persistedIn reports whether component comp persists rel.
func (s *Shapes) persistedIn(rel, comp string) bool {
	for _, r := range s.derivers[rel] {
		if r.Kind == analysis.Persist && r.Component == comp {
			return true
		}
	}
	return false
}

// Suppresses reports whether the negated literal neg of rule r only stops
// rows r has already derived: neg's relation m is a memory of r's head
// (persisted, and derived only by rules that copy r's head relation, a
// single positive atom, into it, at the same node), and neg names, through
// the copy, every column of r's head with the same variable. Then a row
// neg blocks is one r's head already holds or held, and without neg the
// rule derives that row again: the same fact, later.
func (s *Shapes) Suppresses(r *analysis.Rule, neg analysis.Lit) bool {
	ok, _ := s.suppresses(r, neg)
	return ok
}

// suppresses is Suppresses; byKey says the argument needed a key (a
// column of the head named by neg that determines the others it does not
// name, inferKeys), which holds only when FreshIDs is set.
func (s *Shapes) suppresses(r *analysis.Rule, neg analysis.Lit) (ok, byKey bool) {
	if s.edgeGuard(r, neg) {
		return true, false
	}
	if neg.Kind != analysis.LitNegated || r.Kind == analysis.Async {
		return false, false
	}
	m := neg.Rel
	if !s.persistedIn(m, r.Component) || s.shared[m] || s.shared[r.Head.Rel] {
		return false, false
	}
	copies := 0
	for _, d := range s.derivers[m] {
		if d.Kind == analysis.Persist {
			continue
		}
		if d.Component != r.Component || d.Kind == analysis.Async || d.Head.HasAggregate || len(d.Body) != 1 ||
			d.Body[0].Kind != analysis.LitAtom || d.Body[0].Rel != r.Head.Rel {
			return false, false
		}
		named := namedColumns(d, r, neg)
		if named == nil {
			return false, false
		}
		for c := range r.Head.Args {
			if named[c] {
				continue
			}
			if !s.FreshIDs {
				return false, false
			}
			found := false
			for k := range named {
				if s.keys[r.Head.Rel][k][c] {
					found = true
				}
			}
			if !found {
				return false, false
			}
			byKey = true
		}
		copies++
	}
	return copies > 0, byKey
}

// edgeGuard reports whether neg, a negated literal !m(w..) of rule r,
// makes r fire for a row of one of its body atoms B only in the first
// tick that row holds: m is persisted, not shared, and derived only by
// ":+" rules copying B at r's node, one positive atom; neg names, through
// the copy, every column of r's B atom with r's own variable; r's other
// atoms are constant, and its head reads only variables of the B atom
// (directly, or computed from them and constants). Then a row neg blocks
// is one B held in an earlier tick, for which r derived the same head
// row then (cCommitFlushed(id) :+ allYes(id), !cCommitLog(id) with
// cCommitLog(id) :+ allYes(id)).
func (s *Shapes) edgeGuard(r *analysis.Rule, neg analysis.Lit) bool {
	if neg.Kind != analysis.LitNegated || r.Head.HasAggregate {
		return false
	}
	m := neg.Rel
	if !s.persistedIn(m, r.Component) || s.shared[m] {
		return false
	}
	bi := -1
	copies := 0
	for _, d := range s.derivers[m] {
		if d.Kind == analysis.Persist {
			continue
		}
		if d.Kind != analysis.NextTick || d.Component != r.Component || d.Head.HasAggregate || len(d.Body) != 1 || d.Body[0].Kind != analysis.LitAtom {
			return false
		}
		src := d.Body[0]
		j := -1
		for k, l := range r.Body {
			if l.Kind == analysis.LitAtom && l.Rel == src.Rel {
				if j >= 0 {
					return false // two atoms of B: which one the guard names is unclear
				}
				j = k
			}
		}
		if j < 0 || bi >= 0 && bi != j || len(neg.Args) != len(d.Head.Args) || len(src.Args) != len(r.Body[j].Args) {
			return false
		}
		bi = j
		a := r.Body[j]
		for c, t := range a.Args {
			if t.Op != analysis.TermVar {
				continue
			}
			named := false
			for i, da := range d.Head.Args {
				if da.Term != nil && da.Term.Op == analysis.TermVar && src.Args[c].Op == analysis.TermVar && da.Term.Var == src.Args[c].Var &&
					neg.Args[i].Op == analysis.TermVar && neg.Args[i].Var == t.Var {
					named = true
				}
			}
			if !named {
				return false
			}
		}
		copies++
	}
	if copies == 0 {
		return false
	}
	known := map[int]bool{}
	for _, t := range r.Body[bi].Args {
		if t.Op == analysis.TermVar {
			known[t.Var] = true
		}
	}
	for k, l := range r.Body {
		switch {
		case k == bi || l.Kind == analysis.LitNegated && l.Rel == m:
		case l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated:
			if !s.constant[l.Rel] {
				return false
			}
			for _, t := range l.Args {
				if t.Op == analysis.TermVar {
					known[t.Var] = true
				}
			}
		case l.Kind == analysis.LitAssign:
			if l.Left.Op == analysis.TermVar && termKnown(l.Right, known) {
				known[l.Left.Var] = true
			}
		case l.Kind == analysis.LitBuiltin:
			for _, t := range l.Args {
				if t.Op == analysis.TermVar {
					known[t.Var] = true // enumerations of constants (less_than, a component)
				}
			}
		}
	}
	for _, ha := range r.Head.Args {
		if ha.Term == nil || !termKnown(*ha.Term, known) {
			return false
		}
	}
	return r.Head.At == nil || termKnown(*r.Head.At, known)
}

// namedColumns: copy rule d is m(...) :- H(a1..an) or :+; neg is
// !m(w...) in r, whose head is H(t1..tn). It returns the head columns c
// of r for which d puts H's column c at a position of m where neg has
// the same variable as r's head term at c (nil when the shapes do not
// fit: neg's arity, or a head term that is not a variable).
func namedColumns(d, r *analysis.Rule, neg analysis.Lit) map[int]bool {
	src := d.Body[0]
	if len(neg.Args) != len(d.Head.Args) || len(src.Args) != len(r.Head.Args) {
		return nil
	}
	named := map[int]bool{}
	for c, ha := range r.Head.Args {
		if src.Args[c].Op != analysis.TermVar {
			continue
		}
		for i, da := range d.Head.Args {
			if da.Term == nil || da.Term.Op != analysis.TermVar || da.Term.Var != src.Args[c].Var {
				continue
			}
			if w := neg.Args[i]; ha.Term != nil && ha.Term.Op == analysis.TermVar && w.Op == analysis.TermVar && w.Var == ha.Term.Var {
				named[c] = true
			}
		}
	}
	return named
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SuppressReason returns why a mutant that weakens a repeat guard is
// equivalent under set semantics, or "" when the argument does not
// apply. op is the mutant's operator and rule the rewrite's rule it
// changes. The guard is a negated literal !m(...) of a rule r that only
// stops rows r derived before (Suppresses); the mutant drops the literal
// (drop-litJ of r), or shrinks the memory m (deletes a rule copying r's
// head into m, or m's persistence). Then the mutant's r derives the
// rewrite's rows plus rows it derived in earlier ticks. That is
// unobservable when r's head is an .output read only by rules copying it
// into persisted memories (outputs compare as sets) or when repeats are
// harmless downstream of it (repeatsHarmless), and every other rule
// reading m is an invariant's that reads it positively (a smaller m
// violates no more).
func (s *Shapes) SuppressReason(op string, rule *analysis.Rule) string {
	var guards []*analysis.Rule
	var mem string
	var byKey bool
	switch {
	case op == "delete" || op == "drop-persist":
		mem = rule.Head.Rel
		if rule.Kind != analysis.Persist && !s.isCopy(rule) {
			return ""
		}
		for _, r := range s.readers[mem] {
			if r.Kind == analysis.Persist {
				continue
			}
			guard := false
			for _, l := range r.Body {
				if l.Rel != mem {
					continue
				}
				switch l.Kind {
				case analysis.LitNegated:
					ok, k := s.suppresses(r, l)
					if !ok {
						return ""
					}
					guard, byKey = true, byKey || k
				case analysis.LitAtom:
					if rel := s.p.Relation(r.Head.Rel); rel == nil || !(rel.Invariant || rel.Final) {
						return ""
					}
				}
			}
			if guard {
				guards = append(guards, r)
			}
		}
	case strings.HasPrefix(op, "drop-lit"):
		var j int
		if _, err := fmt.Sscanf(op, "drop-lit%d", &j); err != nil || j < 1 || j > len(rule.Body) {
			return ""
		}
		ok, k := s.suppresses(rule, rule.Body[j-1])
		if !ok {
			return ""
		}
		guards, mem, byKey = []*analysis.Rule{rule}, rule.Body[j-1].Rel, k
	default:
		return ""
	}
	if len(guards) == 0 {
		return ""
	}
	var heads []string
	for _, g := range guards {
		h := g.Head.Rel
		if !s.outputCopiedOnly(h) && !s.repeatsHarmless(h) {
			return ""
		}
		if !slices.Contains(heads, h) {
			heads = append(heads, h)
		}
	}
	msg := fmt.Sprintf("equivalent under set semantics: !%s only stops a row of %s derived in an earlier tick (%s is a persisted copy of %s); the mutant delivers the same outputs again",
		mem, strings.Join(heads, ", "), mem, strings.Join(heads, ", "))
	if byKey {
		msg += " (while every request carries a fresh id, as without --repeats: the id then determines the rest of the row)"
	}
	return msg
}

// isCopy reports whether r copies one relation into another: a ":-" or
// ":+" rule at one node whose body is a single positive atom.
func (s *Shapes) isCopy(r *analysis.Rule) bool {
	return r.Kind != analysis.Async && r.Kind != analysis.Persist && !r.Head.HasAggregate && len(r.Body) == 1 && r.Body[0].Kind == analysis.LitAtom
}

// RuleOf returns the rule of p that mutant m changes (a .persist line's
// persistence rule for a directive), or nil.
func RuleOf(p *analysis.Program, m Mutant) *analysis.Rule {
	for _, r := range p.Rules {
		// A .persist line's rule has no Source and the directive's position.
		if (r.Source != nil) == (m.Rule > 0) && r.Pos.Line == m.Line && r.Pos.Col == m.Col {
			return r
		}
	}
	return nil
}

// Explain returns the equivalence argument of this file for a surviving
// mutant m, or "": DelayReason for to-next, SuppressReason otherwise.
// invariantsToo is false when the delay argument covers the outputs but
// not the invariants. invariantFired says whether an invariant fired in
// the rewrite's runs.
func (s *Shapes) Explain(m Mutant, invariantFired func(rel string) bool) (reason string, invariantsToo bool) {
	r := RuleOf(s.p, m)
	if r == nil {
		return "", false
	}
	if m.Op == "to-next" {
		return s.DelayReason(r, invariantFired)
	}
	return s.SuppressReason(m.Op, r), true
}

// compRel is a relation of one component.
type compRel struct{ comp, rel string }

// LocalReason is Deps.Reason with relations told apart by component: a
// relation reaches, through the rules of its own component, their heads
// there, and through an async rule the rules reading the message in any
// component. (Two components may use one relation name for two
// relations, a count of a component's instances computed in both, say;
// the name-based reachability of Deps then sees an output the rule
// cannot reach.) It returns "" when an output is reachable or rule is
// nil; otherwise the reason, the invariants reached, and whether every
// rule on the way reads the reached relations only positively and
// without aggregate (then a mutant that only removes or delays facts
// makes the invariants fire no more than the rewrite's).
func (s *Shapes) LocalReason(rule *analysis.Rule) (reason string, invariants []string, monotone bool) {
	if rule == nil {
		return "", nil, false
	}
	// An async rule's head lives where it is sent: every component
	// reading it (and the client, for an output or invariant).
	starts := []compRel{{rule.Component, rule.Head.Rel}}
	if rule.Kind == analysis.Async {
		starts = []compRel{{"", rule.Head.Rel}}
		for _, rr := range s.readers[rule.Head.Rel] {
			starts = append(starts, compRel{rr.Component, rule.Head.Rel})
		}
	}
	seen := map[compRel]bool{}
	var stack []compRel
	for _, st := range starts {
		if !seen[st] {
			seen[st] = true
			stack = append(stack, st)
		}
	}
	monotone = true
	for len(stack) > 0 {
		cr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, r := range s.readers[cr.rel] {
			if r.Component != cr.comp || r.Kind == analysis.Persist {
				continue
			}
			if r.Head.HasAggregate {
				monotone = false
			}
			for _, l := range r.Body {
				if l.Kind == analysis.LitNegated && l.Rel == cr.rel {
					monotone = false
				}
			}
			var next []compRel
			if r.Kind == analysis.Async {
				for _, rr := range s.readers[r.Head.Rel] {
					next = append(next, compRel{rr.Component, r.Head.Rel})
				}
				if rel := s.p.Relation(r.Head.Rel); rel != nil && (rel.Output || rel.Invariant || rel.Final) {
					next = append(next, compRel{"", r.Head.Rel})
				}
			} else {
				next = append(next, compRel{r.Component, r.Head.Rel})
			}
			for _, n := range next {
				if !seen[n] {
					seen[n] = true
					stack = append(stack, n)
				}
			}
		}
	}
	var all []string
	for cr := range seen {
		rel := s.p.Relation(cr.rel)
		if rel != nil && rel.Output {
			return "", nil, false
		}
		if rel != nil && (rel.Invariant || rel.Final) && !slices.Contains(invariants, cr.rel) {
			invariants = append(invariants, cr.rel)
		}
		if !slices.Contains(all, cr.rel) {
			all = append(all, cr.rel)
		}
	}
	sort.Strings(invariants)
	sort.Strings(all)
	if len(invariants) == len(all) {
		return fmt.Sprintf("the rule derives only invariant relations (%s); the check compares outputs", strings.Join(invariants, ", ")), invariants, monotone
	}
	return fmt.Sprintf("no output depends on %s at %s (it reaches only %s)", rule.Head.Rel, rule.Component, strings.Join(all, ", ")), invariants, monotone
}
