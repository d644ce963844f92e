package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/mutate"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the bounded-exhaustive pass of `dsim mutate`
// (docs/CHECKING.md, "The bounded-exhaustive pass"): a survivor that no
// static argument explains is checked once more with the exhaustive
// checker (checker.Options.Exhaustive) at a few small bounds, the rungs.
// A NotEquivalent there kills it, with a counterexample that `dsim check
// --exhaustive` replays; certificates at every rung reached give it the
// class classBounded, evidence within those bounds, not a proof.

// The classes the pass gives a "not explained" survivor: certified at
// every rung it used (classBounded), or at some of them, a two-input rung
// among them, the others not reached within the budget
// (classBoundedPartial). A survivor certified with one input only stays
// "not explained": one request cannot show how two interact.
const (
	classBounded        = "bounded-equivalent: certified at every rung"
	classBoundedPartial = "bounded-equivalent: certified at the smaller rungs"
)

// defaultBoundedStates is the pass's state budget per rung (the rewrite's
// distinct states, checker.Options.ExhaustiveStates): at the 20,000 to
// 40,000 states per CPU second the 2pc enumerations ran at, 1 to 3 s of
// CPU per rung and survivor at most (the original's searches aside).
const defaultBoundedStates = 50000

// defaultBoundedTimeout is the pass's wall-time budget per mutant, all
// rungs together (and the calibration's, once). The state budget alone does
// not bound the pass: each state of a paxos enumeration at --max-time 100
// runs a long branch, and each leaf runs an original's search, so 50,000
// states took 39 minutes for one mutant (docs/CHECKING.md).
const defaultBoundedTimeout = time.Minute

// boundedOmission is the fault plan of the rungs with one faulty node:
// any one node may lose the messages it sends or receives up to time 20.
const boundedOmission = "omission random f=1 p=0.3 until=20"

// boundedRung is one bound of the pass: an open-loop workload of Inputs
// requests generated from the seed --seed + Seed, every delay
// 1..MaxDelay, the losses of Faults and the repeats of Repeats ("" in
// either: none beyond the user's).
type boundedRung struct {
	Inputs   int
	MaxDelay int64
	Seed     uint64
	Faults   string
	Repeats  string
}

func (r boundedRung) String() string {
	s := fmt.Sprintf("%d input", r.Inputs)
	if r.Inputs != 1 {
		s += "s"
	}
	if r.Seed > 0 {
		s += fmt.Sprintf(" (seed +%d)", r.Seed)
	}
	s += fmt.Sprintf(", delays 1..%d", r.MaxDelay)
	if r.Faults != "" {
		s += ", " + r.Faults
	}
	if r.Repeats != "" {
		s += ", repeats " + r.Repeats
	}
	return s
}

// flags renders the rung as `dsim check` flags, seed is the user's.
func (r boundedRung) flags(seed uint64) string {
	s := fmt.Sprintf("--exhaustive --inputs %d --max-delay %d --seed %d", r.Inputs, r.MaxDelay, seed+r.Seed)
	if r.Faults != "" {
		s += " --faults '" + r.Faults + "'"
	}
	if r.Repeats != "" {
		s += " --repeats '" + r.Repeats + "'"
	}
	return s
}

// covers says whether every schedule of a is also one of r's, up to the
// workload: more inputs, longer delays, the same faults and repeats. A
// rung covering one whose enumeration hit the budget is not tried (it
// would hit it too).
func (r boundedRung) covers(a boundedRung) bool {
	return r.Inputs >= a.Inputs && r.MaxDelay >= a.MaxDelay && r.Seed == a.Seed &&
		(a.Faults == "" || a.Faults == r.Faults) && (a.Repeats == "" || a.Repeats == r.Repeats)
}

// boundedRungs lists the pass's rungs, cheapest first. Three inputs with
// every delay 1 (one schedule, five workloads) come early: they are cheap
// and some mutants differ only once three requests interact (in
// corpus/micro/functional, persist-ballots/drop-persist survives every
// two-input rung and dies at three). The repeat rungs
// (the second request repeats the first: exactly, or its id with another
// payload) are left out when the user chose --repeats, the fault rungs
// when the user chose --faults (the pass then keeps the user's plan).
func boundedRungs(userFaults string, userRepeats bool) []boundedRung {
	faults := boundedOmission
	if userFaults != "" {
		faults = userFaults
	}
	rungs := []boundedRung{{Inputs: 1, MaxDelay: 2}}
	for s := uint64(0); s < 5; s++ {
		rungs = append(rungs, boundedRung{Inputs: 3, MaxDelay: 1, Seed: s})
	}
	rungs = append(rungs, []boundedRung{
		{Inputs: 1, MaxDelay: 3},
		{Inputs: 2, MaxDelay: 2},
		{Inputs: 1, MaxDelay: 2, Faults: faults},
	}...)
	if !userRepeats {
		rungs = append(rungs, boundedRung{Inputs: 2, MaxDelay: 2, Repeats: "retry=100"}, boundedRung{Inputs: 2, MaxDelay: 2, Repeats: "dup=100"})
	}
	return append(rungs, boundedRung{Inputs: 3, MaxDelay: 2}, boundedRung{Inputs: 2, MaxDelay: 3}, boundedRung{Inputs: 2, MaxDelay: 2, Faults: faults})
}

