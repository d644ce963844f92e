package main

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the "fewer outputs" gap of a survivor (docs/CHECKING.md,
// "How to read a survivor"): a mutant whose sampled runs emit fewer
// distinct outputs than the rewrite's runs of the same seeds, and still
// refines. The definition is safety only: an output the mutant never
// emits is a difference only when the check proves it absent (the
// must-emit shortcut, which needs a quiescent run); a run cut at the time
// horizon cannot show it, since the original may deliver it later. So
// such a survivor is a gap of the check (a liveness difference it does
// not look for), not an equivalence.

// countOutputs is the number of distinct output facts over a report's
// runs, run by run (a fact in two runs counts twice).
func countOutputs(rep *checker.Report) int {
	n := 0
	for _, run := range rep.Runs {
		if run.History != nil {
			n += len(run.History.OutputFacts())
		}
	}
	return n
}

// cutRuns counts the runs that ended at the time horizon (not quiescent).
// A RunReport keeps the stop's message only; the horizon's is the one that
// names sim.BoundMaxTime's field (sim/world.go).
func cutRuns(rep *checker.Report) int {
	n := 0
	for _, run := range rep.Runs {
		if strings.Contains(run.Stop, sim.BoundMaxTime.Field()) {
			n++
		}
	}
	return n
}

// fewerOutputs is the survivor's "why:" line for classGapFewer.
func fewerOutputs(r *mutantResult) string {
	why := fmt.Sprintf("over the sampled runs the mutant emitted %d distinct outputs, the rewrite %d (same seeds); ", r.Outputs, r.RewriteOutputs)
	if r.Cut > 0 {
		return why + fmt.Sprintf("%d of its runs end at --max-time, where an output not yet emitted may still come (the original's may be delayed as far), so none is proved missing: a liveness difference the check does not test (a gap, not an equivalence)", r.Cut)
	}
	return why + "its runs are quiescent but the missing outputs are not ones the must-emit shortcut can prove absent: a gap, not an equivalence"
}
