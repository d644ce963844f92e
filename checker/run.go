package checker

import (
	"fmt"
	"slices"
	"sync"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// RunReport is the verdict on one run of the rewritten program.
type RunReport struct {
	Index   int
	Seed    uint64
	Verdict Verdict
	// Found says how the witness was found (Equivalent): "refinement map",
	// "eager schedule" or "search", prefixed when an escalated pass found
	// it; Stage and Escalation say the same, typed.
	Found string
	Stage Stage
	// Guide names the guide whose run was the witness when Stage is
	// StageRefinementMap and a guide (not the refinement map's own
	// branch) found it: "state guide", "response guide", "in-tick
	// response guide", ...; "" otherwise.
	Guide      string
	Escalation Escalation
	// Bound says which bound was hit and how to raise it (Unknown), in
	// library terms ("raise Options.MaxStates"); cmd/dsim names flags.
	Bound string
	// Limit is the bound hit, typed: a checker.Options bound
	// (sim.BoundMaxStates, BoundMaxDepth, BoundTimeout), a sim.Limits bound
	// of the rewritten run (BoundMaxTime, ...), sim.BoundCanceled, or
	// sim.NoBound when no option bound applies.
	Limit sim.Bound
	// States and Branches measure the search: distinct states of the
	// original memoised, and runs of the original executed.
	States, Branches int
	// Delays is what the deciding search let the original's messages do
	// (Options.MaxDelay, or the escalated bound when the first search found
	// no witness; docs/CHECKING.md, "The search"): the bound a
	// NotEquivalent holds within, and which an Unknown names.
	Delays Delays

	Faults   sim.FaultPlan
	Stop     string        // how the rewritten run ended
	Schedule *sim.Schedule // replays the rewritten run
	Trace    *sim.Trace    // of the rewritten run
	History  *sim.History  // of the rewritten run
	Witness  *sim.Schedule // of the original (Equivalent)
	// Omitted lists inputs the witness's faulty entry nodes omitted to
	// receive (general omission); the witness schedule does not hold them.
	Omitted sim.Workload

	// Violation is the invariant violation the rewritten run stopped on,
	// or nil. Such a run is explained only by a run of the original that
	// violates the same-named invariant at the same time or earlier.
	Violation *sim.ViolationReport
	// NoInvariant: the original has no invariant of Violation's name, so
	// the run is NotEquivalent without a search.
	NoInvariant bool

	// Coverage counts what the rewrite's rules did in this run;
	// OriginalCoverage the original's in the witness (with
	// Options.OriginalCoverage).
	Coverage, OriginalCoverage *sim.Coverage

	Offense *Offense // NotEquivalent: the output the original cannot match
	// Furthest is the trace of the original's run that got furthest
	// (NotEquivalent), up to where it failed; nil when unknown.
	Furthest *sim.Trace
	// replayOriginal re-runs Furthest's run with every tick's facts in the
	// trace (derive.go); nil when there is none.
	replayOriginal func() *sim.Result
	// MustEmit: the must-emit shortcut decided the run NotEquivalent
	// without the search (docs/CHECKING.md, "Proving an output absent").
	MustEmit bool
	// MayDerive: the may-derive analysis proved one of the rewritten
	// run's outputs impossible for the original, without the search
	// (docs/CHECKING.md, "Proving an output impossible").
	MayDerive bool
	// NoOutputs: the rewritten run was cut at its horizon without
	// delivering any output while the original's eager run delivers one
	// before it; the run is Unknown (docs/CHECKING.md, "Runs with no
	// outputs").
	NoOutputs bool
	Reasons   []Reason // NotEquivalent/Unknown: why branches failed, most frequent first
	// Shrunk is true when this run is the shrunk form of a failing run
	// (ShrunkFrom is then the seed of the run it came from).
	Shrunk     bool
	ShrunkFrom uint64
	// ShrinkStopped, when set, says which budget stopped the shrink before
	// it ran out of smaller candidates (the run is still a genuine failure).
	ShrinkStopped string
}

// Reason counts the branches of the search that failed one way.
type Reason struct {
	Kind     string
	Fact     value.Fact
	Branches int
}

// checkRun generates run i's workload (Options.Spec), runs the rewrite
// and checks it.
func checkRun(m *refinementMap, opts Options, i int) (*RunReport, error) {
	cfg, err := opts.Spec.RunConfig(m.rew, i)
	if err != nil {
		return nil, err
	}
	r, err := checkConfig(m, opts, cfg)
	if err != nil {
		return nil, err
	}
	r.Seed = cfg.Seed
	return r, nil
}

// checkConfig runs the rewritten program under cfg and searches for a run
// of the original that explains it.
func checkConfig(m *refinementMap, opts Options, cfg sim.Config) (*RunReport, error) {
	return checkConfigWidened(m, opts, cfg, faultBudget{})
}

// checkConfigWidened is checkConfig with the original's fault budget
// widened by extra: a shrink candidate runs under a smaller fault plan
// than the run it came from, but it is still a run of the user's plan, so
// the original keeps the budget that plan gave it (shrink.go).
func checkConfigWidened(m *refinementMap, opts Options, cfg sim.Config, extra faultBudget) (*RunReport, error) {
	res, err := runRewritten(m, opts, cfg)
	if err != nil {
		return nil, err
	}
	return explainRunWidened(m, opts, cfg, res, extra)
}

// runRewritten runs the rewritten program under cfg as the check does.
func runRewritten(m *refinementMap, opts Options, cfg sim.Config) (*sim.Result, error) {
	cfg.Trace = sim.TraceOptions{}
	cfg.Coverage = true
	cfg.CoverageDetail = opts.OriginalCoverage // the full tables: --coverage
	res, err := sim.Run(m.rew, cfg)
	if err != nil {
		return nil, fmt.Errorf("running the rewritten program: %w", err)
	}
	return res, nil
}

// explainRun searches for a run of the original that explains res, the
// rewritten run under cfg (a seeded run, or one an exhaustive enumeration
// executed).
func explainRun(m *refinementMap, opts Options, cfg sim.Config, res *sim.Result) (*RunReport, error) {
	return explainRunWidened(m, opts, cfg, res, faultBudget{})
}

// explainRunWidened is explainRun with the original's fault budget
// widened by extra (see checkConfigWidened). A wider budget only admits
// more runs of the original, so a NotEquivalent found with it holds for
// the narrower budget too.
func explainRunWidened(m *refinementMap, opts Options, cfg sim.Config, res *sim.Result, extra faultBudget) (*RunReport, error) {
	r, err := searchExplanation(m, opts, cfg, res, extra)
	if err != nil {
		return nil, err
	}
	violatedUnlessExplained(r)
	return r, nil
}

// violatedUnlessExplained makes an undecided run that stopped on an
// invariant violation Violated: the rewrite broke its own safety property
// and the search found no run of the original breaking the same-named one
// before a bound (r.Bound) stopped it. Whichever bound that was, the run
// is a failure with a replayable trace; only a witness that violates the
// invariant by then (Equivalent) excuses it, and only an exhaustive
// search (NotEquivalent) proves more.
func violatedUnlessExplained(r *RunReport) {
	if r.Violation == nil || r.Verdict != Unknown {
		return
	}
	r.Verdict = Violated
	r.Offense = violationOffense(r.Violation, fmt.Sprintf("no run of the original explaining the outputs up to then and violating %s by that time was found, but the search was not exhaustive: %s", r.Violation.Fact.Rel, r.Bound))
}

// searchExplanation is explainRunWidened before violatedUnlessExplained.
func searchExplanation(m *refinementMap, opts Options, cfg sim.Config, res *sim.Result, extra faultBudget) (*RunReport, error) {
	r := &RunReport{Faults: cfg.Faults, Stop: res.Stop.Message, Schedule: res.Schedule, Trace: res.Trace, History: res.History, Coverage: res.Coverage}
	if res.Stop.Bounded() {
		r.Verdict, r.Bound, r.Limit = Unknown, "the rewritten run "+res.Stop.Message, res.Stop.Bound
		return r, nil
	}
	horizon := cfg.Limits.WithDefaults().MaxTime
	tgt, err := newTarget(m, res, cfg.Faults, horizon)
	if err != nil {
		return nil, err
	}
	tgt.budget.widen(extra)
	if res.Stop.Reason == sim.Violation && len(res.Violations) > 0 {
		r.Violation = &res.Violations[0]
		if rel := m.orig.Relation(r.Violation.Fact.Rel); rel == nil || !rel.Invariant {
			// No run of the original can violate an invariant it does not
			// have: the run is unexplained without a search.
			r.Verdict, r.Offense, r.NoInvariant = NotEquivalent, violationOffense(r.Violation, "the original has no invariant "+r.Violation.Fact.Rel), true
			return r, nil
		}
	}
	// An output no run of the original may emit, at any time under any
	// schedule and faults, decides the run without a search.
	if off := impossibleOutput(m, opts, tgt, horizon, "the rewritten program"); off != nil {
		off.Producer = findProducer(m, res, off.Fact)
		r.Verdict, r.Offense, r.MayDerive = NotEquivalent, off, true
		return r, nil
	}
	// The shortcut reasons about fault-free runs of the original; with a
	// widened budget the original may lose messages, so it does not apply.
	if off := mustEmitUnlessWidened(m, opts, cfg.Faults, res, tgt, horizon, extra); off != nil {
		r.Verdict, r.Offense, r.Delays, r.Branches, r.MustEmit = NotEquivalent, off.offense, Delays{Max: off.maxDelay}, 1, true
		r.Furthest, r.replayOriginal = off.furthest, off.replay
		r.Reasons = []Reason{{Kind: failUnexpected.String(), Fact: off.offense.Fact, Branches: 1}}
		return r, nil
	}
	if why := noOutputs(m, res, tgt, horizon); why != "" {
		r.Verdict, r.Bound, r.Limit, r.NoOutputs = Unknown, why, sim.BoundMaxTime, true
		return r, nil
	}
	sopts := opts
	sopts.Limits.MaxTime = horizon
	sr, delays, err := searchEscalating(m.orig, tgt, sopts)
	if err != nil {
		return nil, fmt.Errorf("searching the original: %w", err)
	}
	r.Delays = delays
	r.Verdict, r.Bound, r.Limit, r.States, r.Branches, r.Found = sr.verdict, sr.bound, sr.limit, sr.states, sr.branches, sr.found
	if sr.verdict == Unknown {
		r.Bound += delays.unknownNote()
	}
	r.Stage, r.Escalation, r.Guide = sr.stage, sr.esc, sr.guide
	r.Reasons = sortedReasons(sr.reasons)
	switch sr.verdict {
	case Equivalent:
		if err := verifyWitness(m.orig, tgt, sr.witness, sr.omitted); err != nil {
			r.Verdict = Unknown
			r.Bound = "the witness found did not survive replay (a checker bug; please report it): " + err.Error()
			return r, nil
		}
		r.Witness, r.Omitted = sr.witness, sr.omitted
		if opts.OriginalCoverage {
			wc := sr.witness.Config()
			wc.Coverage, wc.CoverageDetail = true, true
			if wr, err := sim.Run(m.orig, wc); err == nil {
				r.OriginalCoverage = wr.Coverage
			}
		}
	case NotEquivalent:
		if r.Violation != nil {
			why := "no run of the original (within the bounds) explains the outputs up to then and violates " + r.Violation.Fact.Rel + " by that time"
			if sr.best != nil {
				why += fmt.Sprintf(" (the run that got furthest: %s %s at time %d)", sr.best.kind, sr.best.fact, sr.best.time)
			}
			r.Offense = violationOffense(r.Violation, why)
		} else {
			r.Offense = newOffense(m, res, tgt, sr.best)
		}
		r.Furthest = replayFurthest(m.orig, tgt, sopts, sr)
		r.replayOriginal = func() *sim.Result { return replayFurthestRun(m.orig, tgt, sopts, sr, true) }
	case Unknown:
		if r.Violation != nil {
			// It will be Violated (violatedUnlessExplained): draw it beside
			// the original's run that got furthest, as a NotEquivalent is.
			r.Furthest = replayFurthest(m.orig, tgt, sopts, sr)
			r.replayOriginal = func() *sim.Result { return replayFurthestRun(m.orig, tgt, sopts, sr, true) }
		}
	}
	return r, nil
}

func mustEmitUnlessWidened(m *refinementMap, opts Options, plan sim.FaultPlan, res *sim.Result, tgt *target, horizon int64, extra faultBudget) *mustEmitResult {
	if len(extra.lossUntil) > 0 {
		return nil
	}
	return mustEmitShortcut(m, opts, plan, res, tgt, horizon)
}

func sortedReasons(rs map[string]*reasonCount) []Reason {
	out := make([]Reason, 0, len(rs))
	for _, r := range rs {
		out = append(out, Reason{Kind: r.kind.String(), Fact: r.fact, Branches: r.n})
	}
	slices.SortFunc(out, func(a, b Reason) int {
		if a.Branches != b.Branches {
			return b.Branches - a.Branches
		}
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		return a.Fact.Compare(b.Fact)
	})
	return out
}

// forEachParallel calls f(0..n-1) on up to jobs goroutines and returns the
// error of the lowest index that failed. Results go into slots by index,
// so they do not depend on jobs.
func forEachParallel(n, jobs int, progress func(done, total int), f func(i int) error) error {
	errs := make([]error, n)
	var mu sync.Mutex
	done := 0
	next := 0
	var wg sync.WaitGroup
	for j := 0; j < min(jobs, n); j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				errs[i] = f(i)
				mu.Lock()
				done++
				if progress != nil {
					progress(done, n)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// largestDelay is the largest delay a distribution draws (capped).
func largestDelay(d sim.Distribution) int64 {
	switch d.Kind {
	case sim.DelayUniform:
		return d.Max
	case sim.DelayHold:
		return d.Hold
	}
	return 3
}
