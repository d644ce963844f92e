// Package checker decides whether a rewritten Dedalus program refines its
// original (docs/ARCHITECTURE.md, docs/CHECKING.md): for each of N seeded runs of the
// rewritten program it searches for a run of the original with the same
// inputs at the same times that emits every output fact the rewrite
// delivered no later than the rewrite delivered it, and no output fact the
// rewrite never delivered, using only the faults the rewrite suffered
// (mapped back through `refines`). Verdicts: Equivalent (with a
// replayable witness schedule of the original for every run),
// NotEquivalent (a run nothing explains, found by a search that was
// exhaustive within its bounds; shrunk), Violated (a run of the rewrite
// violated one of its invariants and no run of the original violating the
// same-named one was found before a bound stopped the search: a safety
// failure of the rewrite, not an equivalence claim), or Unknown (a bound
// was hit).
//
// Files: check.go (Options, Check), run.go (one run), target.go and
// mapping.go (what the original must match), search.go (the memoised
// depth-first search, resuming branches from snapshots), escalate.go (the
// sparse and escalated passes), witness.go (replaying a witness), shard.go
// and merge.go (sharded checks and their merge), report.go and offense.go
// (reports), shrink.go, regress.go, history.go (recorded histories).
package checker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// Verdict is the answer, per run and overall.
type Verdict uint8

const (
	// Equivalent: every run was explained by a verified witness.
	Equivalent Verdict = iota
	// NotEquivalent: some run is explained by no run of the original
	// within the search bounds.
	NotEquivalent
	// Unknown: a bound or time limit was hit before an answer.
	Unknown
	// Violated: a run of the rewrite stopped on a violation of one of its
	// invariants, and the search for a run of the original violating the
	// same-named invariant by then found none before a bound stopped it
	// (RunReport.Bound names it). It is no claim that the programs differ
	// (that needs the exhaustive search NotEquivalent stands on): it is a
	// safety failure of the rewrite under the check's setup, with a
	// replayable trace, and it fails the check as NotEquivalent does.
	// Appended last so that the numbering of the others stays put.
	Violated
)

var verdictNames = [...]string{"Equivalent", "NotEquivalent", "Unknown", "Violated"}

func (v Verdict) String() string { return verdictNames[v] }

// Failed reports whether v fails a check: NotEquivalent or Violated.
func (v Verdict) Failed() bool { return v == NotEquivalent || v == Violated }

// rank orders the verdicts for a check's overall one: the report takes
// its runs' highest. NotEquivalent (a proof within the bounds) outranks
// Violated (a safety failure without one), which outranks Unknown: a run
// that broke the rewrite's own invariant fails the check whatever other
// runs could not decide (docs/CHECKING.md, "Verdicts").
func (v Verdict) rank() int {
	switch v {
	case NotEquivalent:
		return 3
	case Violated:
		return 2
	case Unknown:
		return 1
	}
	return 0
}

