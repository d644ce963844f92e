package checker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dsim-project/dsim/sim"
)

// This file holds the key split of the exhaustive check (docs/CHECKING.md,
// "Why pruning is sound", step 4): when the rewrite keeps every rule to
// one value of a key column (sim.PlanKeySplit) and the workload's inputs
// carry several key values, each key group's runs are enumerated alone,
// and the rewrite's runs of the whole workload are rebuilt by merging one
// run per group for every combination of the groups' distinct observable
// histories (sim.KeySplit.Merge, which checks each merge). Each merged run
// is explained by the original like an enumerated one.

// exhaustiveNoSplit turns the key split off (the tests' reference);
// splitNoRestCheck drops its dynamic check (to show a test needs it).
var exhaustiveNoSplit, splitNoRestCheck bool

// maxSplitCombinations bounds the merged runs of one part.
const maxSplitCombinations = 1 << 20

// groupRuns is what one key group's enumeration within one part found:
// one run per distinct observable history, in search order.
type groupRuns struct {
	rep  *sim.EnumerateReport
	runs []*sim.Result
	// violating is the first run that violated an invariant (the
	// enumeration stopped there); nil if none did.
	violating *sim.Result
	// refused says why the split cannot stand for this group's runs ("":
	// it can).
	refused string
}

// enumerateGroup enumerates the runs of group g within part.
func enumerateGroup(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit, part, g int) (*groupRuns, error) {
	gr := &groupRuns{}
	seen := map[sim.Fingerprint]bool{}
	leaf := func(res *sim.Result) (bool, error) {
		if res.Stop.Reason == sim.Violation && len(res.Violations) > 0 {
			gr.violating = res
			return true, nil
		}
		if res.Stop.Reason != sim.Quiescent || len(res.Violations) > 0 {
			gr.refused = fmt.Sprintf("a run of key group %d ended %s, not quiescent", g, res.Stop.Reason)
			return true, nil
		}
		k := groupHistoryKey(res)
		if !seen[k] {
			seen[k] = true
			gr.runs = append(gr.runs, res)
		}
		return false, nil
	}
	rep, err := sim.EnumeratePart(ctx, m.rew, split.GroupConfig(cfg, g), sim.EnumerateOptions{
		MaxDelay: opts.MaxDelay, MaxStates: opts.ExhaustiveStates, Observable: true, NoMemo: exhaustiveBruteForce,
		RestCheck: !splitNoRestCheck, Leaf: leaf}, part)
	if err != nil {
		return nil, fmt.Errorf("enumerating the rewritten program's runs of key group %d: %w", g, err)
	}
	gr.rep = rep
	if rep.NotAtRest != "" {
		gr.refused = rep.NotAtRest
	}
	return gr, nil
}

// groupHistoryKey digests what a group's run contributes to a merged run's
// obligation: each distinct output with its first arrival, and when it
// ended (obligationKey reads no more of it).
func groupHistoryKey(res *sim.Result) sim.Fingerprint {
	var parts []string
	seen := map[string]bool{}
	for _, o := range res.History.Outputs {
		k := o.Fact.String()
		if !seen[k] {
			seen[k] = true
			parts = append(parts, k+" @"+strconv.FormatInt(o.Time, 10))
		}
	}
	slices.Sort(parts)
	parts = append(parts, "end @"+strconv.FormatInt(res.Time, 10))
	return sim.FingerprintStrings(parts)
}

// splitPart is one part's share of a split check.
type splitPart struct {
	groups  []*groupRuns
	exp     *partExplainer
	merges  int
	refused string
	bound   string
	err     error
}

