package sim

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the exploration driver (`dsim explore`): many seeded
// runs of one program, each checked for invariant violations, unanswered
// requests (fault-free runs only) and work bounds. explore_shrink.go
// shrinks a failing run; explore_repro.go writes and replays reproducers.

// ExploreOptions describe an exploration: Runs runs of the batch the
// embedded Spec describes (run i is Spec.RunConfig(prog, i), with the
// trace off).
type ExploreOptions struct {
	Spec
	Runs int // number of runs (seeds); at least 1
	// Coverage sums the rules' coverage over the runs checked, with the
	// body-level counts (ExploreReport.Coverage; coverage.go,
	// coverage_detail.go).
	Coverage bool
	// Jobs is the number of runs simulated at once (default GOMAXPROCS).
	// The report does not depend on it.
	Jobs int
	// MaxShrinkAttempts bounds the runs the shrinker may try (default
	// DefaultMaxShrinkAttempts); NoShrink keeps the failing run as found.
	MaxShrinkAttempts int
	NoShrink          bool
	// Shard, when sharded, explores only the Index-th of Count contiguous
	// ranges of the Runs runs (indices and seeds stay those of the whole
	// exploration); MergeExploreJSON combines the shards' JSON reports.
	Shard Shard
	// Progress, when non-nil, is called after each batch of runs with the
	// number of runs checked so far, in order.
	Progress func(done, total int)
	// Evaluator ticks every run (see Config.Evaluator); nil: Explore
	// compiles one for all its runs.
	Evaluator *eval.Evaluator
}

// MaxExploreRuns bounds ExploreOptions.Runs.
const MaxExploreRuns = 100_000_000

// MaxExploreJobs bounds the runs simulated at once; Explore lowers a
// larger ExploreOptions.Jobs to it (the report does not depend on Jobs).
const MaxExploreJobs = 1024

// FailureKind says what an exploration found wrong with a run.
type FailureKind uint8

const (
	// FailViolation: an .invariant relation held a fact.
	FailViolation FailureKind = iota + 1
	// FailUnanswered: a fault-free run ended with a request unanswered.
	FailUnanswered
	// FailFinal: a run ended with a fact in a .final relation (sim/final.go).
	FailFinal
)

func (k FailureKind) String() string {
	switch k {
	case FailViolation:
		return "violation"
	case FailUnanswered:
		return "unanswered"
	case FailFinal:
		return "final"
	}
	return "pass"
}

// Failure is what a failing run did wrong: the first violating fact (and
// where and when), or the first request (in history order) that no output
// answered.
type Failure struct {
	Kind FailureKind
	Fact value.Fact // the invariant fact, or the unanswered request
	Node value.Addr // where the fact held, or where the request entered
	Time int64
}

// Expect renders the failure as a reproducer's `# expect:` line records it:
// `violation bad(1)` or `unanswered request(2, 5)`.
func (f *Failure) Expect() string {
	if f == nil {
		return "pass"
	}
	return f.Kind.String() + " " + f.Fact.String()
}

func (f *Failure) String() string {
	if f.Kind == FailViolation {
		return fmt.Sprintf("invariant violated: %s at %s, virtual time %d", f.Fact, f.Node, f.Time)
	}
	if f.Kind == FailFinal {
		return fmt.Sprintf("end-of-run spec violated: %s at %s when the run ended (virtual time %d)", f.Fact, f.Node, f.Time)
	}
	return fmt.Sprintf("request %s (sent to %s at virtual time %d) was never answered in a fault-free run", f.Fact, f.Node, f.Time)
}

// sameAs reports whether g is the same kind of failure as f, which is what
// the shrinker keeps: the same kind, and for a violation or an end-of-run
// spec failure the same relation (the tuple may change as requests go).
func (f *Failure) sameAs(g *Failure) bool {
	if f == nil || g == nil {
		return f == g
	}
	return f.Kind == g.Kind && (f.Kind == FailUnanswered || f.Fact.Rel == g.Fact.Rel)
}