// worst is the higher-ranked of a and b.
func worst(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// MarshalText renders the verdict's name (used by JSON).
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Options configure a check. The zero value is valid: defaults apply.
// The embedded sim.Spec describes the rewritten program's runs: run i is
// Spec.RunConfig(rewritten, i), so its seed is Seed+i (sim.RunSeed).
// When the spec generates no inputs and has no fixed Workload, each run
// gets DefaultRequests open-loop inputs; a negative Open gives none. The
// spec's Limits.MaxTime (default DefaultMaxTime, not sim's) is also the
// horizon of the original's runs; instance counts (Counts) are not
// supported, since the two programs' components differ.
type Options struct {
	sim.Spec
	Runs int // runs of the rewritten program (default 20)

	// Search bounds for the original's runs; hitting one makes the run's
	// verdict Unknown.
	MaxStates int   // distinct states per run (default 20000)
	MaxDepth  int   // choices in one run of the original (default 20000)
	MaxDelay  int64 // largest delay explored (default: the distribution's largest, at least 3)
	// MaxEscalatedDelay caps the delays of the escalated search that runs
	// before a run is declared NotEquivalent (0: up to the rewritten run's
	// last observed time + 1; negative: no escalation, NotEquivalent is
	// then only "within 1..MaxDelay").
	MaxEscalatedDelay int64
	Timeout           time.Duration // wall-clock limit per run (0: none)
	// ShrinkTimeout bounds the wall time one shrink may spend re-checking
	// candidates (0: ten times Timeout when Timeout is set, else only the
	// attempt bound). Each candidate is a full check, so without it a shrink
	// costs up to its attempt bound times the per-run budget; a shrink that
	// stops here keeps the smallest failing run found so far and says so.
	ShrinkTimeout time.Duration

	// HistoryOpen (CheckHistory only): the recording stopped with
	// requests in flight, so outputs after the history's last event are
	// not compared (as for a rewritten run stopped at its time horizon).
	HistoryOpen bool

	// Shard, when Count > 1, checks only the Index-th of Count contiguous
	// ranges of the runs (run indices and seeds stay those of the whole
	// check); MergeJSON combines the shards' JSON reports.
	Shard Shard

	// NoResume re-executes every branch of the search from time 0 without
	// snapshots or the tick cache: the reference search, which must give
	// the same verdicts and state counts (tests compare the two).
	NoResume bool

	// NoMustEmit disables the must-emit shortcut (docs/CHECKING.md,
	// "Proving an output absent"): a fault-free, quiescent rewritten run
	// that lacks an output the original emits in its eager run, where the
	// rules that can derive that output are monotone, is NotEquivalent
	// without the search. Tests compare the verdicts with and without it.
	NoMustEmit bool

	// NoMayDerive disables the may-derive shortcut (docs/CHECKING.md,
	// "Proving an output impossible"): an output of the rewritten run
	// outside the original's may-derive abstraction makes the run
	// NotEquivalent without the search. Tests compare the verdicts with
	// and without it.
	NoMayDerive bool

	// NoDeadBranches turns dead-branch pruning off (docs/CHECKING.md,
	// "The search", step 3): the search then tries every alternative of
	// a message even when none of its remaining ones can change how the
	// subtree it just exhausted failed. Tests compare the verdicts with
	// and without it.
	NoDeadBranches bool
	// NoTickGuide leaves the in-tick response guide (docs/CHECKING.md,
	// "The search", step 2; tickguide.go) out of the guided runs, for
	// tests that show which runs it explains.
	NoTickGuide bool

	// Exhaustive checks every run of the rewrite within the bounds
	// (delays 1..MaxDelay, every loss the fault plan allows, every
	// choose()/index() choice) over the workload of run 0 (seed Seed),
	// instead of Runs seeded runs; the report carries a Certificate
	// (docs/CHECKING.md, "Exhaustive checking"). The original is then
	// searched within the same delays (no escalation unless
	// MaxEscalatedDelay > 0). ExhaustiveStates bounds the rewrite's
	// distinct states (default sim.DefaultEnumerateStates).
	Exhaustive       bool
	ExhaustiveStates int
	// MaxSplitCombinations bounds the merged runs of one part of the
	// exhaustive check's key split: the product of the key groups'
	// numbers of distinct histories (0: DefaultSplitCombinations). A
	// part over it stops the check Unknown, with
	// sim.BoundSplitCombinations.
	MaxSplitCombinations int
	// ExhaustiveBranches bounds the enumeration's branches, counted
	// whether or not they reach a new state (sim.EnumerateOptions.
	// MaxBranches; 0: sim.DefaultEnumerateBranches).
	ExhaustiveBranches int

	// MinCoverage (percent, 0: none) turns an Equivalent in which fewer of
	// the rewrite's rules fired into Unknown, saying which never fired.
	MinCoverage float64
	// OriginalCoverage also counts the original's rules over the witness
	// runs (each witness is replayed once more), and both programs'
	// body-level counts (sim.Config.CoverageDetail): `dsim check --coverage`.
	OriginalCoverage bool

	Jobs     int  // runs checked in parallel (default 1); results do not depend on it
	NoShrink bool // report counterexamples as found
	// Progress, if set, is called after each run with the number done.
	Progress func(done, total int)

	// ctx is CheckContext's context, carried with the options to every
	// search (nil: never canceled).
	ctx context.Context
}

// Defaults.
const (
	DefaultRuns      = 20
	DefaultRequests  = 3
	DefaultMaxTime   = 2000
	DefaultMaxStates = 20000
	DefaultMaxDepth  = 20000
)

func (o Options) withDefaults() Options {
	if o.Runs <= 0 {
		o.Runs = DefaultRuns
	}
	if o.Open < 0 {
		o.Open = 0
	} else if o.Open == 0 && o.Closed <= 0 && len(o.Workload) == 0 {
		o.Open = DefaultRequests
	}
	if o.Clients <= 0 {
		o.Clients = 1
	}
	if o.Limits.MaxTime <= 0 {
		o.Limits.MaxTime = DefaultMaxTime
	}
	if o.MaxStates <= 0 {
		o.MaxStates = DefaultMaxStates
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.Delay == nil {
		d := sim.DefaultDistribution
		o.Delay = &d
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = max(3, largestDelay(*o.Delay))
	}
	if o.Jobs <= 0 {
		o.Jobs = 1
	}
	if o.Shard.Count <= 1 || o.Shard.Index < 0 || o.Shard.Index >= o.Shard.Count {
		o.Shard = Shard{}
	}
	if referenceSearch {
		o.NoResume = true
	}
	return o
}

// referenceSearch forces Options.NoResume; `go test ./checker -noresume`
// sets it, so that the whole suite runs the reference search.
var referenceSearch bool

// Check runs the rewritten program Options.Runs times and searches, for
// each run, for a run of the original that explains it. An error means the
// programs cannot be compared (no refinement map, inputs the original does
// not accept, a failing tick); a verdict is never an error.
func Check(original, rewritten *analysis.Program, opts Options) (*Report, error) {
	return CheckContext(context.Background(), original, rewritten, opts)
}

// CheckContext is Check under a context: once ctx is done, every search
// still running (and every later run's) ends at its next virtual time,
// and those runs are Unknown, their bound naming the context's cause.
// Runs already decided keep their verdicts.
func CheckContext(ctx context.Context, original, rewritten *analysis.Program, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	opts.ctx = ctx
	if len(opts.Counts) > 0 {
		return nil, fmt.Errorf("instance counts are not supported by the checker: give them in the programs")
	}
	m, err := newRefinementMap(original, rewritten)
	if err != nil {
		return nil, err
	}
	if opts.Exhaustive {
		return checkExhaustive(ctx, m, original, rewritten, opts)
	}
	// Runs are checked in index order (in parallel with Jobs > 1); after a
	// failing run (NotEquivalent or Violated) the later ones are skipped,
	// and the report keeps the runs up to the first failing one, whatever
	// Jobs is.
	// A shard checks the runs lo..hi-1 of the whole check (shard.go).
	lo, hi := opts.Shard.Range(opts.Runs)
	runs := make([]*RunReport, hi-lo)
	var mu sync.Mutex
	firstFail := hi
	err = forEachParallel(hi-lo, opts.Jobs, opts.Progress, func(j int) error {
		i := lo + j
		mu.Lock()
		skip := i > firstFail
		mu.Unlock()
		if skip {
			return nil
		}
		r, err := checkRun(m, opts, i)
		if err != nil {
			return fmt.Errorf("run %d (seed %d): %w", i, sim.RunSeed(opts.Seed, i), err)
		}
		r.Index = i
		if r.Verdict == Unknown && !opts.NoShrink && r.Schedule != nil {
			// A smaller workload often makes the search exhaustive: shrink
			// an undecided run at once, keeping it if it turns into a
			// failure (NotEquivalent, or Violated: a smaller run of the
			// same plan that broke the rewrite's invariant unmatched).
			if s, err := shrinkRun(m, opts, r, func(v Verdict) bool { return v != Equivalent }); err == nil && s != nil && s.Verdict.Failed() {
				s.Index, s.Seed, s.Shrunk, s.ShrunkFrom = i, r.Seed, true, r.Seed
				r = s
			}
		}
		runs[j] = r
		if r.Verdict.Failed() {
			mu.Lock()
			firstFail = min(firstFail, i)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if firstFail < hi {
		runs = runs[:firstFail-lo+1]
	}
	rep := &Report{Original: original.File.Name, Rewritten: rewritten.File.Name, Options: opts, Runs: runs}
	rep.summarise()
	if !opts.NoShrink {
		if err := rep.shrinkFirstFailure(m, opts); err != nil {
			return nil, err
		}
	}
	rep.addWhy(m)
	rep.addCoverage(original, rewritten, opts)
	return rep, nil
}

// CheckSchedule checks one recorded run of the rewritten program (a
// schedule written by `dsim run --schedule` or stored in a reproducer).
func CheckSchedule(original, rewritten *analysis.Program, sched *sim.Schedule, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	opts.Runs, opts.Shard = 1, Shard{}
	m, err := newRefinementMap(original, rewritten)
	if err != nil {
		return nil, err
	}
	cfg := sched.Config()
	r, err := checkConfig(m, opts, cfg)
	if err != nil {
		return nil, err
	}
	r.Seed = sched.Seed
	rep := &Report{Original: original.File.Name, Rewritten: rewritten.File.Name, Options: opts, Runs: []*RunReport{r}, Schedule: sched}
	rep.summarise()
	// A recorded run that fails is shrunk as a seeded one is (its inputs,
	// faults and delay distribution are the schedule's); an undecided one
	// is not, since the schedule is usually what the user wants decided.
	if !opts.NoShrink && r.Verdict.Failed() {
		if err := rep.shrinkFirstFailure(m, opts); err != nil {
			return nil, err
		}
	}
	rep.addWhy(m)
	rep.addCoverage(original, rewritten, opts)
	return rep, nil
}
