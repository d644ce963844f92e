package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Must-derive analysis (docs/CHECKING.md, "Proving an output absent"):
// mustDerive decides, conservatively, whether a fact is derived in every
// fault-free run of p once it is derived in one. It is the monotone half of
// CALM restricted to the rules that can derive the fact, and to a lower
// bound (that the fact appears), not to the whole output set.
//
// The rules considered are those whose head can produce the fact (same
// relation, head constants equal to the fact's values) and, transitively,
// every rule deriving a relation one of them reads positively: the cone.
// Every rule of the cone must be robust:
//
//   - no aggregate (count, sum, min, max, choose, index()): an aggregate
//     sees the facts of one tick, which depend on the schedule;
//   - no timer relation in the cone (timers race with messages);
//   - its positive atoms over relations that change (IDB: derived, client
//     inputs) are either all accumulating — persisted by an exact
//     persistence rule r(x..) :+ r(x..), or derived only by robust
//     same-tick rules from accumulating and static relations — or there is
//     exactly one and it is the only IDB atom of the body (acks(x) :-
//     ack(x): each fact is handled on its own, whenever it arrives);
//   - negation only of static relations (no rule derives them, not an
//     input, not a timer), or one edge trigger: h :- B, !g(x..) where g is
//     derived exactly by its persistence rule and g(x..) :+ B with the
//     same body B, the negated atom's arguments are variables and every
//     variable of h's head occurs among them. Such a rule fires at the
//     first tick B holds for x.., and the head is a function of x.., so
//     the set of head facts ever derived is that of h :- B.
//
// Built-ins (hash, sign, verify, concat, less_than, self, component
// enumerations) are functions of their inputs and allowed.
//
// Why it is sound: take a run A in which the fact is derived and any
// fault-free run B of the same inputs whose messages each take at most D
// time units (D >= 1). By induction on A's time, every fact of the cone
// present in A at time t is present in B at some time <= D*t: inputs
// arrive at the same times in both, static facts hold always, a next-tick
// step adds 1 in both, a message adds its delay in A (>= 1) and at most D
// in B, a same-tick join over accumulating relations holds in B once all
// its atoms have appeared (they never disappear), a rule over one
// ephemeral atom fires whenever that atom is present, and an edge trigger
// fires at the first time its body holds. So B derives the fact by D*t_A
// unless it stops earlier (an invariant violation). Negation or
// aggregation outside the cone, and the rest of the program's behaviour,
// do not matter: nothing is claimed about facts outside the cone.
func mustDerive(p *analysis.Program, f value.Fact) (bool, string) {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range p.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	static := func(rel string) bool {
		r := p.Relation(rel)
		return r == nil || (!r.Input && r.Timer == nil && len(byHead[rel]) == 0)
	}
	var roots []*analysis.Rule
	for _, r := range byHead[f.Rel] {
		if headMatches(r, f) {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		return false, fmt.Sprintf("no rule derives %s", f)
	}
	// The cone: relations read positively by its rules, transitively.
	cone := map[string]bool{}
	var rules []*analysis.Rule
	seenRule := map[int]bool{}
	var add func(r *analysis.Rule)
	addRel := func(rel string) {
		if cone[rel] || static(rel) {
			return
		}
		cone[rel] = true
		for _, r := range byHead[rel] {
			add(r)
		}
	}
	add = func(r *analysis.Rule) {
		if seenRule[r.ID] {
			return
		}
		seenRule[r.ID] = true
		rules = append(rules, r)
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom {
				addRel(l.Rel)
			}
		}
	}
	for _, r := range roots {
		add(r)
	}
	for rel := range cone {
		if rr := p.Relation(rel); rr != nil && rr.Timer != nil {
			return false, fmt.Sprintf("%s depends on the timer %s, whose firings race with messages", f.Rel, rel)
		}
	}
	acc := accumulating(p, byHead, static)
	for _, r := range rules {
		if r.Kind == analysis.Persist {
			continue
		}
		if r.Head.HasAggregate {
			return false, fmt.Sprintf("%s depends on the aggregate rule for %s (%v), which sees one tick's facts", f.Rel, r.Head.Rel, r.Pos)
		}
		var eph, idb int
		negs := 0
		for _, l := range r.Body {
			switch l.Kind {
			case analysis.LitAtom:
				if static(l.Rel) {
					continue
				}
				idb++
				if !acc[l.Rel] {
					eph++
				}
			case analysis.LitNegated:
				if static(l.Rel) {
					continue
				}
				negs++
				if negs > 1 || !edgeTrigger(r, l, byHead[l.Rel]) {
					return false, fmt.Sprintf("%s depends on the rule for %s (%v), which negates %s", f.Rel, r.Head.Rel, r.Pos, l.Rel)
				}
			}
		}
		if eph > 0 && idb > 1 {
			return false, fmt.Sprintf("%s depends on the rule for %s (%v), which joins a relation that is not persisted with others (whether they meet depends on the schedule)", f.Rel, r.Head.Rel, r.Pos)
		}
	}
	return true, fmt.Sprintf("every rule that can derive %s, transitively, is monotone: no aggregation, no timer, negation only as a first-time trigger over a persisted log, and joins only of persisted relations or of one message or input on its own", f.Rel)
}

