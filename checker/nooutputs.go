package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/sim"
)

// This file holds the no-outputs check (docs/CHECKING.md, "Runs with no
// outputs"). A rewritten run cut at its horizon proves no output missing:
// the original may hold every output back past the horizon. So a rewrite
// that emits nothing at all (a deleted reply rule, a mutant whose clients
// are never answered) is explained by every run it makes that does not
// quiesce — a vacuous Equivalent. When such a run delivered no output
// while the original, on the same inputs with every delay 1, delivers one
// before the horizon, the run is Unknown instead (when the rewritten run's
// faults let the original lose nothing), with the typed bound
// sim.BoundMaxTime: a longer horizon either lets the rewrite answer or
// quiesce (and the search, or the must-emit shortcut, decide), or shows
// that it never does.

// noOutputs returns why the rewritten run res explains nothing ("" when
// it does): it was cut at the horizon with no output delivered, the
// original may lose nothing (a fault budget could make silence a loss:
// a crashed entry node loses its inputs), and the original's eager run on
// the same inputs delivers an output before the horizon.
func noOutputs(m *refinementMap, res *sim.Result, tgt *target, horizon int64) string {
	if res.Stop.Reason != sim.TimeLimit || len(res.History.Outputs) > 0 || len(tgt.budget.lossUntil) > 0 {
		return ""
	}
	eager, err := eagerOriginal(m, tgt, horizon)
	if err != nil || len(eager.History.Outputs) == 0 {
		return ""
	}
	o := eager.History.Outputs[0]
	if o.Time > horizon {
		return ""
	}
	return fmt.Sprintf("no outputs: the rewritten run was cut at its horizon (time %d) without delivering any output, while the original's run of the same inputs with every delay 1 delivers %s at time %d; a run cut at the horizon cannot show an output missing, so it explains nothing (%s)",
		horizon, o.Fact, o.Time, sim.BoundMaxTime.Raise())
}

// eagerOriginal runs the original on the target's inputs with every delay
// 1 (outputs included), no loss and first choices, up to the horizon.
func eagerOriginal(m *refinementMap, tgt *target, horizon int64) (*sim.Result, error) {
	return sim.Run(m.orig, sim.Config{
		Workload: tgt.inputs,
		Limits:   sim.Limits{MaxTime: horizon},
		Trace:    sim.TraceOptions{Off: true},
		Decide: func(c *sim.Choice) error {
			if c.Kind == sim.ChoiceOutput {
				c.Delay = 1
				return nil
			}
			applyAlt(eagerAlt(c), c)
			return nil
		},
	})
}
