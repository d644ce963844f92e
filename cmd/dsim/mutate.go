package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/mutate"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim mutate`: a mutation test of a check setup
// (package mutate, docs/CHECKING.md "dsim mutate").

func init() {
	register(&cli.Command{
		Name:      "mutate",
		Usage:     "mutation-test a check: check one-change mutants of REWRITTEN against ORIGINAL",
		ArgsUsage: "ORIGINAL REWRITTEN",
		Description: "Generates every one-change mutant of REWRITTEN (delete a rule, drop a body literal or a\n" +
			"negation, :- to :+ and back, aggregate swaps, comparison and arithmetic flips, another @\n" +
			"component, dropped persistence; package mutate), vets each one (a mutant that does not load is\n" +
			"stillborn) and checks it against ORIGINAL with the check flags below, exactly as dsim check\n" +
			"would. A mutant is killed (NotEquivalent, or Violated: a run broke an invariant of the rewrite\n" +
			"that no run of the original matched), survived (Equivalent) or unknown. The mutation score\n" +
			"is killed / (killed + survived + unknown). Every survivor is listed with its rule and, where a\n" +
			"dependency reachability shows it, why it may be equivalent. REWRITTEN itself is checked first.\n" +
			"When REWRITTEN has invariants, each survivor and unknown mutant is also simulated alone under a\n" +
			"fault plan (--fault-probe), and a run that violates an invariant is checked against ORIGINAL as\n" +
			"one run: a failed check kills the mutant (the fault probe; --no-fault-probe turns it off).\n" +
			"--jobs checks that many mutants at once (each check's runs one after another).\n\n" +
			"Example:\n" +
			"   dsim mutate corpus/micro/functional/before.ded corpus/micro/functional/after.ded --runs 20\n\n" +
			"Exit status: 0 the table was printed, 1 REWRITTEN itself is not Equivalent, 3 usage or program error.",
		Flags: append(append(checkSearchFlags(),
			jobsFlag(),
			jsonFlag("print the results as JSON"),
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print each mutant's outcome and wall time to stderr as it finishes (in completion order)"},
			&cli.StringSliceFlag{Name: "mutants", Usage: "check only the mutants `NAME` (repeatable or comma-separated, e.g. r3/to-next,persist-acks/drop-persist): re-check survivors after changing flags"},
			&cli.StringFlag{Name: "range", Usage: "check only the mutants numbered `FROM..TO` (1-based, inclusive, in generation order, before --mutants applies): measure a large pair in parts, e.g. --range 1..300, --range 301..600"},
			&cli.BoolFlag{Name: "list", Usage: "print the mutants' numbers, names and lines in generation order (the numbers --range takes) and exit"},
			&cli.StringFlag{Name: "print", Usage: "print the mutant `NAME` in dsim fmt form and exit (to replay a kill: dsim check ORIGINAL that-file ...)"},
			&cli.StringFlag{Name: "from-report", Usage: "take the outcomes and classes of the mutants in `FILE` (an earlier dsim mutate --json of the same pair) instead of re-checking them; the bounded-exhaustive pass still runs on its survivors and unknowns"},
			&cli.BoolFlag{Name: "no-bounded", Usage: "do not re-check unexplained survivors with the bounded-exhaustive pass (dsim check --exhaustive at small bounds)"},
			&cli.DurationFlag{Name: "bounded-timeout", Value: defaultBoundedTimeout, Usage: "the bounded-exhaustive pass's wall-time budget `D` per mutant, all rungs together (and the rewrite's calibration, once); the rungs not reached are listed (0: none)"},
			&cli.IntFlag{Name: "bounded-states", Value: defaultBoundedStates, Usage: "the bounded-exhaustive pass's budget: `N` distinct states of the enumeration per rung and survivor"},
			&cli.BoolFlag{Name: "no-probe", Usage: "do not re-check survivors with repeated requests (--repeats '" + mutateProbeRepeats + "') when --repeats is not given"},
			&cli.BoolFlag{Name: "no-fault-probe", Usage: "do not run survivors of a program with invariants under a fault plan (the fault probe)"},
			&cli.StringFlag{Name: "fault-probe", Usage: "the fault probe's `PLAN` (default 'omission random f=1 p=0.3 until=H', H the --max-time): each survivor and unknown mutant is simulated alone under it, and a run that violates an invariant is checked against ORIGINAL as one run"},
			&cli.IntFlag{Name: "fault-probe-runs", Value: defaultFaultProbeRuns, Usage: "the fault probe's `N` seeded runs per survivor or unknown mutant (and once of REWRITTEN, which must violate nothing in them); a mutant's runs stop at --timeout"},
		), workloadFlags()...),
		Action: mutateAction,
	})
}