// accumulating returns the relations whose facts, once present, stay:
// persisted by an exact persistence rule, or derived only by same-tick
// rules without negation or aggregation from accumulating and static
// relations (a least fixpoint from the persisted ones).
func accumulating(p *analysis.Program, byHead map[string][]*analysis.Rule, static func(string) bool) map[string]bool {
	out := map[string]bool{}
	for rel, rs := range byHead {
		for _, r := range rs {
			if r.Kind == analysis.Persist {
				out[rel] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, rel := range sortedHeads(byHead) {
			if out[rel] {
				continue
			}
			if rr := p.Relation(rel); rr != nil && (rr.Input || rr.Timer != nil) {
				continue
			}
			ok := len(byHead[rel]) > 0
			for _, r := range byHead[rel] {
				if r.Kind != analysis.Sync || r.Head.HasAggregate {
					ok = false
					break
				}
				for _, l := range r.Body {
					if (l.Kind == analysis.LitNegated && !static(l.Rel)) || (l.Kind == analysis.LitAtom && !static(l.Rel) && !out[l.Rel]) {
						ok = false
					}
				}
			}
			if ok {
				out[rel] = true
				changed = true
			}
		}
	}
	return out
}

// headMatches reports whether r's head can produce f: same relation and
// arity, and every constant head argument equal to f's value there.
func headMatches(r *analysis.Rule, f value.Fact) bool {
	if r.Head.Rel != f.Rel || len(r.Head.Args) != len(f.Tuple) {
		return false
	}
	for i, a := range r.Head.Args {
		if a.Term != nil && a.Term.Op == analysis.TermConst && a.Term.Const.Compare(f.Tuple[i]) != 0 {
			return false
		}
	}
	return true
}

// edgeTrigger reports whether the negated literal neg of rule r is a
// first-time trigger: neg's relation g is derived exactly by persistence
// rules and one next-tick rule g(x..) :+ B whose head arguments are neg's
// (variables, by name) and whose body is r's body without neg (same
// literals in the same order, by variable name); every variable of r's
// head occurs among neg's arguments.
func edgeTrigger(r *analysis.Rule, neg analysis.Lit, gRules []*analysis.Rule) bool {
	negVars := map[string]bool{}
	for _, a := range neg.Args {
		if a.Op != analysis.TermVar {
			return false
		}
		negVars[r.Vars[a.Var]] = true
	}
	for _, h := range r.Head.Args {
		if h.Term == nil {
			return false
		}
		for _, v := range termVars(*h.Term) {
			if !negVars[r.Vars[v]] {
				return false
			}
		}
	}
	if r.Head.At != nil {
		for _, v := range termVars(*r.Head.At) {
			if !negVars[r.Vars[v]] {
				return false
			}
		}
	}
	var body []string
	for _, l := range r.Body {
		if l.Kind == analysis.LitNegated && l.Rel == neg.Rel && litString(r, l) == litString(r, neg) {
			continue
		}
		body = append(body, litString(r, l))
	}
	logs := 0
	for _, g := range gRules {
		if g.Kind == analysis.Persist {
			continue
		}
		if g.Kind != analysis.NextTick || g.Head.HasAggregate || len(g.Head.Args) != len(neg.Args) {
			return false
		}
		for i, h := range g.Head.Args {
			if h.Term == nil || h.Term.Op != analysis.TermVar || g.Vars[h.Term.Var] != r.Vars[neg.Args[i].Var] {
				return false
			}
		}
		var gb []string
		for _, l := range g.Body {
			gb = append(gb, litString(g, l))
		}
		if strings.Join(gb, "\x00") != strings.Join(body, "\x00") {
			return false
		}
		logs++
	}
	persisted := false
	for _, g := range gRules {
		persisted = persisted || g.Kind == analysis.Persist
	}
	return logs == 1 && persisted
}

func termVars(t analysis.Term) []int {
	if t.Op == analysis.TermVar {
		return []int{t.Var}
	}
	var out []int
	for _, a := range t.Args {
		out = append(out, termVars(a)...)
	}
	return out
}

// litString renders a literal with r's variable names, to compare
// literals of two rules.
func litString(r *analysis.Rule, l analysis.Lit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s(", l.Kind, l.Rel, l.Op)
	for _, a := range l.Args {
		b.WriteString(termString(r, a))
		b.WriteByte(',')
	}
	b.WriteString(") ")
	if l.Kind == analysis.LitFilter || l.Kind == analysis.LitAssign {
		b.WriteString(termString(r, l.Left) + " " + termString(r, l.Right))
	}
	return b.String()
}

func termString(r *analysis.Rule, t analysis.Term) string {
	switch t.Op {
	case analysis.TermVar:
		return "v:" + r.Vars[t.Var]
	case analysis.TermConst:
		return "c:" + t.Const.String()
	case analysis.TermWildcard:
		return "_"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "op%d:%s(", t.Op, t.Func)
	for _, a := range t.Args {
		b.WriteString(termString(r, a) + ",")
	}
	b.WriteString(")")
	return b.String()
}

func sortedHeads(m map[string][]*analysis.Rule) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// mustEmitResult is the shortcut's finding.
type mustEmitResult struct {
	offense  *Offense
	maxDelay int64
	furthest *sim.Trace         // the original's eager run up to the emission
	replay   func() *sim.Result // that run again, every tick's facts traced (derive.go)
}

// mustEmitShortcut decides a fault-free run of the rewrite that quiesced
// without one of the outputs every run of the original emits
// (docs/CHECKING.md, "Proving an output absent"): it runs the original
// once with every delay 1 on the same inputs and returns the first output
// fact of that run the rewrite never delivered that mustDerive proves every
// run of the original derives, and derives before the horizon with delays
// up to the largest any pass of the search explores. nil: the search must
// decide.
func mustEmitShortcut(m *refinementMap, opts Options, plan sim.FaultPlan, rew *sim.Result, tgt *target, horizon int64) *mustEmitResult {
	if opts.NoMustEmit || len(plan.Omissions) > 0 || len(plan.Crashes) > 0 || len(plan.Partitions) > 0 || plan.Duplicate != nil {
		return nil
	}
	if tgt.horizon != noHorizon || tgt.violation != nil {
		return nil
	}
	// The eager schedule: every delay 1 (outputs included), no loss, first
	// choices.
	res, err := eagerOriginal(m, tgt, horizon)
	if err != nil {
		return nil
	}
	// The largest delay any pass of the search gives a message: the first
	// search's MaxDelay, the escalated bound (at most lateAt), delivery at
	// lateAt, and the guided delays (delivery times of the rewritten run).
	dmax := max(opts.MaxDelay, tgt.observedUntil()+1, rew.Time+1)
	seen := map[string]bool{}
	for _, o := range res.History.Outputs {
		k := factKey(o.Fact)
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := tgt.index[k]; ok {
			continue
		}
		if o.Time <= 0 || o.Time > (horizon-1)/dmax {
			continue
		}
		ok, why := mustDerive(m.orig, o.Fact)
		if !ok {
			continue
		}
		// The offence's time is when the original emits the output (as
		// for the search's "unexpected"); the drawing is that run up to then.
		best := &failure{kind: failUnexpected, fact: o.Fact, time: o.Time - 1}
		ropts := opts
		ropts.Limits.MaxTime = horizon
		sr := searchResult{best: best, furthest: &furthestBranch{mode: policyEager, workload: slices.Clone(tgt.inputs)}}
		furthest := replayFurthest(m.orig, tgt, ropts, sr)
		replay := func() *sim.Result { return replayFurthestRun(m.orig, tgt, ropts, sr, true) }
		return &mustEmitResult{maxDelay: dmax, furthest: furthest, replay: replay, offense: &Offense{Kind: failUnexpected.String(), Fact: o.Fact, Time: best.time,
			Explanation: fmt.Sprintf("missing output %s, which every run of the original emits: the original is confluent for it (%s); its fault-free run with every delay 1 delivers it at time %d, so every fault-free run with delays up to %d emits it by time %d, before the horizon, but the rewritten program quiesced without delivering it", o.Fact, why, o.Time, dmax, o.Time*dmax)}}
	}
	return nil
}
