package checker

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Report is the outcome of a check.
type Report struct {
	Original, Rewritten string
	Options             Options
	Verdict             Verdict
	Runs                []*RunReport
	// Counterexample is the run to show: the shrunk form of the first
	// failing run of the highest-ranked verdict (NotEquivalent, else
	// Violated; or that run unshrunk); nil otherwise.
	Counterexample *RunReport
	// Explained, NotExplained, Undecided and Violated count runs by
	// verdict.
	Explained, NotExplained, Undecided, Violated int
	// History names the recorded history CheckHistory checked (Rewritten
	// is then empty); "" for a check of a rewrite.
	History string
	// Coverage sums what the rewrite's rules did over the runs;
	// OriginalCoverage the original's over the witnesses (with
	// Options.OriginalCoverage). CoverageShort explains an Unknown that
	// Options.MinCoverage made of an Equivalent.
	Coverage, OriginalCoverage *sim.Coverage
	CoverageShort              string
	// Certificate is what an exhaustive check (Options.Exhaustive)
	// covered; nil for seeded runs.
	Certificate *Certificate
	// Schedule is the recorded run CheckSchedule checked (nil for seeded
	// runs): its seed, workload, delays and faults are what ran, not
	// Options', so the header describes it instead.
	Schedule  *sim.Schedule
	orig, rew *analysis.Program
}

func (rep *Report) summarise() {
	rep.Verdict = Equivalent
	rep.Explained, rep.NotExplained, rep.Undecided, rep.Violated = 0, 0, 0, 0
	for _, r := range rep.Runs {
		switch r.Verdict {
		case Equivalent:
			rep.Explained++
		case NotEquivalent:
			rep.NotExplained++
		case Violated:
			rep.Violated++
		case Unknown:
			rep.Undecided++
		}
		if r.Verdict.Failed() && (rep.Counterexample == nil || r.Verdict.rank() > rep.Counterexample.Verdict.rank()) {
			rep.Counterexample = r
		}
		rep.Verdict = worst(rep.Verdict, r.Verdict)
	}
}

// FirstUnknown returns the first run whose verdict is Unknown, or nil.
func (rep *Report) FirstUnknown() *RunReport {
	for _, r := range rep.Runs {
		if r.Verdict == Unknown {
			return r
		}
	}
	return nil
}

// States is the total number of states of the original explored.
func (rep *Report) States() int {
	n := 0
	for _, r := range rep.Runs {
		n += r.States
	}
	return n
}

// Text renders the report for people. files says where --save-witness
// wrote the counterexample's schedule and trace ("" when not saved).
func (rep *Report) Text(files SavedFiles) string {
	if rep.History != "" {
		return rep.historyText()
	}
	if rep.Certificate != nil {
		return rep.exhaustiveText(files)
	}
	var b strings.Builder
	o := rep.Options
	fmt.Fprintf(&b, "dsim check %s %s: %s\n", rep.Original, rep.Rewritten, rep.Verdict)
	found := map[string]int{}
	guided := map[string]int{}
	for _, r := range rep.Runs {
		if r.Verdict == Equivalent {
			found[r.Stage.String()]++
			if r.Guide != "" {
				guided[r.Guide]++
			}
		}
	}
	if sc := rep.Schedule; sc != nil {
		fmt.Fprintf(&b, "  1 run of the schedule %s (%s): %d explained, %d not explained, %d unknown%s\n",
			scheduleName(sc), scheduleRun(sc), rep.Explained, rep.NotExplained, rep.Undecided, rep.violatedCount())
	} else {
		fmt.Fprintf(&b, "  %d runs (seeds %d..%d, %d requests each, faults: %s): %d explained, %d not explained, %d unknown%s\n",
			len(rep.Runs), o.Seed, o.Seed+uint64(max(len(rep.Runs), 1)-1), o.Open+o.Closed, o.Faults, rep.Explained, rep.NotExplained, rep.Undecided, rep.violatedCount())
	}
	if rep.Explained > 0 {
		fmt.Fprintf(&b, "  witnesses found by: refinement map %d%s, eager schedule %d, search %d; %d states of the original explored\n",
			found["refinement map"], guideTally(guided), found["eager schedule"], found["search"], rep.States())
	}
	rep.writeViolations(&b)
	rep.writeCoverage(&b)
	if u := rep.FirstUnknown(); u != nil && rep.Verdict == Unknown {
		fmt.Fprintf(&b, "\nrun %d (seed %d) is undecided: %s\n", u.Index, u.Seed, u.Bound)
		writeReasons(&b, u.Reasons)
	}
	if cx := rep.Counterexample; cx != nil {
		rep.writeCounterexample(&b, cx, files)
	}
	return b.String()
}