// boundedPass runs the rungs. The rewrite is checked at each rung first
// (once, on the first survivor): only the rungs at which the rewrite itself
// is certified Equivalent are used, since a mutant's NotEquivalent at a
// rung the rewrite fails too says nothing about the mutant.
type boundedPass struct {
	orig, rew *analysis.Program
	base      checker.Options
	all       []boundedRung
	replay    string // the user's check flags a replay needs (e.g. " --max-time 100")
	// budget is --bounded-timeout: the wall time of one mutant's pass, all
	// rungs together, and of the calibration (0: none).
	budget time.Duration

	once    sync.Once
	rungs   []boundedRung // the calibrated rungs
	dropped []string      // the rungs dropped, each with the rewrite's verdict
}

// newBoundedPass returns the pass for the user's flags, or nil with the
// reason when it cannot run (closed-loop clients are not enumerated).
func newBoundedPass(c *cli.Context, orig, rew *analysis.Program, opts checker.Options) (*boundedPass, string) {
	if c.Bool("no-bounded") {
		return nil, ""
	}
	if opts.Closed > 0 {
		return nil, "bounded-exhaustive pass skipped: --closed workloads are not enumerated"
	}
	base := opts
	base.Exhaustive, base.NoShrink, base.Jobs, base.Workload = true, true, 1, nil
	// An exhaustive check searches the original within the rewrite's
	// delays unless told otherwise; a mutant that delivers an output later
	// (a ":-" made ":+") needs the original delayed more to explain it, as
	// the sampled check's escalation does. Without escalation such a
	// mutant would be "killed" though it refines: escalate as far as the
	// sampled check does (up to the horizon) unless the user bounded it.
	if base.MaxEscalatedDelay == 0 {
		base.MaxEscalatedDelay = base.Limits.MaxTime
		if base.MaxEscalatedDelay <= 0 {
			base.MaxEscalatedDelay = checker.DefaultMaxTime
		}
	}
	base.ExhaustiveStates = c.Int("bounded-states")
	if base.ExhaustiveStates <= 0 {
		base.ExhaustiveStates = defaultBoundedStates
	}
	var replay []string
	replay = append(replay, fmt.Sprintf("--max-escalated-delay %d", base.MaxEscalatedDelay))
	for _, f := range []string{"max-time", "values", "delay", "max-states", "max-depth", "timeout", "clients"} {
		if c.IsSet(f) {
			replay = append(replay, fmt.Sprintf("--%s '%v'", f, c.Value(f)))
		}
	}
	if c.IsSet("repeats") {
		replay = append(replay, fmt.Sprintf("--repeats '%s'", c.String("repeats")))
	}
	userFaults := ""
	if !opts.Faults.IsEmpty() {
		userFaults = opts.Faults.String()
	}
	p := &boundedPass{orig: orig, rew: rew, base: base, all: boundedRungs(userFaults, c.IsSet("repeats")), budget: c.Duration("bounded-timeout")}
	if len(replay) > 0 {
		p.replay = " " + strings.Join(replay, " ")
	}
	return p, ""
}

// options are the check options of one rung.
func (p *boundedPass) options(r boundedRung) (checker.Options, error) {
	o := p.base
	o.Open, o.Closed, o.MaxDelay, o.Seed = r.Inputs, 0, r.MaxDelay, p.base.Seed+r.Seed
	if r.Faults != "" {
		fp, err := sim.ParseFaultPlan(r.Faults)
		if err != nil {
			return o, err
		}
		o.Faults = fp
	}
	if r.Repeats != "" {
		rp, err := sim.ParseRepeats(r.Repeats)
		if err != nil {
			return o, err
		}
		o.Repeats = rp
	}
	return o, nil
}

// check runs one rung of prog against the original, within ctx.
func (p *boundedPass) check(ctx context.Context, prog *analysis.Program, r boundedRung) (*checker.Report, error) {
	o, err := p.options(r)
	if err != nil {
		return nil, err
	}
	return checker.CheckContext(ctx, p.orig, prog, o)
}

// budgetCtx is the context of one mutant's pass (or of the calibration):
// it ends after --bounded-timeout.
func (p *boundedPass) budgetCtx() (context.Context, context.CancelFunc) {
	if p.budget <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), p.budget)
}

