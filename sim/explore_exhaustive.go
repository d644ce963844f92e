package sim

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds `dsim explore --exhaustive`: bounded model checking of
// the asynchronous model. Instead of seeded runs, every run of one
// workload within the bounds (Enumerate) is checked as a seeded run is
// (checkRun: invariants, end-of-run specs, and for a fault-free plan
// unanswered requests), each key group's runs alone when the key split
// applies (explore_exhaustive_split.go). The first failing run in search
// order is shrunk into the usual reproducer; otherwise the report is a
// certificate.

// ExhaustiveOptions bound ExploreExhaustive.
type ExhaustiveOptions struct {
	MaxDelay  int64 // delays 1..MaxDelay per message (default 3)
	MaxStates int   // distinct states (default DefaultEnumerateStates)
	// MaxBranches bounds the enumeration's branches (default
	// DefaultEnumerateBranches; EnumerateOptions.MaxBranches).
	MaxBranches int
}

// ExhaustiveReport is what ExploreExhaustive found.
type ExhaustiveReport struct {
	MaxDelay int64
	Faults   FaultPlan
	Inputs   int // inputs of the workload
	Seed     uint64
	MaxTime  int64
	// Enumeration says what was covered.
	Enumeration *EnumerateReport
	// Inconclusive counts the runs that hit a work bound (FirstInconclusive
	// describes the first): the verdict is then not a certificate.
	Inconclusive      int
	FirstInconclusive string
	// Failure is the first failing run in search order (nil: none), Found
	// its schedule and FoundRun its number among the runs executed;
	// Repro its shrunk reproducer (or the run as found, with NoShrink).
	Failure  *Failure
	Found    *Schedule
	FoundRun int
	Repro    *Reproducer
	// Groups is the number of key groups the enumeration was split into
	// (explore_exhaustive_split.go; 0: not split), Split their key
	// columns, and SplitRefused why the split did not apply ("" when it
	// did).
	Groups       int
	Split        string
	SplitRefused string
}

// Certified says whether every run within the bounds passed.
func (r *ExhaustiveReport) Certified() bool {
	return r.Failure == nil && r.Inconclusive == 0 && r.Enumeration.Complete
}

// Bound says why the report is not a certificate ("" when it is one or a
// run failed).
func (r *ExhaustiveReport) Bound() string {
	switch {
	case r.Failure != nil:
		return ""
	case r.Enumeration.Bound != "":
		return r.Enumeration.Bound
	case r.Inconclusive > 0:
		return fmt.Sprintf("%d runs hit a work bound; the first: %s", r.Inconclusive, r.FirstInconclusive)
	}
	return ""
}