// SavedFiles names the files --save-witness wrote, for the report's
// reproduction commands.
type SavedFiles struct {
	// Trace is the text form, TraceJSON the same trace as JSON (dsim
	// viz reads both).
	Schedule, Trace, TraceJSON string
	// Page is the HTML page drawing the run beside the original's run
	// that got furthest ("" when not written).
	Page string
}

func writeReasons(b *strings.Builder, rs []Reason) {
	for i, r := range rs {
		if i == 5 {
			fmt.Fprintf(b, "    ... %d more\n", len(rs)-5)
			break
		}
		fmt.Fprintf(b, "    %d branches: %s %s\n", r.Branches, r.Kind, r.Fact)
	}
}

func (rep *Report) writeCounterexample(b *strings.Builder, cx *RunReport, files SavedFiles) {
	o := rep.Options
	fmt.Fprintf(b, "\ncounterexample: run %d (seed %d)", cx.Index, cx.Seed)
	if cx.Shrunk {
		fmt.Fprintf(b, ", shrunk")
		if cx.ShrinkStopped != "" {
			fmt.Fprintf(b, " (shrinking stopped at %s)", cx.ShrinkStopped)
		}
	}
	switch {
	case cx.Verdict == Violated:
		// Not "no run explains it": the search was cut, and says where.
		fmt.Fprintf(b, "; the rewrite violated its own invariant %s and no run of the original violating it was found (search NOT exhaustive: it stopped at the bound named below; %s, %d states, %d runs of the original)\n",
			cx.Violation.Fact.Rel, cx.Delays.text(), cx.States, cx.Branches)
	case cx.MayDerive:
		fmt.Fprintf(b, "; no run of the original explains it (may-derive analysis, no search: no run of the original, under any schedule and faults, emits one of its outputs)\n")
	case cx.MustEmit:
		fmt.Fprintf(b, "; no run of the original explains it (must-emit shortcut, no search: every fault-free run of the original with delays 1..%d emits an output it lacks)\n", cx.Delays.Max)
	default:
		fmt.Fprintf(b, "; no run of the original explains it (search exhaustive within its bounds: %s, losses within the fault budget, %d states, %d runs of the original)\n",
			cx.Delays.text(), cx.States, cx.Branches)
	}
	if off := cx.Offense; off != nil {
		fmt.Fprintf(b, "\noffending output (%s): %s\n  %s\n", off.Kind, off.Fact, off.Explanation)
		if p := off.Producer; p != nil {
			fmt.Fprintf(b, "  produced by %s at time %d (tick %d) from %s\n", p.Node, p.Time, p.Tick, factList(p.Consumed))
			for _, r := range p.Rules {
				fmt.Fprintf(b, "    rule %s (%s) derives %s\n", r.Pos, r.Kind, r.Head)
			}
		}
		off.Why.write(b)
	}
	if len(cx.Reasons) > 1 {
		b.WriteString("  branches of the search failed because:\n")
		writeReasons(b, cx.Reasons)
	}
	b.WriteString("\nworkload (inputs of the rewritten run):\n")
	for _, in := range cx.History.Inputs {
		fmt.Fprintf(b, "  @%d %s -> %s client=%d\n", in.Time, in.Fact, in.Node, in.Client)
	}
	fmt.Fprintf(b, "faults: %s\n", cx.Faults)
	fmt.Fprintf(b, "the rewritten run ended: %s\n", cx.Stop)
	b.WriteString("outputs of the rewritten run:\n")
	for _, out := range cx.History.Outputs {
		fmt.Fprintf(b, "  @%d %s -> client=%d\n", out.Time, out.Fact, out.Client)
	}
	fmt.Fprintf(b, "schedule of the rewritten run (%d choices):\n", cx.Schedule.Len())
	for _, line := range strings.Split(strings.TrimRight(cx.Schedule.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "choice ") {
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString("trace of the rewritten run:\n")
	for _, line := range strings.Split(strings.TrimRight(cx.Trace.String(), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("\nreproduce:\n")
	flags := fmt.Sprintf("--seed %d --runs 1 --inputs %d", cx.Seed, o.Open+o.Closed)
	if cx.Shrunk {
		flags = fmt.Sprintf("--seed %d --runs 1 --inputs %d", cx.ShrunkFrom, o.Open+o.Closed)
	}
	if !o.Faults.IsEmpty() {
		flags += fmt.Sprintf(" --faults '%s'", o.Faults)
	}
	if o.Closed > 0 {
		flags += " --closed"
	}
	if o.Delay != nil && *o.Delay != sim.DefaultDistribution {
		flags += " --delay " + o.Delay.String()
	}
	flags += o.workloadShapeFlags() + o.searchBoundFlags(true, true)
	note := "the run before shrinking"
	switch {
	case rep.Certificate != nil:
		flags, note = rep.exhaustiveFlags(), "the exhaustive check that found it"
	case rep.Schedule != nil:
		// The schedule, not the options, made the run (report_schedule.go).
		flags, note = "--schedule "+scheduleName(rep.Schedule)+o.searchBoundFlags(false, true), "the schedule checked"
	}
	fmt.Fprintf(b, "  dsim check %s %s %s    # %s\n", rep.Original, rep.Rewritten, flags, note)
	if files.Schedule != "" {
		fmt.Fprintf(b, "  dsim check %s %s --schedule %s%s    # this run\n", rep.Original, rep.Rewritten, files.Schedule, o.searchBoundFlags(false, true))
		fmt.Fprintf(b, "  dsim replay %s %s --trace %s\n", rep.Rewritten, files.Schedule, files.Trace)
		fmt.Fprintf(b, "  dsim viz %s -o out.html\n", cmp.Or(files.TraceJSON, files.Trace))
		switch {
		case files.Page != "" && cx.MayDerive:
			// No run of the original was needed, so none is drawn beside it.
			fmt.Fprintf(b, "  the rewritten run with the offending output marked (the may-derive analysis ran no original): open %s (or add --ascii)\n", files.Page)
		case files.Page != "":
			fmt.Fprintf(b, "  side by side with the original's run that got furthest: open %s (or add --ascii)\n", files.Page)
		}
	} else {
		b.WriteString("  (add --save-witness DIR to write this run's schedule and trace, then:)\n")
		fmt.Fprintf(b, "  dsim check %s %s --schedule DIR/counterexample.schedule%s\n", rep.Original, rep.Rewritten, o.searchBoundFlags(false, true))
		fmt.Fprintf(b, "  dsim replay %s DIR/counterexample.schedule --trace DIR/counterexample.trace\n", rep.Rewritten)
		b.WriteString("  dsim viz DIR/counterexample.trace.json -o out.html\n")
	}
}

// workloadShapeFlags are the --values and --repeats flags that shaped the
// generated workload ("" for the defaults).
func (o Options) workloadShapeFlags() string {
	var s string
	if len(o.Values) > 0 {
		s += " --values '" + o.Values.String() + "'"
	}
	if r := o.Repeats; r.Duplicate > 0 || r.Retry > 0 {
		s += fmt.Sprintf(" --repeats 'dup=%d retry=%d'", r.Duplicate, r.Retry)
	}
	return s
}

// searchBoundFlags are the flags of the search bounds o sets away from
// their defaults (and, for seeded or enumerated runs, --max-time, which a
// recorded schedule carries itself; --max-delay unless the caller gives
// it): a reproduce command without them decides
// under other bounds, and a Violated or Unknown verdict depends on them.
func (o Options) searchBoundFlags(seeded, withMaxDelay bool) string {
	var s string
	if seeded && o.Limits.MaxTime != DefaultMaxTime {
		s += fmt.Sprintf(" --max-time %d", o.Limits.MaxTime)
	}
	b := boundsOf(o)
	if b.MaxStates != 0 {
		s += fmt.Sprintf(" --max-states %d", b.MaxStates)
	}
	if o.MaxDepth != DefaultMaxDepth {
		s += fmt.Sprintf(" --max-depth %d", o.MaxDepth)
	}
	if withMaxDelay && b.MaxDelay != 0 {
		s += fmt.Sprintf(" --max-delay %d", b.MaxDelay)
	}
	if b.MaxEscalatedDelay != 0 {
		s += fmt.Sprintf(" --max-escalated-delay %d", b.MaxEscalatedDelay)
	}
	if o.Timeout > 0 {
		s += " --timeout " + o.Timeout.String()
	}
	return s
}

func factList(fs []value.Fact) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// JSON renders the report for machines.
func (rep *Report) JSON() []byte {
	type jsonReason struct {
		Kind     string `json:"kind"`
		Fact     string `json:"fact"`
		Branches int    `json:"branches"`
	}
	type jsonOffense struct {
		Kind        string   `json:"kind"`
		Fact        string   `json:"fact"`
		Time        int64    `json:"time"`
		Explanation string   `json:"explanation"`
		Producer    string   `json:"producer,omitempty"`
		Rules       []string `json:"rules,omitempty"`
		Why         *Why     `json:"why,omitempty"`
	}
	type jsonRun struct {
		Index    int     `json:"index"`
		Seed     uint64  `json:"seed"`
		Verdict  Verdict `json:"verdict"`
		Found    string  `json:"found,omitempty"`
		Guide    string  `json:"guide,omitempty"`
		Bound    string  `json:"bound,omitempty"`
		States   int     `json:"states"`
		Branches int     `json:"branches"`
		Shrunk   bool    `json:"shrunk,omitempty"`
		// ShrinkStopped is RunReport.ShrinkStopped (which budget ended the shrink).
		ShrinkStopped string `json:"shrink_stopped,omitempty"`
		// Violation is the invariant fact the rewritten run stopped on;
		// ViolationMatched (present with it) says whether the original's
		// witness violated the same-named invariant by then (the run is
		// then Equivalent).
		Violation        string `json:"violation,omitempty"`
		ViolationMatched *bool  `json:"violation_matched,omitempty"`
		// NeverFired names the rewrite's counted rules that did not fire
		// in this run (MergeJSON intersects them across shards).
		NeverFired *[]string    `json:"never_fired,omitempty"`
		Offense    *jsonOffense `json:"offense,omitempty"`
		Reasons    []jsonReason `json:"reasons,omitempty"`
		Schedule   string       `json:"schedule,omitempty"`
		// Limit is the bound an Unknown hit (RunReport.Limit), Delays the
		// delays its search gave the original (RunReport.Delays).
		Limit  string      `json:"limit,omitempty"`
		Delays *delaysJSON `json:"delays,omitempty"`
		// NoOutputs is RunReport.NoOutputs.
		NoOutputs bool `json:"no_outputs,omitempty"`
		// MayDerive is RunReport.MayDerive: proved statically, no search.
		MayDerive bool `json:"may_derive,omitempty"`
	}
	conv := func(r *RunReport, withSchedule bool) jsonRun {
		j := jsonRun{Index: r.Index, Seed: r.Seed, Verdict: r.Verdict, Found: r.Found, Guide: r.Guide, Bound: r.Bound, States: r.States, Branches: r.Branches, Shrunk: r.Shrunk, ShrinkStopped: r.ShrinkStopped, Limit: r.Limit.Field(), NoOutputs: r.NoOutputs, MayDerive: r.MayDerive}
		if r.Verdict != Equivalent {
			j.Delays = r.Delays.json()
		}
		if r.Violation != nil {
			j.Violation = fmt.Sprintf("%s at %s @%d", r.Violation.Fact, r.Violation.Node, r.Violation.Time)
			matched := r.Verdict == Equivalent
			j.ViolationMatched = &matched
		}
		if r.Coverage != nil && rep.rew != nil {
			_, _, never := r.Coverage.Summary(rep.rew)
			if never == nil {
				never = []string{}
			}
			j.NeverFired = &never
		}
		for _, x := range r.Reasons {
			j.Reasons = append(j.Reasons, jsonReason{x.Kind, x.Fact.String(), x.Branches})
		}
		if off := r.Offense; off != nil {
			jo := &jsonOffense{Kind: off.Kind, Fact: off.Fact.String(), Time: off.Time, Explanation: off.Explanation, Why: off.Why}
			if p := off.Producer; p != nil {
				jo.Producer = fmt.Sprintf("%s @%d tick %d", p.Node, p.Time, p.Tick)
				for _, rr := range p.Rules {
					jo.Rules = append(jo.Rules, rr.Pos)
				}
			}
			j.Offense = jo
		}
		if withSchedule && r.Schedule != nil {
			j.Schedule = r.Schedule.String()
		}
		return j
	}
	out := reportJSON[jsonRun]{Original: rep.Original, Rewritten: rep.Rewritten, Verdict: rep.Verdict, Explained: rep.Explained, NotExplained: rep.NotExplained, Unknown: rep.Undecided, Violated: rep.Violated, States: rep.States(),
		CollisionBound: rep.CollisionBound(), Shard: rep.shardJSON(), CoverageShort: rep.CoverageShort, Certificate: rep.certificateJSON(), Schedule: scheduleJSON(rep.Schedule)}
	if rep.Coverage != nil && rep.rew != nil {
		out.RulesFired, out.RulesCounted, out.NeverFired = rep.Coverage.Summary(rep.rew)
		if rep.Options.OriginalCoverage {
			out.Coverage = rep.Coverage.JSON(rep.rew)
		}
	}
	if rep.OriginalCoverage != nil && rep.orig != nil {
		out.OriginalCoverage = rep.OriginalCoverage.JSON(rep.orig)
	}
	for _, r := range rep.Runs {
		out.Runs = append(out.Runs, conv(r, false))
	}
	if rep.Counterexample != nil {
		j := conv(rep.Counterexample, true)
		out.Counterexample = &j
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	return append(data, '\n')
}

// guideTally says how many of the refinement map's witnesses were the
// runs of which guide ("" when none was: the map's own branch found them
// all), in the guides' order, e.g. " (2 by the response guide)".
func guideTally(guided map[string]int) string {
	var parts []string
	for _, name := range guideNames {
		if n := guided[name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d by the %s", n, name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
