package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds dsim mutate's fault probe (docs/CHECKING.md, "The fault
// probe"): a survivor (or unknown mutant) of a program with invariants is
// run alone under a fault plan, and a run that breaks an invariant is
// checked against the original as one run. Many survivors break a
// protocol's safety only when messages are lost, which the default
// fault-free runs never show, and a fault-enabled check of every survivor
// costs a search per run; a plain simulation per seed costs almost nothing.

// defaultFaultProbeRuns is --fault-probe-runs: how many seeded runs of a
// survivor (and, once, of the unmutated rewrite) the probe simulates.
// Chosen by measurement (docs/CHECKING.md): 200 runs of comppaxos.ded at
// --max-time 100 cost about 1 s of CPU, and r54/cmp3-< first violates at
// seed 41, so 100 runs find it at a fraction of one sampled check's cost.
const defaultFaultProbeRuns = 100

// faultProbe is the probe for one dsim mutate: the plan, the check options
// a violating run is re-checked with, and why it is off when it is.
type faultProbe struct {
	orig, rew *analysis.Program
	// opts are the user's check options with the probe's plan: the spec
	// the runs are generated from, and the options of the one-run
	// re-check (its Seed is set per mutant).
	opts   checker.Options
	plan   string // the plan's canonical text
	runs   int
	budget time.Duration // --timeout: the wall time of one mutant's simulations (0: none)
	replay string        // the user's flags a printed replay needs
}

// defaultFaultProbePlan is the plan when --fault-probe is not given: one
// node, picked from the seed, loses each message it sends or receives
// with probability 0.3 up to the check's horizon. Crashes are not in it:
// a crash names its node, and which node matters is the program's own
// business; --fault-probe 'crash leader[0] at=20' asks for one.
func defaultFaultProbePlan(maxTime int64) string {
	return fmt.Sprintf("omission random f=1 p=0.3 until=%d", maxTime)
}

// newFaultProbe returns the probe, or nil with a note saying why it does
// not run. A program without invariants gets neither (nothing to
// violate; its report stays as it was). The calibration runs here: the
// unmutated rewrite must violate nothing in the probe's runs, or a
// mutant's violation would say nothing about the mutant.
func newFaultProbe(c *cli.Context, orig, rew *analysis.Program, opts checker.Options) (*faultProbe, string, error) {
	if c.Bool("no-fault-probe") || !hasInvariant(rew) {
		return nil, "", nil
	}
	text := c.String("fault-probe")
	if text == "" {
		text = defaultFaultProbePlan(opts.Limits.MaxTime)
	}
	plan, err := sim.ParseFaultPlan(text)
	if err != nil {
		return nil, "", usageError(c, "--fault-probe: %v", err)
	}
	if plan.IsEmpty() {
		return nil, "", usageError(c, "--fault-probe %q: the plan has no fault (to turn the probe off, give --no-fault-probe)", text)
	}
	runs := c.Int("fault-probe-runs")
	if runs < 1 {
		return nil, "", usageError(c, "--fault-probe-runs must be >= 1")
	}
	p := &faultProbe{orig: orig, rew: rew, opts: opts, plan: plan.String(), runs: runs, budget: opts.Timeout, replay: replayFlags(c)}
	p.opts.Faults, p.opts.Runs, p.opts.NoShrink, p.opts.Jobs, p.opts.Shard = plan, 1, true, 1, checker.Shard{}
	v, err := p.firstViolation(rew, time.Time{})
	switch {
	case err != nil:
		return nil, fmt.Sprintf("fault probe skipped: the unmutated rewrite cannot be run under %s: %v", p.plan, err), nil
	case v.found:
		return nil, fmt.Sprintf("fault probe skipped: the unmutated rewrite itself violates %s under %s (run with seed %d), so a mutant's violation would say nothing about the mutant", v.fact, p.plan, v.seed), nil
	}
	return p, "", nil
}

// hasInvariant says whether prog declares an .invariant relation.
func hasInvariant(prog *analysis.Program) bool {
	for _, r := range prog.Relations {
		if r.Invariant {
			return true
		}
	}
	return false
}