// mutantResult is one mutant's outcome.
type mutantResult struct {
	Name     string `json:"name"`
	Rule     int    `json:"rule,omitempty"`
	Line     int    `json:"line"`
	Op       string `json:"operator"`
	Relation string `json:"relation,omitempty"`
	Outcome  string `json:"outcome"` // killed, survived, unknown, stillborn
	Detail   string `json:"detail,omitempty"`
	Before   string `json:"before"`
	After    string `json:"after,omitempty"`
	// Fired is how many ticks the mutated rule fired in, over the runs of
	// the unmutated REWRITTEN (-1: not known).
	Fired  int    `json:"fired"`
	Reason string `json:"reason,omitempty"`
	// Class is a survivor's group in the summary (survivorClasses):
	// an equivalence argument, a workload gap, or "not explained".
	Class string `json:"class,omitempty"`
	// Exercised says, for a mutated negation or aggregate, whether the
	// unmutated rewrite's runs ever used it (the body-level coverage):
	// a negation that never blocked a row, or groups that never held
	// two rows, mean the workload could not tell the mutant apart.
	Exercised string `json:"exercised,omitempty"`
	// Invariant: the mutated rule derives an .invariant relation.
	Invariant bool `json:"invariant,omitempty"`
	// Probe is a survivor's outcome when re-checked with repeated
	// requests (mutateProbeRepeats): "killed" means the check setup
	// given misses a difference that retries or duplicates expose.
	Probe string `json:"probe,omitempty"`
	// KilledBy is "bounded" for a mutant that survived the sampled runs
	// and was killed by the bounded-exhaustive pass (mutate_bounded.go),
	// "violation" for one whose check was Violated (a run broke the
	// rewrite's own invariant, unmatched by the original), "may-derive"
	// or "must-emit" for a NotEquivalent the checker proved without a
	// search (the may-derive analysis, the must-emit shortcut;
	// docs/CHECKING.md), "fault-probe" (mutate_faultprobe.go); "" for a
	// NotEquivalent whose search found no run of the original explaining
	// the mutant's.
	KilledBy string `json:"killed_by,omitempty"`
	// Bounded lists, for a survivor the pass checked, the rungs certified
	// and those not reached.
	Bounded string `json:"bounded,omitempty"`
	// Outputs and RewriteOutputs count, for a survivor, the distinct
	// output facts over the sampled runs of the mutant and of the
	// unmutated rewrite (same seeds); Cut counts the mutant's runs that
	// ended at the time horizon rather than quiescent (outputs.go).
	Outputs        int `json:"outputs,omitempty"`
	RewriteOutputs int `json:"rewrite_outputs,omitempty"`
	Cut            int `json:"cut,omitempty"`
	// Same says, for a survivor, that its runs repeat the unmutated
	// rewrite's of the same seeds: "trace" (event for event), "outputs"
	// (each output first reached the same client at the same time) or
	// "facts" (the same output facts and clients, some at other times);
	// mutate_outputs.go.
	Same string `json:"same,omitempty"`
	// FaultProbe is a survivor's outcome under the fault probe
	// (mutate_faultprobe.go): "killed" (a run under the plan violated an
	// invariant, and its check against the original failed; the mutant
	// then counts as killed, KilledBy "fault-probe"), "survived" or
	// "unknown"; FaultProbeDetail says which run and why.
	FaultProbe       string `json:"fault_probe,omitempty"`
	FaultProbeDetail string `json:"fault_probe_detail,omitempty"`
	// FaultProbeFrom is the outcome of the sampled runs the probe started
	// from: "survived" or "unknown".
	FaultProbeFrom string `json:"fault_probe_from,omitempty"`
}