// budgetNote is what a rung the budget stopped, or left untried, says.
func (p *boundedPass) budgetNote() string {
	return fmt.Sprintf("--bounded-timeout %s spent", p.budget)
}

// calibrate keeps the rungs at which the rewrite is certified; a rung
// covering one at which the rewrite's enumeration hit a bound is dropped
// without a check.
func (p *boundedPass) calibrate() {
	ctx, cancel := p.budgetCtx()
	defer cancel()
	var over []boundedRung
	for _, r := range p.all {
		if coveredBy(r, over) {
			p.dropped = append(p.dropped, r.String()+": a smaller rung already hit the budget")
			continue
		}
		if ctx.Err() != nil {
			p.dropped = append(p.dropped, r.String()+": the rewrite not calibrated in time ("+p.budgetNote()+")")
			continue
		}
		rep, err := p.check(ctx, p.rew, r)
		switch {
		case ctx.Err() != nil && (err != nil || rep.Verdict != checker.Equivalent):
			p.dropped = append(p.dropped, r.String()+": the rewrite not calibrated in time ("+p.budgetNote()+")")
		case err != nil:
			p.dropped = append(p.dropped, r.String()+": "+firstLine(err.Error()))
		case rep.Verdict == checker.Equivalent:
			p.rungs = append(p.rungs, r)
		default:
			why := rep.Verdict.String()
			if rep.Certificate != nil && rep.Certificate.Bound != "" {
				why += " (" + rep.Certificate.Bound + ")"
				over = append(over, r)
			}
			p.dropped = append(p.dropped, r.String()+": the rewrite itself is "+why)
		}
	}
}

func coveredBy(r boundedRung, over []boundedRung) bool {
	for _, o := range over {
		if r.covers(o) {
			return true
		}
	}
	return false
}

// boundedResult is one survivor's pass: the rung that killed it, or the
// rungs certified and those not reached.
type boundedResult struct {
	killedAt  *boundedRung
	certified []boundedRung
	open      []string
	// outOfTime: --bounded-timeout ended the pass before its last rung.
	outOfTime bool
}

// run checks prog at every calibrated rung until one kills it.
func (p *boundedPass) run(prog *analysis.Program) boundedResult {
	p.once.Do(p.calibrate)
	// The budget starts after the calibration, which has its own.
	ctx, cancel := p.budgetCtx()
	defer cancel()
	var res boundedResult
	var over []boundedRung
	for _, r := range p.rungs {
		if coveredBy(r, over) {
			res.open = append(res.open, r.String()+" (a smaller rung hit the budget)")
			continue
		}
		if ctx.Err() != nil {
			res.open = append(res.open, r.String()+" ("+p.budgetNote()+")")
			res.outOfTime = true
			continue
		}
		rep, err := p.check(ctx, prog, r)
		switch {
		case ctx.Err() != nil && (err != nil || !rep.Verdict.Failed()):
			// Not a kill: the budget stopped this rung (a kill found
			// just before the deadline stands: it is replayed).
			if err == nil && rep.Verdict == checker.Equivalent {
				res.certified = append(res.certified, r)
				continue
			}
			res.open = append(res.open, r.String()+" ("+p.budgetNote()+" during this rung)")
			res.outOfTime = true
		case err != nil:
			res.open = append(res.open, r.String()+" ("+firstLine(err.Error())+")")
		case rep.Verdict.Failed():
			res.killedAt = &r
			return res
		case rep.Verdict == checker.Equivalent:
			res.certified = append(res.certified, r)
		default:
			// Whichever bound stopped it, a rung covering this one
			// would meet it again: skip those.
			over = append(over, r)
			why := "unknown"
			if rep.Certificate != nil && rep.Certificate.Bound != "" {
				why = strings.ReplaceAll(rep.Certificate.Bound, "(raise EnumerateOptions.MaxStates)", "(raise with --bounded-states)")
			} else if len(rep.Runs) > 0 && boundFlag(rep.Runs[0].Limit) != "" {
				why = "an original's search hit --" + boundFlag(rep.Runs[0].Limit)
			}
			res.open = append(res.open, r.String()+" ("+why+")")
		}
	}
	return res
}