// replayFlags are the user's flags that shape the runs and the search, as
// a printed dsim check needs them to give the same verdict.
func replayFlags(c *cli.Context) string {
	var out []string
	if c.Bool("closed") {
		out = append(out, "--closed")
	}
	if c.IsSet("inputs") || c.IsSet("requests") {
		n := c.Int("inputs")
		if !c.IsSet("inputs") {
			n = c.Int("requests")
		}
		out = append(out, fmt.Sprintf("--inputs %d", n))
	}
	for _, f := range []string{"clients", "max-time", "delay", "values", "repeats", "max-states", "max-depth", "max-delay", "max-escalated-delay", "timeout"} {
		if c.IsSet(f) {
			out = append(out, "--"+f+" "+shellQuote(fmt.Sprint(c.Value(f))))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

// violation is the first run of a probe that broke an invariant.
type violation struct {
	found bool
	seed  uint64
	fact  string
	runs  int  // runs simulated
	spent bool // the budget ran out first
}

// firstViolation simulates prog under the probe's spec for runs seeds
// (seed+0, seed+1, ...: the check's run i is seed+i, so the re-check with
// --seed S --runs 1 replays run S exactly) and stops at the first run
// that stops on an invariant violation. A zero deadline means none.
func (p *faultProbe) firstViolation(prog *analysis.Program, deadline time.Time) (violation, error) {
	var v violation
	for i := 0; i < p.runs; i++ {
		if !deadline.IsZero() && time.Now().After(deadline) {
			v.spent = true
			return v, nil
		}
		cfg, err := p.opts.Spec.RunConfig(prog, i)
		if err != nil {
			return v, err
		}
		cfg.Trace = sim.TraceOptions{Off: true}
		res, err := sim.Run(prog, cfg)
		if err != nil {
			return v, err
		}
		v.runs++
		if res.Stop.Reason == sim.Violation && len(res.Violations) > 0 {
			v.found, v.seed, v.fact = true, cfg.Seed, res.Violations[0].Fact.String()
			return v, nil
		}
	}
	return v, nil
}

// apply probes one survivor or unknown mutant r (prog is the mutant) and
// records the result:
// FaultProbe is "killed" (the re-check of the violating run against the
// original is NotEquivalent or Violated; the mutant then counts as killed),
// "survived" (no run violated, or the original violates the same too) or
// "unknown" (the budget ran out, or the re-check hit a bound). An unknown
// mutant's outcome changes only when it is killed: its own row then says
// what the sampled runs left open, and its detail otherwise gains the
// probe's.
func (p *faultProbe) apply(r *mutantResult, prog *analysis.Program, origPath, rewPath string) {
	r.FaultProbeFrom = r.Outcome
	defer func() {
		if r.FaultProbeFrom == "unknown" && r.Outcome == "unknown" {
			r.Detail += "; fault probe: " + r.FaultProbe + ", " + r.FaultProbeDetail
		}
	}()
	var deadline time.Time
	if p.budget > 0 {
		deadline = time.Now().Add(p.budget)
	}
	v, err := p.firstViolation(prog, deadline)
	switch {
	case err != nil:
		r.FaultProbe, r.FaultProbeDetail = "unknown", "the mutant cannot be run under the plan: "+firstLine(err.Error())
		return
	case v.spent:
		r.FaultProbe, r.FaultProbeDetail = "unknown", fmt.Sprintf("--timeout %s spent after %d of %d runs, none violating an invariant", p.budget, v.runs, p.runs)
		return
	case !v.found:
		r.FaultProbe, r.FaultProbeDetail = "survived", fmt.Sprintf("no run of %d violated an invariant", p.runs)
		return
	}
	o := p.opts
	o.Seed = v.seed
	rep, err := checker.Check(p.orig, prog, o)
	replay := fmt.Sprintf("dsim mutate %s %s --print %s > m.ded && dsim check %s m.ded --seed %d --runs 1 --faults %s --no-shrink%s",
		origPath, rewPath, shellQuote(r.Name), origPath, v.seed, shellQuote(p.plan), p.replay)
	switch {
	case err != nil:
		r.FaultProbe, r.FaultProbeDetail = "unknown", fmt.Sprintf("run with seed %d violated %s; its check was refused: %s", v.seed, v.fact, firstLine(err.Error()))
	case len(rep.Runs) != 1 || rep.Runs[0].Violation == nil || rep.Runs[0].Violation.Fact.String() != v.fact:
		// The check must replay the run the probe saw; anything else is a
		// bug here (the spec of run i is seed+i), not a verdict.
		r.FaultProbe, r.FaultProbeDetail = "unknown", fmt.Sprintf("run with seed %d violated %s, but the check's run of that seed did not (%s)", v.seed, v.fact, replay)
	case rep.Verdict.Failed():
		was := "survived the sampled runs"
		if r.Outcome == "unknown" {
			was = "unknown in the sampled runs (" + r.Detail + ")"
		}
		r.Outcome, r.KilledBy, r.Class, r.Reason = "killed", "fault-probe", "", ""
		r.FaultProbe = "killed"
		r.FaultProbeDetail = fmt.Sprintf("run with seed %d violated %s; checked against the original: %s", v.seed, v.fact, rep.Verdict)
		r.Detail = fmt.Sprintf("%s; killed by the fault probe: %s (replay: %s)", was, r.FaultProbeDetail, replay)
	case rep.Verdict == checker.Equivalent:
		r.FaultProbe, r.FaultProbeDetail = "survived", fmt.Sprintf("run with seed %d violated %s, and so does the original in a run that explains it", v.seed, v.fact)
	default:
		r.FaultProbe, r.FaultProbeDetail = "unknown", fmt.Sprintf("run with seed %d violated %s; its check against the original is %s (%s)", v.seed, v.fact, rep.Verdict, replay)
	}
}
