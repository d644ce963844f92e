package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/reach"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// impossibleOutput is the may-derive shortcut (docs/CHECKING.md, "Proving
// an output impossible"): it abstracts every fact any run of the original
// may derive on the rewritten run's inputs, under any schedule and any
// faults (semantics/reach), and returns the offence of the first output
// of the rewritten run, in delivery order, that lies outside: no run of
// the original emits it at any time, so no search is needed. nil when
// every output may be emitted, or when the analysis gives up (an error:
// the search decides as before).
//
// who names what delivered the outputs ("the rewritten program", "the
// history"); the caller adds the producer where there is a run.
func impossibleOutput(m *refinementMap, opts Options, tgt *target, horizon int64, who string) *Offense {
	if opts.NoMayDerive || len(tgt.facts) == 0 {
		return nil
	}
	inputs := make([]value.Fact, len(tgt.inputs))
	for i, in := range tgt.inputs {
		inputs[i] = in.Fact
	}
	lim := opts.Limits.WithDefaults()
	a, err := reach.Analyse(m.orig, inputs, reach.Bounds{MaxTime: horizon, MaxTicks: int64(lim.MaxTicks), MaxFacts: int64(lim.MaxFacts), MaxMessages: int64(lim.MaxMessages)})
	if err != nil {
		return nil
	}
	for i, f := range tgt.facts {
		ok, why := a.MayDerive(f)
		if ok {
			continue
		}
		return &Offense{Kind: failLate.String(), Fact: f, Time: tgt.arrival[i],
			Explanation: fmt.Sprintf("%s delivered %s at time %d; no run of the original can emit %s: %s in the original (may-derive analysis, over every schedule and fault on these inputs%s)",
				who, f, tgt.arrival[i], f, why, boundNote(a, lim))}
	}
	return nil
}

// boundNote names the run bounds a widened bound relies on (the
// bounded-growth argument, semantics/reach/growth.go), or "".
func boundNote(a *reach.Result, lim sim.Limits) string {
	if !a.Widened {
		return ""
	}
	return fmt.Sprintf(", in runs of at most %d ticks of %d facts", lim.MaxTicks, lim.MaxFacts)
}
