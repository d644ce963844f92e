package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds the key split of `dsim explore --exhaustive`
// (docs/CHECKING.md, "Why pruning is sound", the key split): when every
// rule keeps to one value of a key column (PlanKeySplit) and the
// workload's inputs carry several key values, every run of the workload is
// a merge of one run per key group (KeySplit.Merge), and the checks of a
// run split the same way: an invariant or end-of-run spec relation is
// keyed, so a merged run violates one exactly when one of its groups' runs
// does, and a fault-free merged run answers a request when the request's
// group's run does (its outputs are the union of theirs). So each group's
// runs are enumerated alone, and the product of their schedules is never
// enumerated: the groups' state counts add up where the unsplit
// enumeration's multiply.
//
// A failing group run is not reported as it is: it is merged with the
// first run of every other group, and the merged run, a run of the whole
// workload, must fail too (an answer of another group could answer the
// request, whose check matches requests to outputs by their first column,
// not by key). It is then the counterexample, shrunk as usual. When it
// does not fail, when a group's run hits a work bound (GroupConfig divides
// the limits among the groups), or when a sleeping node is not at rest
// (EnumerateOptions.RestCheck), the split is refused and the workload is
// enumerated whole, so the split never changes a verdict.

// exploreSplitOff turns the key split of ExploreExhaustive off: the
// unsplit enumeration is the tests' reference.
var exploreSplitOff bool

// splitExploration is what the split enumeration found: the combined
// report, the first failing merged run in search order (nil: none), or
// why the split cannot stand for the whole workload's runs.
type splitExploration struct {
	enum     *EnumerateReport
	fail     *Failure
	found    *Schedule
	foundRun int
	refused  string
}

// groupExploration is one key group's enumeration within one part.
type groupExploration struct {
	rep     *EnumerateReport
	first   *Result // its first run, to merge with another group's failing one
	failing *Result // the first failing run (nil: none)
	refused string
}

// exploreSplit enumerates every part (one per choice of the random faulty
// node, Parts), each key group alone within it, in order, and stops at the
// first part with a failing run.
func exploreSplit(ctx context.Context, prog *analysis.Program, cfg Config, split *KeySplit, eo EnumerateOptions, faultFree bool) (*splitExploration, error) {
	n, err := Parts(prog, cfg)
	if err != nil {
		return nil, err
	}
	out := &splitExploration{}
	var parts []*EnumerateReport
	before := 0
	for i := range n {
		part := i
		if n == 1 {
			part = -1
		}
		pr, groups, err := exploreSplitPart(ctx, prog, cfg, split, eo, faultFree, part)
		if err != nil {
			return nil, err
		}
		parts = append(parts, pr)
		failed := -1
		for g, ge := range groups {
			if ge.refused != "" {
				out.refused = ge.refused
				return out, nil
			}
			if ge.failing != nil && failed < 0 {
				failed = g
			}
		}
		if failed >= 0 {
			if err := out.mergeFailure(ctx, prog, cfg, split, eo, faultFree, part, groups, failed, before); err != nil {
				return nil, err
			}
			if out.refused != "" {
				return out, nil
			}
			break
		}
		before += pr.Runs
		if !pr.Complete {
			break // the bound is reported; later parts would not make a certificate
		}
	}
	out.enum = CombineParts(parts)
	return out, nil
}

// exploreSplitPart enumerates each key group within one part, up to the
// first group with a failing run (or a refusal), and sums their reports:
// states, runs and branches add up, the schedules covered multiply.
func exploreSplitPart(ctx context.Context, prog *analysis.Program, cfg Config, split *KeySplit, eo EnumerateOptions, faultFree bool, part int) (*EnumerateReport, []*groupExploration, error) {
	pr := &EnumerateReport{Complete: true, Covered: 1}
	h := sha256.New()
	var groups []*groupExploration
	for g := range split.Groups {
		ge := &groupExploration{}
		groups = append(groups, ge)
		o := eo
		o.RestCheck = true
		o.Leaf = func(res *Result) (bool, error) {
			if ge.first == nil {
				ge.first = res
			}
			fail, inc := checkRun(res, faultFree)
			switch {
			case inc != "":
				ge.refused = fmt.Sprintf("a run of key group %d hit a work bound: %s", g, inc)
				return true, nil
			case fail != nil:
				ge.failing = res
				return true, nil
			}
			return false, nil
		}
		r, err := EnumeratePart(ctx, prog, split.GroupConfig(cfg, g), o, part)
		if err != nil {
			return nil, nil, err
		}
		ge.rep = r
		if r.NotAtRest != "" {
			ge.refused = r.NotAtRest
		}
		pr.States += r.States
		pr.Runs += r.Runs
		pr.Merged += r.Merged
		pr.Choices += r.Choices
		pr.Covered = satMul(pr.Covered, r.Covered)
		pr.Complete = pr.Complete && r.Complete
		pr.Stopped = pr.Stopped || r.Stopped
		if pr.Bound == "" && r.Bound != "" {
			pr.Bound, pr.Limit = r.Bound, r.Limit
		}
		h.Write([]byte(r.Hash))
		if ge.refused != "" || ge.failing != nil || !r.Complete {
			break
		}
	}
	pr.Hash = hex.EncodeToString(h.Sum(nil))
	return pr, groups, nil
}

// mergeFailure merges group failed's failing run with the first run of
// every other group (enumerating a group not reached yet up to its first
// run) and keeps the merged run as the failure when it fails too; else it
// refuses the split.
func (out *splitExploration) mergeFailure(ctx context.Context, prog *analysis.Program, cfg Config, split *KeySplit, eo EnumerateOptions, faultFree bool, part int, groups []*groupExploration, failed, before int) error {
	reps := make([]*Result, len(split.Groups))
	for g := range split.Groups {
		switch {
		case g == failed:
			reps[g] = groups[g].failing
		case g < len(groups) && groups[g].first != nil:
			reps[g] = groups[g].first
		default:
			o := eo
			o.Leaf = func(res *Result) (bool, error) { reps[g] = res; return true, nil }
			if _, err := EnumeratePart(ctx, prog, split.GroupConfig(cfg, g), o, part); err != nil {
				return err
			}
		}
		if reps[g] == nil || reps[g].Stop.Bounded() {
			out.refused = fmt.Sprintf("key group %d has no run to merge with group %d's failing run", g, failed)
			return nil
		}
	}
	full, err := split.Merge(prog, cfg, part, reps)
	if err != nil {
		return fmt.Errorf("merging key groups' runs: %w", err)
	}
	fail, _ := checkRun(full, faultFree)
	if fail == nil {
		out.refused = fmt.Sprintf("a run of key group %d fails (%s), and its merge with the other groups' runs does not", failed, mustFail(checkRun(reps[failed], faultFree)))
		return nil
	}
	out.fail, out.found = fail, full.Schedule
	out.foundRun = before
	for _, ge := range groups {
		if ge.rep != nil {
			out.foundRun += ge.rep.Runs
		}
	}
	return nil
}

// mustFail renders checkRun's failure (the caller knows there is one).
func mustFail(f *Failure, _ string) string {
	if f == nil {
		return "pass"
	}
	return f.String()
}

// satMul multiplies counts, saturating at 2^64-1.
func satMul(a, b uint64) uint64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ^uint64(0)/b {
		return ^uint64(0)
	}
	return a * b
}
