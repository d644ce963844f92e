package sim

import (
	"math/bits"
	"slices"
)

// This file is dsim's one reducer, shared by Shrink (a failing simulated
// run) and the checker's shrinker (a NotEquivalent run of a rewrite): a
// greedy delta-debugging loop driven by a "does it still fail?" predicate,
// and the steps that make a run's configuration smaller (fewer requests,
// fewer faults, a smaller delay distribution). Each caller adds what only
// it can shrink (Shrink: the pinned choices of the run) and its own bound
// on attempts (a checker attempt is a whole search, a simulator attempt
// one run).

// ReduceStep is one way of making a value smaller: Propose lists smaller
// candidates, the most ambitious first.
type ReduceStep[T any] struct {
	Name    string
	Propose func(T) []T
}

// Reduce shrinks start, a value that fails. It tries the candidates of
// each step in order, skipping those size does not rank smaller than the
// current value, and keeps the first that stillFails accepts; stillFails
// returns the value to continue from (say, the candidate re-pinned with
// the decisions its run made), which must also be smaller. After each
// accepted candidate it starts again from the first step; it stops at a
// fixed point, or when stillFails has been called maxAttempts times
// (Exhausted). Stats count the calls; SizeBefore and SizeAfter are size's.
func Reduce[T any](start T, size func(T) int, steps []ReduceStep[T], stillFails func(T) (T, bool), maxAttempts int) (T, ShrinkStats) {
	cur := start
	stats := ShrinkStats{MaxAttempts: maxAttempts, SizeBefore: size(start)}
	for improved := true; improved && !stats.Exhausted; {
		improved = false
		for _, st := range steps {
			for _, next := range st.Propose(cur) {
				if stats.Attempts >= maxAttempts {
					stats.Exhausted = true
					break
				}
				if size(next) >= size(cur) {
					continue
				}
				stats.Attempts++
				if got, ok := stillFails(next); ok && size(got) < size(cur) {
					cur, improved = got, true
					stats.Accepted = append(stats.Accepted, st.Name)
					break
				}
			}
			if improved || stats.Exhausted {
				break
			}
		}
	}
	stats.SizeAfter = size(cur)
	return cur, stats
}

// ConfigRun is what the configuration steps shrink: a run's configuration
// and the inputs the run received (they let a closed loop become a fixed
// workload whose single requests can then be dropped).
type ConfigRun struct {
	Config Config
	Inputs []HistoryInput
}

// ConfigSteps are the configuration steps, in the order both shrinkers
// try them: fewer requests, fewer faults, a smaller delay distribution.
// Every candidate they propose has a smaller ConfigSize.
func ConfigSteps() []ReduceStep[ConfigRun] {
	return []ReduceStep[ConfigRun]{
		{"fewer requests", fewerRequests},
		{"fewer faults", fewerFaults},
		{"smaller delay distribution", smallerDistribution},
	}
}

// ConfigSize measures a configuration: requests, fault clauses and faulty
// nodes, halvings of their durations, and the delay distribution's bound.
func ConfigSize(cfg Config) int {
	n := len(cfg.Workload)
	if cfg.Closed != nil {
		// A closed loop weighs one more than the same requests as fixed
		// inputs, so that turning it into them is a shrink.
		n += cfg.Closed.Requests + cfg.Closed.Clients
	}
	f := cfg.Faults
	for _, o := range f.Omissions {
		n += 1 + len(o.Nodes) + o.Random + bits.Len64(uint64(o.Until))
	}
	n += len(f.Crashes)
	for _, q := range f.Partitions {
		n += 1 + bits.Len64(uint64(q.To-q.From))
	}
	if f.Duplicate != nil {
		n += 1 + bits.Len64(uint64(f.Duplicate.Until))
	}
	if d := cfg.Delay; d != nil {
		switch d.Kind {
		case DelayUniform:
			n += int(min(d.Max, 1_000_000))
		case DelayHold:
			n += int(min(d.Hold, 1_000_000))
		}
	}
	return n
}

func (r ConfigRun) with(cfg Config) ConfigRun { return ConfigRun{Config: cfg, Inputs: r.Inputs} }

