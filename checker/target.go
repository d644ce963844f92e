package checker

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// target is what a run of the original must reproduce: the rewritten run's
// distinct output facts (mapped to the original's addresses) with the time
// each was first delivered, and the horizon past which nothing was observed.
type target struct {
	facts   []value.Fact       // required output facts, sorted by first delivery then fact
	arrival []int64            // arrival[i]: when the rewrite first delivered facts[i]
	index   map[string]int     // fact key -> index
	horizon int64              // last observed time; noHorizon when the rewritten run quiesced
	inputs  sim.Workload       // the original's inputs
	budget  faultBudget        // losses the original may use
	guide   map[string][]int64 // message key (mapped) -> delivery times in the rewritten run, sorted
	drops   map[string]bool    // message key (mapped) -> the rewritten run lost one
	// settled: (mapped node, tuple key) -> times from which a piece of the
	// node first carried a fact with that tuple (the "state" guide).
	settled map[string][]int64
	// settledRel: the same by (mapped node, relation, tuple), and derives
	// the original's relations derived directly from each relation
	// (stateguide.go).
	settledRel map[string][]int64
	derives    map[string][]string
	reaches    map[string][]string // derives, closed under chains of rules
	// reactions and acted: the response guide's (responseguide.go).
	reactions map[string][]reaction
	acted     map[string][]acted
	delivered map[string][]acted // message key (mapped) -> deliveries, by sending piece
	// The in-tick response guide's (tickguide.go): the rewritten run and
	// its map, to replay it with every tick's facts when the guide is
	// first reached, and the index built from that replay.
	rmap      *refinementMap
	rewRun    *sim.Result
	tickDone  bool
	tickIndex map[string][]acted
	// violation is the rewritten run's first invariant violation (it
	// stopped there), or nil: the original must then violate the
	// same-named invariant no later (docs/CHECKING.md, "No vacuous
	// verdicts").
	violation *sim.ViolationReport
}

// matchesViolation says whether vs (a run of the original's violations)
// holds the target's violation: the same invariant, at the same time or
// earlier. Earlier, because a rewrite may put hops before an invariant's
// rule (a decoupled component reads its inputs one message later) just as
// it may deliver an output later; the original's run then stops earlier,
// and must still have emitted every output the rewrite delivered (the
// search's emitted check), so nothing the rewrite showed goes unexplained.
// A violation at a later time cannot occur: the original runs under the
// rewrite's violation time as its horizon.
func (t *target) matchesViolation(vs []sim.ViolationReport) bool {
	for _, v := range vs {
		if t.violation != nil && v.Fact.Rel == t.violation.Fact.Rel && v.Time <= t.violation.Time {
			return true
		}
	}
	return false
}

// noHorizon marks a rewritten run that ended quiescent: every output the
// original could ever emit is observable.
const noHorizon = int64(1) << 62

func factKey(f value.Fact) string { return f.Rel + f.Tuple.Key() }

func msgKey(from, to value.Addr, f value.Fact) string {
	return from.String() + ">" + to.String() + ">" + factKey(f)
}

// newTarget builds the target of the rewritten run res.
func newTarget(m *refinementMap, res *sim.Result, plan sim.FaultPlan, maxTime int64) (*target, error) {
	t := &target{index: map[string]int{}, horizon: noHorizon, guide: map[string][]int64{}, drops: map[string]bool{}, settled: map[string][]int64{}, settledRel: map[string][]int64{}, derives: derivedFrom(m.orig)}
	t.reaches = reachableFrom(t.derives)
	t.rmap, t.rewRun = m, res
	if res.Stop.Reason == sim.TimeLimit {
		t.horizon = maxTime
	} else if res.Stop.Reason == sim.Violation {
		t.horizon = res.Time
		if len(res.Violations) > 0 {
			v := res.Violations[0]
			v.Fact = m.fact(v.Fact)
			t.violation = &v
		}
	}
	for _, o := range res.History.Outputs {
		f := m.fact(o.Fact)
		k := factKey(f)
		if _, ok := t.index[k]; ok {
			continue
		}
		t.index[k] = len(t.facts)
		t.facts = append(t.facts, f)
		t.arrival = append(t.arrival, o.Time)
	}
	in, err := m.inputs(res.History)
	if err != nil {
		return nil, err
	}
	t.inputs = in
	t.budget = m.budgetOf(plan, res, maxTime)
	for _, e := range res.Trace.Events {
		switch e.Kind {
		case sim.EvDeliver:
			k := msgKey(m.node(e.Peer), m.node(e.Node), m.fact(e.Fact))
			t.guide[k] = append(t.guide[k], e.Time)
		case sim.EvTick:
			n := m.node(e.Node)
			for _, f := range e.Produced {
				mf := m.fact(f)
				k := n.String() + ">" + mf.Tuple.Key()
				t.settled[k] = append(t.settled[k], e.Time+1)
				// The derived guide delivers at the tick that derived
				// the fact (the original derives it in the tick that
				// receives the message, and reacts in that tick).
				k = settledRelKey(n, mf.Rel, mf.Tuple)
				t.settledRel[k] = append(t.settledRel[k], e.Time)
			}
		case sim.EvDrop:
			t.drops[msgKey(m.node(e.Peer), m.node(e.Node), m.fact(e.Fact))] = true
		}
	}
	t.indexActed(m, res.Trace.Events)
	for _, ts := range t.guide {
		slices.Sort(ts)
	}
	for _, ts := range t.settled {
		slices.Sort(ts)
	}
	for _, ts := range t.settledRel {
		slices.Sort(ts)
	}
	return t, nil
}

// guided returns the delay the refinement map suggests for a message of
// the original sent at now: the first time at or after now+1 that the
// "same" message (relation, tuple, mapped sender and receiver) was
// delivered in the rewritten run; drop when it was only ever lost there.
func (t *target) guided(from, to value.Addr, f value.Fact, now int64) (delay int64, drop, ok bool) {
	k := msgKey(from, to, f)
	ts := t.guide[k]
	i, _ := slices.BinarySearch(ts, now+1)
	if i < len(ts) {
		return ts[i] - now, false, true
	}
	if t.drops[k] {
		return 0, true, true
	}
	return 0, false, false
}

// settledAt returns the state guide's delay for a message of the original
// sent at now: the first time after now from which some piece of the
// receiver carried a fact with the message's tuple in the rewritten run
// (for state a rewrite makes a piece adopt later than the message
// arrives, e.g. a ballot applied only once a replicated write commits).
// With last, it takes the last such time instead of the first.
func (t *target) settledAt(to value.Addr, f value.Fact, now int64, last bool) (int64, bool) {
	ts := t.settled[to.String()+">"+f.Tuple.Key()]
	i, _ := slices.BinarySearch(ts, now+1)
	if i < len(ts) {
		if last {
			return ts[len(ts)-1] - now, true
		}
		return ts[i] - now, true
	}
	return 0, false
}
