package checker

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/dsim-project/dsim/semantics/eval"
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

// DefaultSplitCombinations is the default of Options.MaxSplitCombinations.
const DefaultSplitCombinations = 1 << 20

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
func enumerateGroup(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit, part, g int, abandon func() bool) (*groupRuns, error) {
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
		MaxDelay: opts.MaxDelay, MaxStates: opts.ExhaustiveStates, MaxBranches: opts.ExhaustiveBranches, Observable: true, NoMemo: exhaustiveBruteForce,
		RestCheck: !splitNoRestCheck, Abandon: abandon, Leaf: leaf}, part)
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

// runSplitPart enumerates every key group within one part, then merges
// and explains one run per combination of the groups' histories.
func runSplitPart(ctx context.Context, m *refinementMap, opts Options, cfg sim.Config, split *sim.KeySplit, part int, abandon func() bool) *partOutcome {
	o := &partOutcome{exp: &partExplainer{m: m, opts: opts, cfg: cfg, explained: map[sim.Fingerprint]bool{}, hist: sha256.New()}}
	o.rec = partRecord{Part: max(part, 0), Complete: true, Covered: 1}
	defer o.fill()
	groups, enumHash := []*groupRuns{}, sha256.New()
	combos := 1
	for g := range split.Groups {
		gr, err := enumerateGroup(ctx, m, opts, cfg, split, part, g, abandon)
		if err != nil {
			o.err = err
			return o
		}
		groups = append(groups, gr)
		r := gr.rep
		o.rec.States += r.States
		o.rec.Runs += r.Runs
		o.rec.Merged += r.Merged
		o.rec.Covered = satMul(o.rec.Covered, r.Covered)
		enumHash.Write([]byte(r.Hash))
		o.rec.EnumHash = hex.EncodeToString(enumHash.Sum(nil))
		if gr.refused != "" {
			o.refused = gr.refused
			return o
		}
		if gr.violating != nil {
			o.rec.Complete = false
			violationMerge(m, cfg, split, part, o, groups, g, opts, ctx)
			return o
		}
		if !r.Complete {
			o.rec.Complete, o.rec.Bound, o.limit = false, r.Bound, r.Limit
			return o // the bound is reported; nothing is merged
		}
		n := max(len(gr.runs), 1)
		if limit := cmp.Or(opts.MaxSplitCombinations, DefaultSplitCombinations); combos > limit/n {
			o.rec.Complete, o.rec.Bound, o.limit = false, fmt.Sprintf("max-split-combinations: more than %d combinations of the key groups' histories in one part (%s)", limit, sim.BoundSplitCombinations.Raise()), sim.BoundSplitCombinations
			return o
		}
		combos *= n
	}
	mcfg := cfg
	mcfg.Trace.Off = false // the search's guides read the trace
	if mcfg.Evaluator == nil {
		// One compiled program for the part's merged runs (a part runs on
		// one goroutine).
		ev, err := eval.Compile(m.rew)
		if err != nil {
			o.err = err
			return o
		}
		mcfg.Evaluator = ev
	}
	idx := make([]int, len(groups))
	reps := make([]*sim.Result, len(groups))
	for {
		for g, gr := range groups {
			reps[g] = gr.runs[idx[g]]
		}
		full, err := split.Merge(m.rew, mcfg, part, reps)
		if err != nil {
			o.err = fmt.Errorf("merging key groups' runs: %w", err)
			return o
		}
		o.rec.MergedRuns++
		o.exp.runs++
		k := obligationKey(m, full)
		if _, ok := o.exp.explained[k]; !ok {
			stop, err := o.exp.explain(k, full)
			if err != nil {
				o.err = err
				return o
			}
			if stop {
				return o
			}
		}
		if err := ctx.Err(); err != nil {
			o.rec.Complete, o.rec.Bound, o.limit = false, "canceled: "+context.Cause(ctx).Error(), sim.BoundCanceled
			return o
		}
		if abandon != nil && abandon() {
			o.rec.Complete, o.rec.Bound = false, "abandoned: an earlier part stopped the enumeration"
			return o
		}
		// Next combination (an odometer, the last group fastest).
		g := len(idx) - 1
		for ; g >= 0; g-- {
			idx[g]++
			if idx[g] < len(groups[g].runs) {
				break
			}
			idx[g] = 0
		}
		if g < 0 {
			return o
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
func violationMerge(m *refinementMap, cfg sim.Config, split *sim.KeySplit, part int, o *partOutcome, groups []*groupRuns, g int, opts Options, ctx context.Context) {
	reps := make([]*sim.Result, len(split.Groups))
	reps[g] = groups[g].violating
	for other := range split.Groups {
		if other == g {
			continue
		}
		if other < g && len(groups[other].runs) > 0 {
			reps[other] = groups[other].runs[0]
			continue
		}
		first := func(res *sim.Result) (bool, error) { reps[other] = res; return true, nil }
		if _, err := sim.EnumeratePart(ctx, m.rew, split.GroupConfig(cfg, other), sim.EnumerateOptions{MaxDelay: opts.MaxDelay, Leaf: first}, part); err != nil {
			o.err = err
			return
		}
		if reps[other] == nil {
			o.refused = fmt.Sprintf("key group %d has no run to merge with group %d's violation", other, g)
			return
		}
	}
	mcfg := cfg
	mcfg.Trace.Off = false
	full, err := split.Merge(m.rew, mcfg, part, reps)
	if err != nil {
		o.err = fmt.Errorf("merging key groups' runs: %w", err)
		return
	}
	o.rec.MergedRuns++
	o.exp.runs++
	if _, err := o.exp.explain(obligationKey(m, full), full); err != nil {
		o.err = err
		return
	}
	if o.exp.cx == nil {
		o.refused = fmt.Sprintf("a run of key group %d violates %s, and the merged run is explained", g, reps[g].Violations[0].Fact)
	}
}