func fewerRequests(r ConfigRun) []ConfigRun {
	var out []ConfigRun
	cfg := r.Config
	if cl := cfg.Closed; cl != nil {
		for _, k := range []int{cl.Requests / 2, cl.Requests - 1} {
			if k >= 0 && k < cl.Requests {
				c := cfg
				n := *cl // keeps Values and Repeats
				n.Requests = k
				c.Closed = &n
				out = append(out, r.with(c))
			}
		}
		if cl.Clients > 1 {
			c := cfg
			n := *cl
			n.Clients--
			c.Closed = &n
			out = append(out, r.with(c))
		}
		// The requests the run sent, as a fixed workload at the same
		// times: the same run, but now single requests can be dropped
		// (the failing one need not be the first).
		c := cfg
		c.Closed = nil
		c.Workload = slices.Clone(Workload(r.Inputs))
		c.Workload.Sort()
		out = append(out, r.with(c))
	}
	w := cfg.Workload
	for _, drop := range chunks(len(w)) {
		c := cfg
		c.Workload = make(Workload, 0, len(w))
		for i, e := range w {
			if i < drop[0] || i >= drop[1] {
				c.Workload = append(c.Workload, e)
			}
		}
		out = append(out, r.with(c))
	}
	return out
}

// chunks lists index ranges [lo, hi) to try removing from n items: the
// whole, then halves, then each item alone (delta debugging, coarse first).
func chunks(n int) [][2]int {
	if n == 0 {
		return nil
	}
	out := [][2]int{{0, n}}
	if n > 2 {
		out = append(out, [2]int{0, n / 2}, [2]int{n / 2, n})
	}
	if n > 1 {
		for i := 0; i < n; i++ {
			if r := [2]int{i, i + 1}; !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// fewerFaults proposes the plans with one clause fewer, then the plans
// with one clause weakened (a node fewer, a smaller random count, half the
// duration).
func fewerFaults(r ConfigRun) []ConfigRun {
	var out []ConfigRun
	f := r.Config.Faults
	with := func(g FaultPlan) {
		c := r.Config
		c.Faults = g
		out = append(out, r.with(c))
	}
	for i := range f.Omissions {
		g := f
		g.Omissions = slices.Delete(slices.Clone(f.Omissions), i, i+1)
		with(g)
	}
	for i := range f.Crashes {
		g := f
		g.Crashes = slices.Delete(slices.Clone(f.Crashes), i, i+1)
		with(g)
	}
	for i := range f.Partitions {
		g := f
		g.Partitions = slices.Delete(slices.Clone(f.Partitions), i, i+1)
		with(g)
	}
	if f.Duplicate != nil {
		g := f
		g.Duplicate = nil
		with(g)
	}
	for i, o := range f.Omissions {
		edit := func(o2 Omission) {
			g := f
			g.Omissions = slices.Clone(f.Omissions)
			g.Omissions[i] = o2
			with(g)
		}
		for j := range o.Nodes {
			if len(o.Nodes) > 1 {
				o2 := o
				o2.Nodes = slices.Delete(slices.Clone(o.Nodes), j, j+1)
				edit(o2)
			}
		}
		if o.Random > 1 {
			o2 := o
			o2.Random--
			edit(o2)
		}
		if o.Until > 0 {
			o2 := o
			o2.Until /= 2
			edit(o2)
		}
	}
	for i, q := range f.Partitions {
		if q.To-q.From > 1 {
			g := f
			g.Partitions = slices.Clone(f.Partitions)
			g.Partitions[i].To = q.From + (q.To-q.From)/2
			with(g)
		}
	}
	if d := f.Duplicate; d != nil && d.Until > 0 {
		g := f
		g.Duplicate = &Duplication{P: d.P, Until: d.Until / 2}
		with(g)
	}
	return out
}

func smallerDistribution(r ConfigRun) []ConfigRun {
	d := DefaultDistribution
	if r.Config.Delay != nil {
		d = *r.Config.Delay
	}
	var smaller []Distribution
	switch d.Kind {
	case DelayUniform:
		for _, m := range []int64{1, d.Max / 2, d.Max - 1} {
			if m >= 1 && m < d.Max {
				smaller = append(smaller, Distribution{Kind: DelayUniform, Max: m})
			}
		}
	case DelayHold:
		for _, h := range []int64{2, d.Hold / 2, d.Hold - 1} {
			if h >= 2 && h < d.Hold {
				smaller = append(smaller, Distribution{Kind: DelayHold, P: d.P, Hold: h})
			}
		}
	}
	var out []ConfigRun
	for _, s := range smaller {
		c := r.Config
		c.Delay = &s
		out = append(out, r.with(c))
	}
	return out
}
