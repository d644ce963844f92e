package main

import (
	"fmt"
	"slices"
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

// Two gap classes compare a survivor's sampled runs with the unmutated
// rewrite's runs of the same seeds (the simulator is deterministic in the
// seed, so a mutant that changes nothing a run does repeats the rewrite's
// run event for event):
//
//   - sameTrace: every run's trace (each tick's delivered and newly
//     carried facts, every send with its arrival, every output) equals the
//     rewrite's. The mutation changed no message, no carried state and no
//     output: the workload never reached a state where the change matters.
//   - sameOutputs: the traces differ, but in every run each distinct output
//     fact reached the same client first at the same time. The change did
//     reach messages or state, and in these runs never a client: nothing
//     was left for the refinement check to tell apart.
//   - sameFacts: every run delivers the same distinct output facts to the
//     same clients as the rewrite's run of its seed, some at other times.
//     The only difference the runs show is when outputs arrive, and the
//     check found the original able to deliver them then.
//
// None is an equivalence: a run that reaches the changed state and lets
// it reach an output (more inputs, faults, a leader change, repeats) may
// kill the mutant. A survivor whose outputs differ from the rewrite's, yet
// refine the original, stays "not explained": the definition's latitude
// (delays, another order) absorbed a real difference, which is worth a
// look by hand.
const (
	sameTrace   = "trace"
	sameOutputs = "outputs"
	sameFacts   = "facts"
)

// sameRuns says how a survivor's runs compare with the unmutated
// rewrite's (sameTrace, sameOutputs, sameFacts, or "" when an output
// differs otherwise or a run has no counterpart of its seed); the weakest
// relation over the runs wins.
func sameRuns(base, mut *checker.Report) string {
	if base == nil || mut == nil || len(mut.Runs) == 0 {
		return ""
	}
	bySeed := map[uint64]*checker.RunReport{}
	for i := range base.Runs {
		bySeed[base.Runs[i].Seed] = base.Runs[i]
	}
	same := sameTrace
	for i := range mut.Runs {
		m := mut.Runs[i]
		b, ok := bySeed[m.Seed]
		if !ok || b.History == nil || m.History == nil || !sameInputs(b.History, m.History) {
			return ""
		}
		switch compareFirstOutputs(b.History, m.History) {
		case "":
			return ""
		case sameFacts:
			same = sameFacts
		}
		if same == sameTrace && (b.Trace == nil || m.Trace == nil || b.Trace.String() != m.Trace.String()) {
			same = sameOutputs
		}
	}
	return same
}

// sameInputs reports whether two histories got the same inputs at the same
// times (a mutant that drops a program constant may get another generated
// workload, and then its runs are not comparable).
func sameInputs(a, b *sim.History) bool {
	return slices.EqualFunc(a.Inputs, b.Inputs, func(x, y sim.HistoryInput) bool {
		return x.Time == y.Time && x.Client == y.Client && x.Node == y.Node && x.Fact.Compare(y.Fact) == 0
	})
}

// compareFirstOutputs compares two histories' distinct output facts, each
// with the client and time it first reached (a repeat later does not
// count: clients see sets): sameOutputs when they are the same, sameFacts
// when the facts and clients are the same and some times differ, ""
// otherwise.
func compareFirstOutputs(a, b *sim.History) string {
	type first struct {
		client int
		time   int64
	}
	firsts := func(h *sim.History) map[string]first {
		m := map[string]first{}
		for _, o := range h.Outputs { // sorted by time
			if _, ok := m[o.Fact.String()]; !ok {
				m[o.Fact.String()] = first{o.Client, o.Time}
			}
		}
		return m
	}
	fa, fb := firsts(a), firsts(b)
	if len(fa) != len(fb) {
		return ""
	}
	res := sameOutputs
	for k, x := range fa {
		y, ok := fb[k]
		switch {
		case !ok || x.client != y.client:
			return ""
		case y.time != x.time:
			res = sameFacts
		}
	}
	return res
}