// apply records the pass's result on a survivor: a kill replaces its
// outcome; certificates turn "not explained" or a run-comparison gap into
// classBounded; the rungs certified and not reached are listed on its
// "bounded:" line either way.
func (p *boundedPass) apply(r *mutantResult, res boundedResult, origPath, rewPath string) {
	if k := res.killedAt; k != nil {
		was := "survived the sampled runs"
		if r.Outcome == "unknown" {
			was = "unknown in the sampled runs (" + r.Detail + ")"
		}
		r.Outcome, r.Class, r.Reason, r.Probe = "killed", "", "", ""
		r.KilledBy = "bounded"
		r.Detail = fmt.Sprintf("%s; killed by the bounded-exhaustive pass at %s (replay: dsim mutate %s %s --print %s > m.ded && dsim check %s m.ded %s%s)",
			was, k, origPath, rewPath, r.Name, origPath, k.flags(p.base.Seed), p.replay)
		return
	}
	var parts []string
	if len(res.certified) > 0 {
		var cs []string
		for _, c := range res.certified {
			cs = append(cs, c.String())
		}
		parts = append(parts, "certified exhaustively with "+strings.Join(cs, "; "))
		// A certificate counts for a class only if some rung enumerated
		// more than one schedule: rungs with every delay 1 are single
		// runs, no more evidence than the sampled ones (in paxos, where
		// the rewrite hits the budget at delays 1..2, they are all the
		// pass can use).
		two, schedules := false, false
		for _, c := range res.certified {
			two = two || c.Inputs >= 2
			schedules = schedules || c.MaxDelay >= 2
		}
		switch {
		case !upgradable(r.Class) || !schedules:
		case len(res.open) == 0:
			r.Class = classBounded
		case two:
			r.Class = classBoundedPartial
		}
	}
	if len(res.open) > 0 {
		parts = append(parts, "not reached: "+strings.Join(res.open, "; "))
	}
	if len(p.rungs) == 0 {
		parts = append(parts, "no rung applies: "+strings.Join(p.dropped, "; "))
	}
	if res.outOfTime {
		// The row says which bound stopped the pass, whatever the outcome.
		if r.Detail != "" {
			r.Detail += "; "
		}
		r.Detail += "bounded-exhaustive pass stopped: " + p.budgetNote()
	}
	if r.Outcome == "unknown" {
		return // a certificate does not decide a mutant the sampled runs left open
	}
	r.Bounded = strings.Join(parts, "; ")
}

// upgradable says whether a certificate may replace a survivor's class:
// "not explained", or a gap that only compares the sampled runs with the
// rewrite's (mutate_outputs.go), since an enumeration of every schedule
// within the rung's bounds is stronger evidence than those runs. The other
// gaps are kept: a certificate over runs in which the rule never fires, or
// the negation never blocks, says nothing new.
func upgradable(class string) bool {
	switch class {
	case classUnexplained, classGapSameTrace, classGapSameOutputs, classGapSameFacts:
		return true
	}
	return false
}

// boundedWanted says whether a mutant goes through the pass: every
// survivor that no equivalence argument explains (a gap may still be
// killed), and every unknown one (the sampled check hit a bound; a small
// rung may still show a difference).
func boundedWanted(r *mutantResult) bool {
	return r.Outcome == "unknown" || r.Outcome == "survived" && !strings.HasPrefix(r.Class, "equivalent:")
}

// mutantProgram loads a mutant that checkMutant loaded before (a survivor
// loads).
func mutantProgram(rew *analysis.Program, m mutate.Mutant) *analysis.Program {
	prog, _ := analysis.Load(rew.File.Name, m.Source)
	return prog
}

// earlierOutcomes reads --from-report: the results of an earlier `dsim
// mutate --json` of the same pair, by mutant name, without the pass's
// results (those are recomputed). A mutant whose rule text differs from
// the one generated now (the rewrite changed) is refused, so outcomes are
// never carried over to another mutant.
func earlierOutcomes(file, origPath, rewPath string, ms []mutate.Mutant) (map[string]mutantResult, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var prev mutateReport
	if err := json.Unmarshal(data, &prev); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if prev.Original != origPath || prev.Rewritten != rewPath {
		return nil, fmt.Errorf("%s is a report of %s against %s, not of %s against %s", file, prev.Rewritten, prev.Original, rewPath, origPath)
	}
	now := map[string]mutate.Mutant{}
	for _, m := range ms {
		now[m.Name] = m
	}
	out := map[string]mutantResult{}
	for _, r := range prev.Mutants {
		m, ok := now[r.Name]
		if !ok || m.Before != r.Before || m.After != r.After {
			return nil, fmt.Errorf("%s: mutant %s is not the one generated from %s now (the program changed?)", file, r.Name, rewPath)
		}
		// A fault probe's result is kept (the worker does not probe the
		// mutant again); only the pass's are recomputed.
		if r.KilledBy != "" && r.KilledBy != "fault-probe" || r.Bounded != "" || strings.HasPrefix(r.Class, "bounded-equivalent") {
			return nil, fmt.Errorf("%s: mutant %s already went through the bounded-exhaustive pass; give the report of a run with --no-bounded", file, r.Name)
		}
		out[r.Name] = r
	}
	return out, nil
}
