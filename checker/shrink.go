package checker

import (
	"slices"

	"github.com/dsim-project/dsim/sim"
)

// maxShrinkAttempts bounds the checks a shrink may run.
const maxShrinkAttempts = 60

// shrinkFirstFailure replaces the report's counterexample by a smaller run
// that still fails: fewer inputs, fewer fault clauses, shorter delays. The
// runs are re-generated from the same seed, so each candidate is a genuine
// run of the rewrite. When no run failed but some were Unknown, it tries
// to shrink the first Unknown run into a NotEquivalent one (a smaller
// workload often makes the search exhaustive).
func (rep *Report) shrinkFirstFailure(m *refinementMap, opts Options) error {
	start := rep.Counterexample
	want := func(v Verdict) bool { return v == NotEquivalent }
	if start == nil {
		start = rep.FirstUnknown()
		if start == nil || start.Schedule == nil {
			return nil
		}
		want = func(v Verdict) bool { return v != Equivalent }
	}
	best, err := shrinkRun(m, opts, start, want)
	if err != nil {
		return err
	}
	if best == nil || best.Verdict != NotEquivalent {
		return nil
	}
	best.Index, best.Shrunk, best.ShrunkFrom, best.Seed = start.Index, true, start.Seed, start.Seed
	rep.Counterexample = best
	if rep.Verdict == Unknown {
		rep.Verdict = NotEquivalent
	}
	return nil
}

// shrinkRun greedily removes inputs, then fault clauses, then shortens the
// delay distribution, keeping each step whose run still satisfies want.
// It returns the smallest failing run found (nil if nothing smaller was
// checked and start itself is kept).
func shrinkRun(m *refinementMap, opts Options, start *RunReport, want func(Verdict) bool) (*RunReport, error) {
	cfg := start.Schedule.Config()
	cfg.Script = nil
	best := start
	attempts := 0
	try := func(c sim.Config) (bool, error) {
		if attempts >= maxShrinkAttempts {
			return false, nil
		}
		attempts++
		r, err := checkConfig(m, opts, c)
		if err != nil {
			return false, nil // a candidate the programs reject is simply not smaller
		}
		if !want(r.Verdict) {
			return false, nil
		}
		if r.Verdict == NotEquivalent || best.Verdict != NotEquivalent {
			best = r
		}
		cfg = c
		return true, nil
	}
	// Closed loop: fewer requests.
	for cfg.Closed != nil && cfg.Closed.Requests > 1 {
		c := cfg
		cl := *cfg.Closed
		cl.Requests--
		c.Closed = &cl
		if ok, err := try(c); err != nil || !ok {
			break
		}
	}
	// Open loop: drop inputs one at a time, from the last.
	for i := len(cfg.Workload) - 1; i >= 0 && len(cfg.Workload) > 1; i-- {
		if i >= len(cfg.Workload) {
			continue
		}
		c := cfg
		c.Workload = slices.Delete(slices.Clone(cfg.Workload), i, i+1)
		if _, err := try(c); err != nil {
			return nil, err
		}
	}
	// Faults: drop whole clauses.
	for _, drop := range faultDrops(cfg.Faults) {
		c := cfg
		c.Faults = drop
		if _, err := try(c); err != nil {
			return nil, err
		}
	}
	// Delays: shorter uniform distributions.
	if cfg.Delay != nil {
		for d := int64(1); d < largestDelay(*cfg.Delay); d++ {
			c := cfg
			dist := sim.Distribution{Kind: sim.DelayUniform, Max: d}
			c.Delay = &dist
			if ok, err := try(c); err != nil {
				return nil, err
			} else if ok {
				break
			}
		}
	}
	if best == start {
		return nil, nil
	}
	return best, nil
}

// faultDrops lists the plans with one clause fewer, and the empty plan first.
func faultDrops(p sim.FaultPlan) []sim.FaultPlan {
	if p.IsEmpty() {
		return nil
	}
	out := []sim.FaultPlan{{}}
	for i := range p.Omissions {
		q := p
		q.Omissions = slices.Delete(slices.Clone(p.Omissions), i, i+1)
		out = append(out, q)
	}
	for i := range p.Crashes {
		q := p
		q.Crashes = slices.Delete(slices.Clone(p.Crashes), i, i+1)
		out = append(out, q)
	}
	for i := range p.Partitions {
		q := p
		q.Partitions = slices.Delete(slices.Clone(p.Partitions), i, i+1)
		out = append(out, q)
	}
	if p.Duplicate != nil {
		q := p
		q.Duplicate = nil
		out = append(out, q)
	}
	return out
}