// checkRun classifies a finished run: a failure, inconclusive (a work
// bound was hit; the message names it), or fine.
func checkRun(res *Result, faultFree bool) (fail *Failure, inconclusive string) {
	if res.Stop.Reason == Violation && len(res.Violations) > 0 {
		v := res.Violations[0]
		return &Failure{Kind: FailViolation, Fact: v.Fact, Node: v.Node, Time: v.Time}, ""
	}
	if res.Stop.Bounded() {
		return nil, res.Stop.Message
	}
	if len(res.Final) > 0 {
		v := res.Final[0]
		return &Failure{Kind: FailFinal, Fact: v.Fact, Node: v.Node, Time: v.Time}, ""
	}
	if !faultFree {
		return nil, ""
	}
	answered := map[int64]bool{}
	for _, o := range res.History.Outputs {
		if len(o.Fact.Tuple) > 0 && o.Fact.Tuple[0].K == value.KindInt {
			answered[o.Fact.Tuple[0].I] = true
		}
	}
	for _, in := range res.History.Inputs {
		t := in.Fact.Tuple
		if len(t) > 0 && t[0].K == value.KindInt && !answered[t[0].I] {
			return &Failure{Kind: FailUnanswered, Fact: in.Fact, Node: in.Node, Time: in.Time}, ""
		}
	}
	return nil, ""
}

// RunConfig is the configuration of run i (trace off).
func (o *ExploreOptions) RunConfig(prog *analysis.Program, i int) (Config, error) {
	cfg, err := o.Spec.RunConfig(prog, i)
	cfg.Trace, cfg.Evaluator = TraceOptions{Off: true}, o.Evaluator
	return cfg, err
}

// runOutcome is what one run of an exploration left behind: small, so
// that memory stays flat however many runs there are.
type runOutcome struct {
	err          error
	fail         *Failure
	inconclusive string
	sched        *Schedule // failing runs only: the choices, to shrink from
	inputs       []HistoryInput
	cov          *Coverage // with ExploreOptions.Coverage
}

// ExploreReport is the result of an exploration.
type ExploreReport struct {
	Program      string // the program's file name
	Requested    int    // runs asked for (of this shard, when sharded)
	Runs         int    // runs checked: all, or up to the first failure in seed order
	Inconclusive int    // runs that hit a work bound
	// FirstInconclusive describes the first inconclusive run, if any.
	FirstInconclusive string
	// Failure is the first failing run in seed order (nil: none); its
	// index and seed, and the failing run's schedule as found.
	Failure     *Failure
	FailingRun  int
	FailingSeed uint64
	Found       *Schedule
	// Repro is the shrunk reproducer (or the run as found, with NoShrink).
	Repro *Reproducer
	// Canceled says why an ExploreContext stopped before all runs ("":
	// it did not); Runs counts the runs checked before.
	Canceled string
	// Coverage sums the checked runs' rule coverage (with
	// ExploreOptions.Coverage), in seed order.
	Coverage *Coverage

	// opts are the options explored under (JSON's shard identity).
	opts ExploreOptions
}

// Failures is 1 when a failing run was found, else 0 (exploration stops
// at the first failure).
func (r *ExploreReport) Failures() int {
	if r.Failure != nil {
		return 1
	}
	return 0
}

// Explore runs prog under opts.Runs seeds, Jobs at a time, and reduces
// the outcomes in seed order, so that the report is the same for any
// Jobs. It stops at the first failing seed and shrinks that run (see
// Shrink). Errors are configuration errors (a bad workload, fault plan or
// count), reported for the first run, in seed order, that had one.
func Explore(prog *analysis.Program, opts ExploreOptions) (*ExploreReport, error) {
	return ExploreContext(context.Background(), prog, opts)
}

