package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// verifyWitness replays a witness schedule of the original and checks,
// independently of the search, that its run explains the target: the same
// inputs at the same times, every required output fact first delivered
// exactly when the rewrite first delivered it (or, when the replay stopped
// on the rewrite's invariant earlier than the rewrite, emitted before
// then), and no other output fact delivered by the horizon.
func verifyWitness(prog *analysis.Program, tgt *target, w *sim.Schedule, omitted sim.Workload) error {
	want := sim.Workload{}
	j := 0
	for _, in := range tgt.inputs {
		if j < len(omitted) && omitted[j].Time == in.Time && omitted[j].Node == in.Node && omitted[j].Fact.Compare(in.Fact) == 0 {
			if !tgt.budget.allowsInput(in) {
				return fmt.Errorf("the witness omits input %s, but %s was not faulty then", in, in.Node)
			}
			j++
			continue
		}
		want = append(want, in)
	}
	if j != len(omitted) {
		return fmt.Errorf("the witness omits inputs the rewritten run did not receive")
	}
	res, err := sim.Replay(prog, w)
	if err != nil {
		return err
	}
	if res.Stop.Bounded() || (res.Stop.Reason == sim.Violation && !tgt.matchesViolation(res.Violations)) {
		return fmt.Errorf("the replay stopped: %s", res.Stop.Message)
	}
	if tgt.violation != nil && res.Stop.Reason != sim.Violation {
		return fmt.Errorf("the rewritten run violated %s at %d; the replay does not", tgt.violation.Fact, tgt.violation.Time)
	}
	// early: the replay stopped on the rewrite's invariant before the
	// rewrite did (matchesViolation allows it). Inputs after that time and
	// outputs pinned to arrive after it are not observable in the replay;
	// it must then have received every earlier input and emitted each such
	// output before the rewrite delivered it.
	early := tgt.violation != nil && res.Stop.Reason == sim.Violation && res.Time < tgt.violation.Time
	if early {
		var upTo sim.Workload
		for _, in := range want {
			if in.Time <= res.Time {
				upTo = append(upTo, in)
			}
		}
		want = upTo
	}
	if len(res.History.Inputs) != len(want) {
		return fmt.Errorf("the replay received %d inputs, want %d", len(res.History.Inputs), len(want))
	}
	for i, in := range res.History.Inputs {
		w := want[i]
		if in.Time != w.Time || in.Node != w.Node || in.Fact.Compare(w.Fact) != 0 {
			return fmt.Errorf("input %d: replay has %s at %s @%d, want %s at %s @%d", i, in.Fact, in.Node, in.Time, w.Fact, w.Node, w.Time)
		}
	}
	first := map[string]int64{}
	for _, o := range res.History.Outputs {
		k := factKey(o.Fact)
		if _, ok := first[k]; ok {
			continue
		}
		first[k] = o.Time
		if _, ok := tgt.index[k]; !ok && o.Time <= tgt.horizon {
			return fmt.Errorf("the replay delivered %s at %d, which the rewritten run never delivered", o.Fact, o.Time)
		}
	}
	emitted := map[string]int64{} // first emission of each output fact
	for _, e := range res.Trace.Events {
		if e.Kind == sim.EvDrop && !e.Dup && !tgt.budget.allows(e.Peer, e.Node, e.SentAt) {
			// The search offers only the losses the budget allows; the
			// replay checks it again, independently of the search.
			return fmt.Errorf("the replay loses %s from %s to %s sent at %d, which the fault budget does not allow", e.Fact, e.Peer, e.Node, e.SentAt)
		}
		if e.Kind != sim.EvTick {
			continue
		}
		for _, f := range e.Outputs {
			if _, ok := emitted[factKey(f)]; !ok {
				emitted[factKey(f)] = e.Time
			}
		}
	}
	for i, f := range tgt.facts {
		got, ok := first[factKey(f)]
		if !ok && early && tgt.arrival[i] > res.Time {
			if at, ok := emitted[factKey(f)]; ok && at < tgt.arrival[i] {
				continue
			}
			return fmt.Errorf("the replay stopped on %s at %d without emitting %s (the rewritten run delivered it at %d)", res.Violations[0].Fact, res.Time, f, tgt.arrival[i])
		}
		if !ok {
			return fmt.Errorf("the replay never delivered %s (the rewritten run did at %d)", f, tgt.arrival[i])
		}
		if got != tgt.arrival[i] {
			return fmt.Errorf("the replay first delivered %s at %d, the rewritten run at %d", f, got, tgt.arrival[i])
		}
	}
	return nil
}
