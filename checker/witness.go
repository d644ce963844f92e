package checker

import (
	"fmt"

	"dsim/semantics/analysis"
	"dsim/sim"
)

// verifyWitness replays a witness schedule of the original and checks,
// independently of the search, that its run explains the target: the same
// inputs at the same times, every required output fact first delivered
// exactly when the rewrite first delivered it, and no other output fact
// delivered by the horizon.
func verifyWitness(prog *analysis.Program, tgt *target, w *sim.Schedule) error {
	res, err := sim.Replay(prog, w)
	if err != nil {
		return err
	}
	if res.Stop.Bounded() || res.Stop.Reason == sim.Violation {
		return fmt.Errorf("the replay stopped: %s", res.Stop.Message)
	}
	if len(res.History.Inputs) != len(tgt.inputs) {
		return fmt.Errorf("the replay received %d inputs, the rewritten run %d", len(res.History.Inputs), len(tgt.inputs))
	}
	for i, in := range res.History.Inputs {
		want := tgt.inputs[i]
		if in.Time != want.Time || in.Node != want.Node || in.Fact.Compare(want.Fact) != 0 {
			return fmt.Errorf("input %d: replay has %s at %s @%d, want %s at %s @%d", i, in.Fact, in.Node, in.Time, want.Fact, want.Node, want.Time)
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
	for i, f := range tgt.facts {
		got, ok := first[factKey(f)]
		if !ok {
			return fmt.Errorf("the replay never delivered %s (the rewritten run did at %d)", f, tgt.arrival[i])
		}
		if got != tgt.arrival[i] {
			return fmt.Errorf("the replay first delivered %s at %d, the rewritten run at %d", f, got, tgt.arrival[i])
		}
	}
	return nil
}