// ExploreContext is Explore under a context: once ctx is done, no further
// batch of runs starts, and the report says so (Canceled) with the runs
// checked until then; a failure among them is still reported.
func ExploreContext(ctx context.Context, prog *analysis.Program, opts ExploreOptions) (*ExploreReport, error) {
	if opts.Runs < 1 || opts.Runs > MaxExploreRuns {
		return nil, fmt.Errorf("explore: %s %d is out of range (1..%d)", OptRuns, opts.Runs, MaxExploreRuns)
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	// More jobs than runs (or than MaxExploreJobs) would only cost memory:
	// the outcome buffer holds 16 runs per job.
	lo, hi := opts.Shard.Range(opts.Runs)
	jobs = min(jobs, MaxExploreJobs, max(hi-lo, 1))
	if opts.Evaluator == nil {
		ev, err := eval.Compile(prog) // once for all runs
		if err != nil {
			return nil, err
		}
		opts.Evaluator = ev
	}
	rep := &ExploreReport{Program: prog.File.Name, Requested: hi - lo, opts: opts}
	rep.opts.Evaluator, rep.opts.Progress = nil, nil
	faultFree := opts.Faults.IsEmpty()
	batch := max(min(jobs*16, hi-lo), 1)
	outcomes := make([]runOutcome, batch)
	var foundInputs []HistoryInput
	for start := lo; start < hi; start += batch {
		if ctx.Err() != nil {
			rep.Canceled = fmt.Sprintf("canceled after %d of %d runs: %v", rep.Runs, hi-lo, context.Cause(ctx))
			break
		}
		n := min(batch, hi-start)
		runBatch(prog, &opts, start, outcomes[:n], jobs, faultFree)
		for j := 0; j < n; j++ {
			o := &outcomes[j]
			i := start + j
			if o.err != nil {
				return nil, fmt.Errorf("explore: run %d (seed %d): %w", i, RunSeed(opts.Seed, i), o.err)
			}
			rep.Runs++
			if o.cov != nil {
				if rep.Coverage == nil {
					rep.Coverage = &Coverage{Rules: make([]RuleCoverage, len(prog.Rules))}
				}
				rep.Coverage.Merge(o.cov)
			}
			if o.inconclusive != "" {
				rep.Inconclusive++
				if rep.FirstInconclusive == "" {
					rep.FirstInconclusive = fmt.Sprintf("run %d (seed %d): %s", i, RunSeed(opts.Seed, i), o.inconclusive)
				}
			}
			if o.fail != nil {
				rep.Failure, rep.FailingRun, rep.FailingSeed, rep.Found = o.fail, i, RunSeed(opts.Seed, i), o.sched
				foundInputs = o.inputs
				break
			}
		}
		clear(outcomes)
		if opts.Progress != nil {
			opts.Progress(rep.Runs, hi-lo)
		}
		if rep.Failure != nil {
			break
		}
	}
	if rep.Failure == nil {
		return rep, nil
	}
	found := &Reproducer{Failure: rep.Failure, Schedule: rep.Found, Inputs: foundInputs}
	found.Found = fmt.Sprintf("run %d of %d (base seed %d, run seed %d): %s", rep.FailingRun, opts.Runs, opts.Seed, rep.FailingSeed, rep.Failure)
	if opts.NoShrink {
		rep.Repro = found
		return rep, nil
	}
	repro, err := Shrink(prog, rep.Found, rep.Failure, opts.MaxShrinkAttempts)
	if err != nil {
		return nil, err
	}
	rep.Repro = repro
	rep.Repro.Found = fmt.Sprintf("run %d of %d (base seed %d, run seed %d): %s", rep.FailingRun, opts.Runs, opts.Seed, rep.FailingSeed, rep.Failure)
	return rep, nil
}

// runBatch simulates runs start..start+len(out)-1 on jobs goroutines,
// each writing only its own slots of out.
func runBatch(prog *analysis.Program, opts *ExploreOptions, start int, out []runOutcome, jobs int, faultFree bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < min(jobs, len(out)); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1)) - 1
				if j >= len(out) {
					return
				}
				out[j] = exploreOne(prog, opts, start+j, faultFree)
			}
		}()
	}
	wg.Wait()
}

func exploreOne(prog *analysis.Program, opts *ExploreOptions, i int, faultFree bool) runOutcome {
	cfg, err := opts.RunConfig(prog, i)
	if err != nil {
		return runOutcome{err: err}
	}
	cfg.Coverage, cfg.CoverageDetail = opts.Coverage, opts.Coverage
	res, err := Run(prog, cfg)
	if err != nil {
		return runOutcome{err: err}
	}
	fail, inc := checkRun(res, faultFree)
	o := runOutcome{fail: fail, inconclusive: inc, cov: res.Coverage}
	if fail != nil {
		o.sched, o.inputs = res.Schedule, res.History.Inputs
	}
	return o
}