// mutateProbeRepeats is the workload survivors are re-checked with when
// the user gave no --repeats: a client retrying an id with another
// payload and a request delivered twice are what duplicate-suppression
// and first-write-wins rules guard against, and no default workload sends
// them.
const mutateProbeRepeats = "dup=30 retry=30"

type mutateReport struct {
	Original  string         `json:"original"`
	Rewritten string         `json:"rewritten"`
	Runs      int            `json:"runs"`
	Mutants   []mutantResult `json:"mutants"`
	Killed    int            `json:"killed"`
	Survived  int            `json:"survived"`
	Unknown   int            `json:"unknown"`
	Stillborn int            `json:"stillborn"`
	Score     float64        `json:"score"` // killed / (killed+survived+unknown); 0 when none
	// Probe is the --repeats survivors were re-checked with ("" when
	// they were not; ProbeNote says why, when the rewrite fails it).
	Probe       string `json:"probe,omitempty"`
	ProbeNote   string `json:"probe_note,omitempty"`
	ProbeKilled int    `json:"probe_killed"`
	// Classes counts the survivors by class (survivorClasses).
	Classes map[string]int `json:"classes,omitempty"`
	// Unexplained counts the survivors no argument or gap explains.
	Unexplained int `json:"unexplained"`
	// BoundedKilled counts the mutants the bounded-exhaustive pass killed
	// (they count as killed); BoundedRungs are the rungs it used (those at
	// which the rewrite itself is certified), BoundedDropped the others
	// with the rewrite's verdict, BoundedNote why the pass did not run.
	BoundedKilled int `json:"bounded_killed"`
	// ViolationKilled counts the mutants killed by a Violated check (a
	// run broke the rewrite's invariant; no run of the original matched
	// it within the bounds); they count as killed.
	ViolationKilled int `json:"violation_killed"`
	// MayDeriveKilled and MustEmitKilled count the NotEquivalent kills
	// proved without a search (KilledBy "may-derive", "must-emit").
	MayDeriveKilled int      `json:"may_derive_killed"`
	MustEmitKilled  int      `json:"must_emit_killed"`
	BoundedRungs    []string `json:"bounded_rungs,omitempty"`
	BoundedDropped  []string `json:"bounded_dropped,omitempty"`
	BoundedNote     string   `json:"bounded_note,omitempty"`
	// FaultProbe is the fault probe's plan ("" when it did not run;
	// FaultProbeNote says why, when the rewrite itself fails it),
	// FaultProbeRuns its runs per mutant, FaultProbed the survivors and
	// unknown mutants of the sampled runs it ran (FaultProbedUnknown of
	// them unknown), FaultProbeKilled those it killed (they count as
	// killed; FaultProbeKilledUnknown of them were unknown).
	FaultProbe       string `json:"fault_probe,omitempty"`
	FaultProbeNote   string `json:"fault_probe_note,omitempty"`
	FaultProbeRuns   int    `json:"fault_probe_runs,omitempty"`
	FaultProbed      int    `json:"fault_probed,omitempty"`
	FaultProbeKilled int    `json:"fault_probe_killed"`
	// The unknown mutants among FaultProbed and FaultProbeKilled.
	FaultProbedUnknown      int `json:"fault_probed_unknown,omitempty"`
	FaultProbeKilledUnknown int `json:"fault_probe_killed_unknown,omitempty"`
}

func mutateAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if c.NArg() != 2 {
		return usageError(c, "dsim mutate takes an original and a rewritten program, got %d arguments (see dsim mutate --help)", c.NArg())
	}
	origPath, rewPath := c.Args().Get(0), c.Args().Get(1)
	orig, err := loadProgram(c, origPath)
	if err != nil {
		return asUsage(err)
	}
	rew, src, err := loadProgramSource(c, rewPath)
	if err != nil {
		return asUsage(err)
	}
	opts, err := checkOptions(c, rew)
	if err != nil {
		return err
	}
	jobs := opts.Jobs
	opts.Jobs, opts.NoShrink = 1, true
	mutants, err := mutate.Generate(rewPath, src)
	if err != nil {
		return usageError(c, "%v", err)
	}
	deps, err := mutate.NewDeps(rewPath, src)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if name := c.String("print"); name != "" {
		sel, err := selectMutants(mutants, []string{name})
		if err != nil {
			return usageError(c, "--print: %v", err)
		}
		_, _ = c.App.Writer.Write(sel[0].Source)
		return nil
	}
	if c.Bool("list") {
		for i, m := range mutants {
			fmt.Fprintf(c.App.Writer, "%d\t%s\tline %d\n", i+1, m.Name, m.Line)
		}
		return nil
	}
	if r := c.String("range"); r != "" {
		if mutants, err = rangeMutants(mutants, r); err != nil {
			return usageError(c, "%v", err)
		}
	}
	if only := c.StringSlice("mutants"); len(only) > 0 {
		if mutants, err = selectMutants(mutants, only); err != nil {
			return usageError(c, "%v", err)
		}
	}
	baseOpts := opts
	baseOpts.OriginalCoverage = true // the body-level counts (Exercised)
	base, err := checker.Check(orig, rew, baseOpts)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if base.Verdict != checker.Equivalent {
		fmt.Fprintf(c.App.ErrWriter, "dsim mutate: %s itself is %s against %s under these flags; a mutation score means nothing until it passes (run dsim check)\n", rewPath, base.Verdict, origPath)
		return exitError{1}
	}
	rep := mutateReport{Original: origPath, Rewritten: rewPath, Runs: opts.Runs, Mutants: make([]mutantResult, len(mutants))}
	var probe *checker.Options
	if !c.IsSet("repeats") && !c.Bool("no-probe") {
		p := opts
		p.Repeats, _ = sim.ParseRepeats(mutateProbeRepeats)
		if pb, err := checker.Check(orig, rew, p); err == nil && pb.Verdict == checker.Equivalent {
			probe = &p
			rep.Probe = mutateProbeRepeats
		} else if err == nil {
			rep.ProbeNote = fmt.Sprintf("survivors not re-checked with --repeats '%s': %s itself is %s against %s with it", mutateProbeRepeats, rewPath, pb.Verdict, origPath)
		}
	}
	earlier, err := earlierOutcomes(c.String("from-report"), origPath, rewPath, mutants)
	if err != nil {
		return usageError(c, "--from-report: %v", err)
	}
	fprobe, fnote, err := newFaultProbe(c, orig, rew, opts)
	if err != nil {
		return err
	}
	rep.FaultProbeNote = fnote
	if fprobe != nil {
		rep.FaultProbe, rep.FaultProbeRuns = fprobe.plan, fprobe.runs
	}
	pass, note := newBoundedPass(c, orig, rew, opts)
	rep.BoundedNote = note
	ex := &explainer{rew: rew, deps: deps, shapes: mutate.NewShapes(rew), cov: base.Coverage, base: base, baseOutputs: countOutputs(base)}
	// The key argument of repeat suppression needs fresh request ids.
	ex.shapes.FreshIDs = !c.IsSet("repeats") && !c.IsSet("values")
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				start := time.Now()
				if prev, ok := earlier[mutants[i].Name]; ok {
					rep.Mutants[i] = prev
				} else {
					rep.Mutants[i] = checkMutant(orig, rew, ex, mutants[i], opts, probe)
				}
				// The fault probe (survivors and unknowns: only a kill,
				// a replayed failing check, changes an outcome) comes
				// before the bounded pass: a simulation per seed is far
				// cheaper than an enumeration, and a mutant it kills
				// needs no pass.
				if o := rep.Mutants[i].Outcome; fprobe != nil && (o == "survived" || o == "unknown") && rep.Mutants[i].FaultProbe == "" {
					fprobe.apply(&rep.Mutants[i], mutantProgram(rew, mutants[i]), origPath, rewPath)
				}
				// -v shows where a mutant's time went: the sampled
				// check (with both probes) and the bounded pass.
				sampled, passed := time.Since(start), time.Duration(0)
				if pass != nil && boundedWanted(&rep.Mutants[i]) {
					ps := time.Now()
					pass.apply(&rep.Mutants[i], pass.run(mutantProgram(rew, mutants[i])), origPath, rewPath)
					passed = time.Since(ps)
				}
				if c.Bool("verbose") {
					mu.Lock()
					fmt.Fprintf(c.App.ErrWriter, "%s: %s (%s; sampled check and probe %s, bounded pass %s)\n", mutants[i].Name, rep.Mutants[i].Outcome,
						time.Since(start).Round(time.Millisecond), sampled.Round(time.Millisecond), passed.Round(time.Millisecond))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range mutants {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, m := range rep.Mutants {
		if m.Class != "" {
			if rep.Classes == nil {
				rep.Classes = map[string]int{}
			}
			rep.Classes[m.Class]++
			if m.Class == classUnexplained {
				rep.Unexplained++
			}
		}
		switch m.KilledBy {
		case "bounded":
			rep.BoundedKilled++
		case "violation":
			rep.ViolationKilled++
		case "may-derive":
			rep.MayDeriveKilled++
		case "must-emit":
			rep.MustEmitKilled++
		case "fault-probe":
			rep.FaultProbeKilled++
		}
		if m.FaultProbe != "" {
			rep.FaultProbed++
			if m.FaultProbeFrom == "unknown" {
				rep.FaultProbedUnknown++
				if m.FaultProbe == "killed" {
					rep.FaultProbeKilledUnknown++
				}
			}
		}
		if m.Probe == "killed" {
			rep.ProbeKilled++
		}
		switch m.Outcome {
		case "killed":
			rep.Killed++
		case "survived":
			rep.Survived++
		case "unknown":
			rep.Unknown++
		default:
			rep.Stillborn++
		}
	}
	if pass != nil && len(pass.all) > 0 && (len(pass.rungs) > 0 || len(pass.dropped) > 0) {
		for _, r := range pass.rungs {
			rep.BoundedRungs = append(rep.BoundedRungs, r.String())
		}
		rep.BoundedDropped = pass.dropped
	}
	if n := rep.Killed + rep.Survived + rep.Unknown; n > 0 {
		rep.Score = float64(rep.Killed) / float64(n)
	}
	if c.Bool("json") {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s\n", out)
		return nil
	}
	fmt.Fprint(c.App.Writer, rep.text())
	return nil
}

// checkMutant vets and checks one mutant.
func checkMutant(orig, rew *analysis.Program, ex *explainer, m mutate.Mutant, opts checker.Options, probe *checker.Options) mutantResult {
	r := mutantResult{Name: m.Name, Rule: m.Rule, Line: m.Line, Op: m.Op, Relation: m.Relation, Before: m.Before, After: m.After, Fired: -1}
	rule := mutate.RuleOf(rew, m)
	if cov := ex.cov; cov != nil && rule != nil && rule.ID < len(cov.Rules) {
		r.Fired = cov.Rules[rule.ID].Fired
		r.Exercised = exercised(cov, rule, m.Op)
		if rel := rew.Relation(rule.Head.Rel); rel != nil && rel.Invariant {
			r.Invariant = true
		}
	}
	prog, diags := analysis.Load(rew.File.Name, m.Source)
	if len(diags) > 0 {
		r.Outcome, r.Detail = "stillborn", "does not load: "+diags[0].Msg
		return r
	}
	rep, err := checker.Check(orig, prog, opts)
	if err != nil {
		r.Outcome, r.Detail = "stillborn", "check refused: "+firstLine(err.Error())
		return r
	}
	switch rep.Verdict {
	case checker.NotEquivalent:
		r.Outcome = "killed"
		if cx := rep.Counterexample; cx != nil && cx.MayDerive {
			r.KilledBy = "may-derive"
		} else if cx != nil && cx.MustEmit {
			r.KilledBy = "must-emit"
		}
	case checker.Violated:
		// The mutant broke the rewrite's own invariant and no run of the
		// original matched it: the check setup caught it, as a failed
		// check (exit 1) would tell the user.
		r.Outcome, r.KilledBy = "killed", "violation"
	case checker.Equivalent:
		r.Outcome = "survived"
		r.Outputs, r.RewriteOutputs, r.Cut = countOutputs(rep), ex.baseOutputs, cutRuns(rep)
		r.Same = sameRuns(ex.base, rep)
		if probe != nil {
			r.Probe = "unknown"
			if pr, err := checker.Check(orig, prog, *probe); err == nil {
				switch {
				case pr.Verdict.Failed():
					r.Probe = "killed"
				case pr.Verdict == checker.Equivalent:
					r.Probe = "survived"
				}
			}
		}
		ex.explain(&r, m)
	default:
		r.Outcome = "unknown"
	}
	switch {
	case rep.Verdict == checker.Violated:
		cx := rep.Counterexample
		r.Detail = fmt.Sprintf("run with seed %d violated %s, no run of the original violating it found (search not exhaustive: %s)", cx.Seed, cx.Violation.Fact, limitName(cx.Limit))
	case rep.Counterexample != nil:
		r.Detail = fmt.Sprintf("run with seed %d not explained", rep.Counterexample.Seed)
		switch r.KilledBy {
		case "may-derive":
			r.Detail += " (may-derive analysis, no search)"
		case "must-emit":
			r.Detail += " (must-emit shortcut, no search)"
		}
	case r.Outcome == "unknown":
		r.Detail = fmt.Sprintf("%d of %d runs undecided", rep.Undecided, len(rep.Runs))
		var flags []string
		for _, run := range rep.Runs {
			if f := boundFlag(run.Limit); run.Verdict == checker.Unknown && f != "" && !slices.Contains(flags, "--"+f) {
				flags = append(flags, "--"+f)
			}
		}
		if len(flags) > 0 {
			slices.Sort(flags)
			r.Detail += " (bound hit: " + strings.Join(flags, ", ") + ")"
		}
		if rep.CoverageShort != "" {
			r.Detail += ": " + rep.CoverageShort
		}
	}
	return r
}

// limitName names the bound that stopped a search: its flag, or the
// library bound when no flag sets it (a canceled search).
func limitName(b sim.Bound) string {
	if f := boundFlag(b); f != "" {
		return "--" + f
	}
	if b == sim.BoundCanceled {
		return "canceled"
	}
	return b.Field()
}

// silentOutputs says so when none of the outputs a mutated relation
// reaches was ever derived in the unmutated rewrite's runs: the runs could
// not show a difference there (a workload gap, not an equivalence).
func silentOutputs(rew *analysis.Program, cov *sim.Coverage, outs []string) string {
	if len(outs) == 0 {
		return ""
	}
	for _, r := range rew.Rules {
		if slices.Contains(outs, r.Head.Rel) && r.ID < len(cov.Rules) && cov.Rules[r.ID].Fired > 0 {
			return ""
		}
	}
	return fmt.Sprintf("no output it reaches (%s) was ever derived in the runs of the unmutated rewrite (a gap in the workload, not an equivalence)", strings.Join(outs, ", "))
}

// exercised reads the body-level coverage of the mutated rule pr for the
// operators it speaks to: drop-negJ and drop-litJ of a negated literal
// (did the negation block a row?), aggK-F (did a group hold two rows?).
func exercised(cov *sim.Coverage, pr *analysis.Rule, op string) string {
	if !cov.Detail {
		return ""
	}
	rc := cov.Rules[pr.ID]
	var j int
	if _, err := fmt.Sscanf(op, "drop-neg%d", &j); err != nil {
		if _, err := fmt.Sscanf(op, "drop-lit%d", &j); err != nil {
			j = 0
		}
	}
	if j >= 1 && j <= len(pr.Body) && pr.Body[j-1].Kind == analysis.LitNegated {
		k := 0
		for i := 0; i < j-1; i++ {
			if pr.Body[i].Kind == analysis.LitNegated {
				k++
			}
		}
		if k >= len(rc.Blocked) {
			return ""
		}
		if rc.Blocked[k] == 0 {
			return fmt.Sprintf("!%s never blocked a row in the runs of the unmutated rewrite (a gap in the workload, not an equivalence)", pr.Body[j-1].Rel)
		}
		return fmt.Sprintf("!%s blocked %d rows in the runs of the unmutated rewrite, yet no output changed without it", pr.Body[j-1].Rel, rc.Blocked[k])
	}
	if strings.HasPrefix(op, "agg") && pr.Head.HasAggregate {
		if rc.LargestGroup <= 1 {
			return fmt.Sprintf("its groups never held more than %d row in the runs of the unmutated rewrite, where count, sum, min and max differ little (a gap in the workload)", rc.LargestGroup)
		}
		return fmt.Sprintf("its largest group held %d rows in the runs of the unmutated rewrite", rc.LargestGroup)
	}
	return ""
}

// selectMutants keeps the mutants named in only (each entry may hold
// several names separated by commas), in generation order; an unknown
// name is an error that lists a few real ones.
func selectMutants(ms []mutate.Mutant, only []string) ([]mutate.Mutant, error) {
	want := map[string]bool{}
	for _, o := range only {
		for _, n := range strings.Split(o, ",") {
			if n = strings.TrimSpace(n); n != "" {
				want[n] = true
			}
		}
	}
	var out []mutate.Mutant
	for _, m := range ms {
		if want[m.Name] {
			out = append(out, m)
			delete(want, m.Name)
		}
	}
	if len(want) > 0 {
		var missing, some []string
		for n := range want {
			missing = append(missing, n)
		}
		slices.Sort(missing)
		for i := 0; i < len(ms) && i < 5; i++ {
			some = append(some, ms[i].Name)
		}
		return nil, fmt.Errorf("--mutants: no mutant named %s (the first mutants are %s; dsim mutate -v lists them all)", strings.Join(missing, ", "), strings.Join(some, ", "))
	}
	return out, nil
}

// rangeMutants keeps the mutants numbered from..to (1-based, inclusive,
// in generation order) of spec "FROM..TO"; TO past the last mutant is cut
// to it, so that a large pair can be split without counting it first.
func rangeMutants(ms []mutate.Mutant, spec string) ([]mutate.Mutant, error) {
	a, b, ok := strings.Cut(spec, "..")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || from < 1 || to < from {
		return nil, fmt.Errorf("--range %q: want FROM..TO with 1 <= FROM <= TO, e.g. --range 1..300", spec)
	}
	if from > len(ms) {
		return nil, fmt.Errorf("--range %q: there are only %d mutants", spec, len(ms))
	}
	return ms[from-1 : min(to, len(ms))], nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (rep *mutateReport) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dsim mutate %s %s: %d mutants, %d runs each\n\n", rep.Original, rep.Rewritten, len(rep.Mutants), rep.Runs)
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tLINE\tOUTCOME\tDETAIL")
	for _, m := range rep.Mutants {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", m.Name, m.Line, m.Outcome, m.Detail)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nkilled %d, survived %d, unknown %d, stillborn %d; mutation score %d/%d = %.1f%%\n",
		rep.Killed, rep.Survived, rep.Unknown, rep.Stillborn, rep.Killed, rep.Killed+rep.Survived+rep.Unknown, 100*rep.Score)
	if rep.ViolationKilled > 0 {
		fmt.Fprintf(&b, "of the killed, %d by a violation of the rewrite's own invariant that no run of the original matched (check verdict Violated)\n", rep.ViolationKilled)
	}
	if rep.MayDeriveKilled+rep.MustEmitKilled > 0 {
		fmt.Fprintf(&b, "of the killed, %d proved without a search: %d by the may-derive analysis, %d by the must-emit shortcut\n", rep.MayDeriveKilled+rep.MustEmitKilled, rep.MayDeriveKilled, rep.MustEmitKilled)
	}
	if rep.Survived > 0 {
		var parts []string
		for _, cl := range survivorClasses {
			if n := rep.Classes[cl]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", cl, n))
			}
		}
		fmt.Fprintf(&b, "survivor classes: %s\n", strings.Join(parts, "; "))
	}
	switch {
	case rep.Probe != "":
		fmt.Fprintf(&b, "probe: %d of the %d survivors killed when re-checked with --repeats '%s'\n", rep.ProbeKilled, rep.Survived, rep.Probe)
	case rep.ProbeNote != "":
		fmt.Fprintf(&b, "probe: %s\n", rep.ProbeNote)
	}
	switch {
	case rep.FaultProbe != "":
		fmt.Fprintf(&b, "fault probe: %d of %d survivors", rep.FaultProbeKilled-rep.FaultProbeKilledUnknown, rep.FaultProbed-rep.FaultProbedUnknown)
		if rep.FaultProbedUnknown > 0 {
			fmt.Fprintf(&b, " and %d of %d unknown mutants", rep.FaultProbeKilledUnknown, rep.FaultProbedUnknown)
		}
		fmt.Fprintf(&b, " killed under %s (%d runs each)\n", rep.FaultProbe, rep.FaultProbeRuns)
	case rep.FaultProbeNote != "":
		fmt.Fprintf(&b, "%s\n", rep.FaultProbeNote)
	}
	switch {
	case rep.BoundedRungs != nil || rep.BoundedDropped != nil:
		fmt.Fprintf(&b, "bounded-exhaustive pass: %d survivors of the sampled runs killed", rep.BoundedKilled)
		if len(rep.BoundedRungs) > 0 {
			fmt.Fprintf(&b, "; rungs: %s", strings.Join(rep.BoundedRungs, "; "))
		}
		if len(rep.BoundedDropped) > 0 {
			fmt.Fprintf(&b, "; dropped: %s", strings.Join(rep.BoundedDropped, "; "))
		}
		b.WriteString("\n")
	case rep.BoundedNote != "":
		fmt.Fprintf(&b, "%s\n", rep.BoundedNote)
	}
	first := true
	for _, m := range rep.Mutants {
		if m.Outcome != "survived" {
			continue
		}
		if first {
			b.WriteString("\nsurvivors:\n")
			first = false
		}
		fmt.Fprintf(&b, "  %s (line %d)\n    rule:    %s\n", m.Name, m.Line, m.Before)
		if m.After != "" {
			fmt.Fprintf(&b, "    mutant:  %s\n", m.After)
		} else {
			b.WriteString("    mutant:  (deleted)\n")
		}
		switch {
		case m.Fired == 0 && m.Invariant:
			b.WriteString("    fired:   never in the runs of the unmutated rewrite (an invariant's rule fires only on a violation)\n")
		case m.Fired == 0:
			b.WriteString("    fired:   never in the runs of the unmutated rewrite (a gap in the workload, not an equivalence)\n")
		case m.Fired > 0:
			fmt.Fprintf(&b, "    fired:   in %d ticks over the runs of the unmutated rewrite\n", m.Fired)
		}
		if m.Exercised != "" {
			fmt.Fprintf(&b, "    used:    %s\n", m.Exercised)
		}
		switch m.Probe {
		case "killed":
			fmt.Fprintf(&b, "    probe:   killed with --repeats '%s': the check setup misses it; add --repeats to dsim check\n", rep.Probe)
		case "survived":
			fmt.Fprintf(&b, "    probe:   survives --repeats '%s' too\n", rep.Probe)
		case "unknown":
			fmt.Fprintf(&b, "    probe:   unknown with --repeats '%s' (a bound was hit)\n", rep.Probe)
		}
		if m.FaultProbe != "" {
			fmt.Fprintf(&b, "    faults:  %s under %s: %s\n", m.FaultProbe, rep.FaultProbe, m.FaultProbeDetail)
		}
		if m.Reason != "" {
			fmt.Fprintf(&b, "    why:     %s\n", m.Reason)
		}
		if m.Bounded != "" {
			fmt.Fprintf(&b, "    bounded: %s\n", m.Bounded)
		}
		fmt.Fprintf(&b, "    class:   %s\n", m.Class)
	}
	return b.String()
}