// ExploreExhaustive checks every run of prog within the bounds over the
// workload of run 0 of opts (its Workload plus its Open inputs; closed
// loop clients are refused: they draw their requests). opts.Runs and
// Jobs do not apply.
func ExploreExhaustive(ctx context.Context, prog *analysis.Program, opts ExploreOptions, eo ExhaustiveOptions) (*ExhaustiveReport, error) {
	if opts.Closed > 0 {
		return nil, fmt.Errorf("explore: an exhaustive exploration needs an open-loop workload (closed-loop clients draw their requests)")
	}
	if eo.MaxDelay <= 0 {
		eo.MaxDelay = 3
	}
	cfg, err := opts.RunConfig(prog, 0)
	if err != nil {
		return nil, err
	}
	faultFree := opts.Faults.IsEmpty()
	rep := &ExhaustiveReport{MaxDelay: eo.MaxDelay, Faults: opts.Faults, Inputs: len(cfg.Workload), Seed: cfg.Seed, MaxTime: cfg.Limits.WithDefaults().MaxTime}
	type partState struct {
		runs, inconclusive int
		firstInc           string
		fail               *Failure
		found              *Schedule
		foundRun           int
	}
	var mu sync.Mutex
	var states []*partState
	newLeaf := func(i int) func(*Result) (bool, error) {
		ps := &partState{}
		mu.Lock()
		for len(states) <= i {
			states = append(states, nil)
		}
		states[i] = ps
		mu.Unlock()
		return func(res *Result) (bool, error) {
			ps.runs++
			fail, inc := checkRun(res, faultFree)
			if inc != "" {
				ps.inconclusive++
				if ps.firstInc == "" {
					ps.firstInc = fmt.Sprintf("run %d of part %d: %s", ps.runs, i, inc)
				}
			}
			if fail != nil {
				ps.fail, ps.found, ps.foundRun = fail, res.Schedule, ps.runs
				return true, nil
			}
			return false, nil
		}
	}
	// A fault-free run fails when a request goes unanswered: its outputs
	// then decide the verdict, so they join the memo key.
	enumOpts := EnumerateOptions{MaxDelay: eo.MaxDelay, MaxStates: eo.MaxStates, MaxBranches: eo.MaxBranches, Observable: faultFree}
	split, why := (*KeySplit)(nil), "off"
	if !exploreSplitOff {
		split, why = PlanKeySplit(prog, cfg)
	}
	rep.SplitRefused = why
	if split != nil {
		se, err := exploreSplit(ctx, prog, cfg, split, enumOpts, faultFree)
		if err != nil {
			return nil, fmt.Errorf("explore: %w", err)
		}
		if se.refused == "" {
			rep.Enumeration, rep.Groups, rep.Split, rep.SplitRefused = se.enum, len(split.Groups), strings.Join(split.Columns, ", "), ""
			rep.Failure, rep.Found, rep.FoundRun = se.fail, se.found, se.foundRun
		} else {
			rep.SplitRefused = se.refused
		}
	}
	if rep.Enumeration == nil {
		reps, err := EnumerateParts(ctx, prog, cfg, enumOpts, PartsOptions{Jobs: cmpOr(opts.Jobs, runtime.GOMAXPROCS(0)), Leaf: newLeaf})
		if err != nil {
			return nil, fmt.Errorf("explore: %w", err)
		}
		rep.Enumeration = CombineParts(reps)
		before := 0
		for i := range reps {
			ps := states[i]
			rep.Inconclusive += ps.inconclusive
			if rep.FirstInconclusive == "" {
				rep.FirstInconclusive = ps.firstInc
			}
			if rep.Failure == nil && ps.fail != nil {
				rep.Failure, rep.Found, rep.FoundRun = ps.fail, ps.found, before+ps.foundRun
			}
			before += ps.runs
		}
	}
	if rep.Failure == nil {
		return rep, nil
	}
	found := fmt.Sprintf("exhaustive enumeration (delays 1..%d), run %d in search order: %s", eo.MaxDelay, rep.FoundRun, rep.Failure)
	if opts.NoShrink {
		rep.Repro = &Reproducer{Failure: rep.Failure, Schedule: rep.Found, Found: found}
		if r, err := Replay(prog, rep.Found); err == nil {
			rep.Repro.Inputs = r.History.Inputs
		}
		return rep, nil
	}
	repro, err := Shrink(prog, rep.Found, rep.Failure, opts.MaxShrinkAttempts)
	if err != nil {
		return nil, err
	}
	repro.Found = found
	rep.Repro = repro
	return rep, nil
}

// Text renders the report as `dsim explore --exhaustive` prints it (the
// synchronous model's certificate, SyncReport.Text, has the same shape).
func (r *ExhaustiveReport) Text() string {
	var b strings.Builder
	e := r.Enumeration
	fmt.Fprintf(&b, "asynchronous model, exhaustive: delays 1..%d per message, faults: %s, workload: %d inputs (seed %d), horizon %d\n",
		r.MaxDelay, r.Faults, r.Inputs, r.Seed, r.MaxTime)
	switch {
	case r.Failure != nil:
		fmt.Fprintf(&b, "COUNTEREXAMPLE: %s (run %d in search order)\n", r.Failure, r.FoundRun)
	case r.Certified():
		what := "violates an invariant or an end-of-run spec"
		if r.Faults.IsEmpty() {
			what += ", or leaves a request unanswered,"
		}
		fmt.Fprintf(&b, "CERTIFIED: no run %s within these bounds\n", what)
	default:
		fmt.Fprintf(&b, "UNKNOWN: %s\n", r.Bound())
	}
	if r.Groups > 0 {
		fmt.Fprintf(&b, "key split: %d groups by %s, each group's runs enumerated alone (every run of the workload is a merge of one run per group)\n", r.Groups, r.Split)
	}
	fmt.Fprintf(&b, "searched: %d runs executed, %d distinct states (%d branches merged), %d choices branched on\n",
		e.Runs, e.States, e.Merged, e.Choices)
	if r.Certified() {
		cov := strconv.FormatUint(e.Covered, 10)
		if e.Covered == ^uint64(0) {
			cov = "at least " + cov
		}
		fmt.Fprintf(&b, "covered: %s runs of the model (every delay, every loss the fault plan allows, every choose()/index() choice)\n", cov)
		fmt.Fprintf(&b, "certificate: sha256 %s (collision bound %.1e)\n", e.Hash, CollisionBound(e.States))
	}
	return b.String()
}

func cmpOr(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}
