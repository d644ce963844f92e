package checker

import (
	"fmt"
	"time"

	"github.com/dsim-project/dsim/sim"
)

// maxShrinkAttempts bounds the checks a shrink may run.
const maxShrinkAttempts = 60

// shrinkFirstFailure replaces the report's counterexample by a smaller run
// that still fails: fewer inputs, fewer fault clauses, shorter delays. The
// runs are re-generated from the same seed, so each candidate is a genuine
// run of the rewrite. A NotEquivalent counterexample shrinks to smaller
// NotEquivalent runs; a Violated one to smaller failing runs (Violated or
// NotEquivalent), the report turning NotEquivalent when a smaller run's
// search was exhaustive. When no run failed but some were Unknown, it
// tries to shrink the first Unknown run into a failing one (a smaller
// workload often makes the search exhaustive, or a smaller run may break
// an invariant unmatched).
func (rep *Report) shrinkFirstFailure(m *refinementMap, opts Options) error {
	start := rep.Counterexample
	want := func(v Verdict) bool { return v == NotEquivalent }
	keep := want
	switch {
	case start == nil:
		start = rep.FirstUnknown()
		if start == nil || start.Schedule == nil {
			return nil
		}
		want, keep = func(v Verdict) bool { return v != Equivalent }, Verdict.Failed
	case start.Verdict == Violated:
		want = Verdict.Failed
		keep = want
	}
	best, err := shrinkRun(m, opts, start, want)
	if err != nil {
		return err
	}
	if best == nil || !keep(best.Verdict) {
		return nil
	}
	best.Index, best.Shrunk, best.ShrunkFrom, best.Seed = start.Index, true, start.Seed, start.Seed
	rep.Counterexample = best
	rep.Verdict = worst(rep.Verdict, best.Verdict)
	return nil
}

// shrinkRun shrinks start with sim's reducer and configuration steps
// (fewer requests, fewer faults, a smaller delay distribution), keeping
// each candidate whose run still satisfies want. The runs are re-generated
// from the configuration, so each is a genuine run of the rewrite. It
// returns the smallest failing run found (nil if none was smaller).
//
// A candidate with fewer faults is still a run of the plan the start run
// was checked under, so the original keeps the start run's fault budget
// (widened into each candidate's): shrinking a clause's until= must not
// shrink what the original may lose, or a run the original explains under
// the user's plan could be reported NotEquivalent.
func shrinkRun(m *refinementMap, opts Options, start *RunReport, want func(Verdict) bool) (*RunReport, error) {
	cfg := start.Schedule.Config()
	startRes, err := runRewritten(m, opts, cfg)
	if err != nil {
		return nil, err
	}
	startBudget := m.budgetOf(start.Faults, startRes, cfg.Limits.WithDefaults().MaxTime)
	cfg.Script = nil
	best := start
	budget := shrinkBudget(opts)
	var deadline time.Time
	if budget > 0 {
		deadline = time.Now().Add(budget)
	}
	stopped := false
	size := func(r sim.ConfigRun) int { return sim.ConfigSize(r.Config) }
	stillFails := func(c sim.ConfigRun) (sim.ConfigRun, bool) {
		if stopped || (budget > 0 && time.Now().After(deadline)) {
			stopped = true
			return c, false // out of time: no candidate is tried any more
		}
		r, err := checkConfigWidened(m, opts, c.Config, startBudget)
		if err != nil || !want(r.Verdict) {
			return c, false // a candidate the programs reject is simply not smaller
		}
		if r.Verdict == NotEquivalent || best.Verdict != NotEquivalent {
			best = r
		}
		c.Inputs = r.History.Inputs
		return c, true
	}
	_, stats := sim.Reduce(sim.ConfigRun{Config: cfg, Inputs: start.History.Inputs}, size, sim.ConfigSteps(), stillFails, maxShrinkAttempts)
	if best == start {
		return nil, nil
	}
	switch {
	case stopped:
		best.ShrinkStopped = fmt.Sprintf("its time budget of %s", budget)
	case stats.Exhausted:
		best.ShrinkStopped = fmt.Sprintf("its bound of %d attempts", maxShrinkAttempts)
	}
	return best, nil
}

// shrinkBudget is the wall time one shrink may take (0: no time bound).
func shrinkBudget(opts Options) time.Duration {
	if opts.ShrinkTimeout > 0 {
		return opts.ShrinkTimeout
	}
	return 10 * opts.Timeout
}