// enumerateSplit is enumerateAndExplain with the key split. refused is
// non-empty (and the rest nil) when some group's runs showed the split
// does not apply; the caller then enumerates without it.
func enumerateSplit(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit) (cert *Certificate, cx, unk *RunReport, refused string, err error) {
	n, err := sim.Parts(m.rew, cfg)
	if err != nil {
		return nil, nil, nil, "", err
	}
	sopts := opts
	sopts.ctx = ctx
	parts := make([]*splitPart, n)
	var stopAt atomic.Int64
	stopAt.Store(int64(n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(max(opts.Jobs, 1), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if int64(i) > stopAt.Load() {
					continue
				}
				part := i
				if n == 1 {
					part = -1
				}
				sp := runSplitPart(ctx, m, sopts, cfg, split, part)
				parts[i] = sp
				if sp.err != nil || sp.refused != "" || sp.exp.cx != nil || sp.bound != "" {
					for {
						cur := stopAt.Load()
						if int64(i) >= cur || stopAt.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	last := int(min(stopAt.Load(), int64(n-1)))
	for i := 0; i <= last; i++ {
		if parts[i].err != nil {
			return nil, nil, nil, "", parts[i].err
		}
		if parts[i].refused != "" {
			return nil, nil, nil, parts[i].refused, nil
		}
	}
	cert = &Certificate{MaxDelay: opts.MaxDelay, Faults: opts.Faults, Seed: cfg.Seed, Inputs: len(cfg.Workload), MaxTime: cfg.Limits.MaxTime,
		Parts: n, Groups: len(split.Groups), Split: strings.Join(split.Columns, ", ")}
	cert.Complete = last == n-1
	h := sha256.New()
	for i := 0; i <= last; i++ {
		sp := parts[i]
		covered := uint64(1)
		for _, g := range sp.groups {
			cert.States += g.rep.States
			cert.Runs += g.rep.Runs
			cert.Merged += g.rep.Merged
			covered = satMul(covered, g.rep.Covered)
			cert.Complete = cert.Complete && g.rep.Complete
			if cert.Bound == "" && g.rep.Bound != "" {
				cert.Bound = g.rep.Bound
			}
			h.Write([]byte(g.rep.Hash))
		}
		if cert.Bound == "" && sp.bound != "" {
			cert.Bound, cert.Complete = sp.bound, false
		}
		cert.Schedules = satAdd64(cert.Schedules, covered)
		cert.MergedRuns += sp.merges
		p := sp.exp
		cert.Histories += p.histories
		cert.Searches += p.searches
		cert.OriginalStates += p.originalStates
		cert.Undecided += p.undecided
		cert.addObligations(p.explained)
		h.Write(p.hist.Sum(nil))
		if cx == nil && p.cx != nil {
			cx = p.cx
		}
		if unk == nil && p.unk != nil {
			unk = p.unk
		}
	}
	if cx != nil {
		cert.Complete = false
	}
	if cert.Bound != "" && unk == nil && cx == nil {
		unk = &RunReport{Verdict: Unknown, Bound: "the enumeration of the rewrite stopped: " + cert.Bound, Faults: opts.Faults}
	}
	h.Write([]byte(strconv.Itoa(cert.Histories)))
	h.Write([]byte(strconv.FormatUint(cert.Schedules, 10)))
	cert.Hash = hex.EncodeToString(h.Sum(nil))
	return cert, cx, unk, "", nil
}

// runSplitPart enumerates every key group within one part, then merges
// and explains one run per combination of the groups' histories.
func runSplitPart(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit, part int) *splitPart {
	sp := &splitPart{exp: &partExplainer{m: m, opts: opts, cfg: cfg, explained: map[sim.Fingerprint]bool{}, hist: sha256.New()}}
	combos := 1
	for g := range split.Groups {
		gr, err := enumerateGroup(ctx, m, opts, cfg, split, part, g)
		if err != nil {
			sp.err = err
			return sp
		}
		sp.groups = append(sp.groups, gr)
		if gr.refused != "" {
			sp.refused = gr.refused
			return sp
		}
		if gr.violating != nil {
			violationMerge(ctx, m, opts, cfg, split, part, sp, g)
			return sp
		}
		if !gr.rep.Complete {
			return sp // the bound is reported; nothing is merged
		}
		combos *= max(len(gr.runs), 1)
		if combos > maxSplitCombinations {
			sp.bound = fmt.Sprintf("more than %d combinations of the key groups' histories in one part", maxSplitCombinations)
			return sp
		}
	}
	mcfg := cfg
	mcfg.Trace.Off = false // the search's guides read the trace
	idx := make([]int, len(sp.groups))
	reps := make([]*sim.Result, len(sp.groups))
	for {
		for g, gr := range sp.groups {
			reps[g] = gr.runs[idx[g]]
		}
		full, err := split.Merge(m.rew, mcfg, part, reps)
		if err != nil {
			sp.err = fmt.Errorf("merging key groups' runs: %w", err)
			return sp
		}
		sp.merges++
		sp.exp.runs++
		k := obligationKey(m, full)
		if _, ok := sp.exp.explained[k]; !ok {
			stop, err := sp.exp.explain(k, full)
			if err != nil {
				sp.err = err
				return sp
			}
			if stop {
				return sp
			}
		}
		if err := ctx.Err(); err != nil {
			sp.bound = "canceled: " + context.Cause(ctx).Error()
			return sp
		}
		// Next combination (an odometer, the last group fastest).
		g := len(idx) - 1
		for ; g >= 0; g-- {
			idx[g]++
			if idx[g] < len(sp.groups[g].runs) {
				break
			}
			idx[g] = 0
		}
		if g < 0 {
			return sp
		}
	}
}

func satMul(a, b uint64) uint64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ^uint64(0)/b {
		return ^uint64(0)
	}
	return a * b
}

func satAdd64(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// violationMerge handles group g's run that violates an invariant: merged
// with one run of every other group it is a run of the whole workload that
// violates it too (the merge checks so), and is explained or not like any
// other. Unexplained, it is the counterexample; explained, the split is
// refused (the groups' runs after a violation are not enumerated, so the
// merges would not stand for every run).
func violationMerge(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit, part int, sp *splitPart, g int) {
	reps := make([]*sim.Result, len(split.Groups))
	reps[g] = sp.groups[g].violating
	for o := range split.Groups {
		if o == g {
			continue
		}
		if o < g && len(sp.groups[o].runs) > 0 {
			reps[o] = sp.groups[o].runs[0]
			continue
		}
		first := func(res *sim.Result) (bool, error) { reps[o] = res; return true, nil }
		if _, err := sim.EnumeratePart(ctx, m.rew, split.GroupConfig(cfg, o), sim.EnumerateOptions{MaxDelay: opts.MaxDelay, Leaf: first}, part); err != nil {
			sp.err = err
			return
		}
		if reps[o] == nil {
			sp.refused = fmt.Sprintf("key group %d has no run to merge with group %d's violation", o, g)
			return
		}
	}
	mcfg := cfg
	mcfg.Trace.Off = false
	full, err := split.Merge(m.rew, mcfg, part, reps)
	if err != nil {
		sp.err = fmt.Errorf("merging key groups' runs: %w", err)
		return
	}
	sp.merges++
	sp.exp.runs++
	if _, err := sp.exp.explain(obligationKey(m, full), full); err != nil {
		sp.err = err
		return
	}
	if sp.exp.cx == nil {
		sp.refused = fmt.Sprintf("a run of key group %d violates %s, and the merged run is explained", g, reps[g].Violations[0].Fact)
	}
}
