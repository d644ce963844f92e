package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/realnet"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim check`: the refinement checker's command line
// (docs/CHECKING.md).

func init() {
	register(&cli.Command{
		Name:      "check",
		Usage:     "check that a rewritten program refines its original (every run of the rewrite is explained)",
		ArgsUsage: "ORIGINAL REWRITTEN | ORIGINAL --history DIR",
		Description: "Runs REWRITTEN under --runs seeded schedules (run i uses seed S+i) with --inputs inputs of\n" +
			"the input relations both programs share and the --faults asked for, and searches, for each run,\n" +
			"for a run of ORIGINAL with the same inputs at the same times that delivers every output fact\n" +
			"no later and no output fact the rewrite never delivered, losing messages only at original nodes\n" +
			"some piece of which was faulty (components map back through `refines`; instance j of a piece\n" +
			"stands for instance j mod n of the original). docs/CHECKING.md has the definition and bounds.\n\n" +
			"Example:\n" +
			"   dsim check corpus/2pc/base.ded corpus/2pc/scalable.ded --runs 100 --inputs 5 \\\n" +
			"       --faults 'omission random f=1 p=0.3 until=20' --save-witness out/\n\n" +
			"With --history DIR (a trace directory written by dsim serve/bench --trace-dir), REWRITTEN is omitted:\n" +
			"the recorded real run is checked instead, its inputs replayed at their times and its outputs as\n" +
			"the obligations; the original is fault-free unless --faults says otherwise (docs/CHECKING.md).\n\n" +
			"Exit status: 0 Equivalent (every run explained by a replayed witness), 1 NotEquivalent (a shrunk\n" +
			"counterexample is printed) or Violated (a run of the rewrite violated one of its invariants and no\n" +
			"run of the original violating it was found before a search bound; its trace is printed), 2 Unknown\n" +
			"(a search bound was hit; the report names the flag to raise), 3 usage or program error.",
		Flags: append(append(checkSearchFlags(),
			jobsFlag(),
			jsonFlag("print the report as JSON"),
			shardFlag(),
			&cli.StringFlag{Name: "save-witness", Usage: "write every witness schedule and the counterexample's schedule, trace and side-by-side page (counterexample.html) to `DIR`"},
			&cli.BoolFlag{Name: "ascii", Usage: "after a counterexample, draw it as text beside the original's run that got furthest"},
			&cli.StringFlag{Name: "schedule", Usage: "check one recorded run of REWRITTEN (a schedule `FILE` from dsim run --schedule or --save-witness)"},
			noShrinkFlag("report the counterexample as found"),
			&cli.StringFlag{Name: "history", Usage: "check the history a real run recorded in trace `DIR` (dsim serve --trace-dir) against ORIGINAL; REWRITTEN is omitted"},
			&cli.DurationFlag{Name: "history-unit", Usage: "real time of one virtual time unit for --history (e.g. 1ms, 100us; default: automatic, see --history-gap)"},
			&cli.BoolFlag{Name: "history-open", Usage: "the recording stopped with requests in flight (e.g. dsim bench): outputs after its last event are not compared"},
			&cli.Int64Flag{Name: "history-gap", Value: realnet.DefaultMinGap, Usage: "--history's automatic unit keeps every answer at least `N` units after its request"},
		), append(slices.Concat(workloadFlags(), exhaustiveFlags("of REWRITTEN, each explained by ORIGINAL,"), checkExhaustiveFlags()),
			&cli.BoolFlag{Name: "coverage", Usage: "print rule coverage of both programs (the rewrite over its runs, the original over the witnesses); with --json, as JSON"},
			coverageHTMLFlag(),
			&cli.Float64Flag{Name: "min-coverage", Usage: "exit 2 (Unknown) instead of Equivalent when fewer than `P` percent of the rewrite's rules fired"},
		)...),
		Action: checkAction,
	})
}

func checkAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if c.String("history") != "" {
		return checkHistoryAction(c)
	}
	if c.IsSet("history-unit") || c.IsSet("history-gap") || c.IsSet("history-open") {
		return usageError(c, "--history-unit, --history-gap and --history-open need --history DIR")
	}
	if c.NArg() != 2 {
		return usageError(c, "dsim check takes an original and a rewritten program (or an original and --history DIR), got %d arguments (see dsim check --help)", c.NArg())
	}
	orig, err := loadProgram(c, c.Args().Get(0))
	if err != nil {
		return asUsage(err)
	}
	rew, err := loadProgram(c, c.Args().Get(1))
	if err != nil {
		return asUsage(err)
	}
	opts, err := checkOptions(c, rew)
	if err != nil {
		return err
	}
	opts.MinCoverage, opts.OriginalCoverage = c.Float64("min-coverage"), wantCoverage(c)
	if opts.Exhaustive, opts.ExhaustiveStates = c.Bool("exhaustive"), c.Int("exhaustive-states"); opts.Exhaustive {
		switch {
		case c.String("schedule") != "" || opts.Closed > 0:
			return usageError(c, "--exhaustive enumerates the runs of one open-loop workload: it takes neither --schedule nor --closed")
		case opts.ExhaustiveStates < 1:
			return usageError(c, "--exhaustive-states must be >= 1")
		case c.Int("max-split-combinations") < 1 || c.Int("exhaustive-branches") < 1:
			return usageError(c, "--max-split-combinations and --exhaustive-branches must be >= 1")
		case !c.IsSet("max-delay"):
			opts.MaxDelay = 3
		}
		opts.MaxSplitCombinations, opts.ExhaustiveBranches = c.Int("max-split-combinations"), c.Int("exhaustive-branches")
	} else if c.IsSet("exhaustive-states") {
		return usageError(c, "--exhaustive-states needs --exhaustive")
	} else if c.IsSet("exhaustive-branches") {
		return usageError(c, "--exhaustive-branches needs --exhaustive")
	} else if c.IsSet("max-split-combinations") {
		return usageError(c, "--max-split-combinations needs --exhaustive")
	}
	if opts.MinCoverage < 0 || opts.MinCoverage > 100 {
		return usageError(c, "--min-coverage %g: give a percentage in 0..100", opts.MinCoverage)
	}
	var bar *checkProgress
	if isTerminal(os.Stderr) && !c.Bool("json") {
		bar = &checkProgress{out: c.App.ErrWriter}
		opts.Progress = bar.update
	}
	var rep *checker.Report
	if path := c.String("schedule"); path != "" {
		sched, err := readSchedule(c, path)
		if err != nil {
			return err
		}
		rep, err = checker.CheckSchedule(orig, rew, sched, opts)
		if err != nil {
			return usageError(c, "%v", err)
		}
	} else {
		rep, err = checker.Check(orig, rew, opts)
		if err != nil {
			if bar != nil {
				bar.clear()
			}
			return usageError(c, "%v", err)
		}
	}
	if bar != nil {
		bar.clear()
	}
	return printCheckReport(c, rep)
}

// checkOptions reads the flags common to every form of dsim check, and
// to dsim mutate and dsim rewrite --check; rew is the program whose
// inputs --values shapes.
func checkOptions(c *cli.Context, rew *analysis.Program) (checker.Options, error) {
	var err error
	opts := checker.Options{
		Runs:              c.Int("runs"),
		Spec:              sim.Spec{Clients: c.Int("clients"), Seed: c.Uint64("seed"), Limits: sim.Limits{MaxTime: c.Int64("max-time")}},
		MaxStates:         c.Int("max-states"),
		MaxDepth:          c.Int("max-depth"),
		MaxDelay:          c.Int64("max-delay"),
		MaxEscalatedDelay: c.Int64("max-escalated-delay"),
		Timeout:           c.Duration("timeout"),
		ShrinkTimeout:     c.Duration("shrink-timeout"),
		Jobs:              c.Int("jobs"),
		NoShrink:          c.Bool("no-shrink"),
	}
	if c.Bool("closed") {
		opts.Closed = c.Int("inputs")
	} else {
		opts.Open = c.Int("inputs")
	}
	if opts.Runs < 1 || c.Int("inputs") < 0 || opts.Jobs < 0 || opts.MaxStates < 1 || opts.MaxDepth < 1 {
		return opts, usageError(c, "--runs, --max-states and --max-depth must be >= 1 and --inputs, --jobs >= 0")
	}
	if opts.Jobs == 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Shard, err = shardFromFlags(c); err != nil {
		return opts, usageError(c, "%v", err)
	}
	if opts.Faults, err = sim.ParseFaultPlan(c.String("faults")); err != nil {
		return opts, usageError(c, "--faults: %v", err)
	}
	d, err := sim.ParseDistribution(c.String("delay"))
	if err != nil {
		return opts, usageError(c, "--delay: %v", err)
	}
	opts.Delay = &d
	if opts.Values, opts.Repeats, err = workloadShape(c, rew); err != nil {
		return opts, usageError(c, "%v", err)
	}
	return opts, nil
}

// printCheckReport writes the report (and --save-witness files) and
// returns the verdict's exit status.
func printCheckReport(c *cli.Context, rep *checker.Report) error {
	var err error
	var files checker.SavedFiles
	if dir := c.String("save-witness"); dir != "" {
		if files, err = saveWitnesses(dir, rep); err != nil {
			return usageError(c, "--save-witness: %v", err)
		}
	}
	orig, rew := rep.Programs()
	if err := writeCoverageHTML(c, c.Args().Get(1)+" against "+c.Args().Get(0),
		coveredProgram{c.Args().Get(1), "rewrite " + c.Args().Get(1) + ", over its runs", rew, rep.Coverage},
		coveredProgram{c.Args().Get(0), "original " + c.Args().Get(0) + ", over the witnesses", orig, rep.OriginalCoverage}); err != nil {
		return err
	}
	if c.Bool("json") {
		_, _ = c.App.Writer.Write(cliBytes(rep.JSON()))
	} else {
		fmt.Fprint(c.App.Writer, cliText(rep.Text(files)))
		if c.Bool("coverage") {
			fmt.Fprint(c.App.Writer, "\n"+rep.CoverageText())
		}
		if c.Bool("ascii") {
			text, err := sideBySideText(rep)
			if err != nil {
				return usageError(c, "--ascii: %v", err)
			}
			fmt.Fprint(c.App.Writer, cliText(text))
		}
	}
	return verdictStatus(rep.Verdict)
}

// verdictStatus is a check verdict's exit status, for check, merge and
// rewrite --check: 0 Equivalent, 1 a failed check (NotEquivalent, or
// Violated: the rewrite broke its own invariant), 2 Unknown.
func verdictStatus(v checker.Verdict) error {
	switch {
	case v == checker.Equivalent:
		return nil
	case v.Failed():
		return exitError{1}
	}
	return exitError{2}
}

// asUsage turns loadProgram's "bad program" status 1 into 3: for check,
// 1 means NotEquivalent.
func asUsage(err error) error {
	if e, ok := err.(exitError); ok && e.code == 1 {
		return exitError{3}
	}
	return err
}

// saveWitnesses writes run-N.witness for every explained run, and
// counterexample.schedule and counterexample.trace for the counterexample.
func saveWitnesses(dir string, rep *checker.Report) (checker.SavedFiles, error) {
	var files checker.SavedFiles
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return files, err
	}
	for _, r := range rep.Runs {
		if r.Witness == nil {
			continue
		}
		text := r.Witness.String()
		if len(r.Omitted) > 0 {
			text = "# inputs the faulty entry node omitted to receive (not replayed):\n#   " +
				strings.ReplaceAll(strings.TrimRight(r.Omitted.String(), "\n"), "\n", "\n#   ") + "\n" + text
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("run-%d.witness", r.Index)), []byte(text), 0o644); err != nil {
			return files, err
		}
	}
	if cx := rep.Counterexample; cx != nil && cx.Schedule != nil && cx.Trace != nil {
		files.Schedule = filepath.Join(dir, "counterexample.schedule")
		files.Trace = filepath.Join(dir, "counterexample.trace")
		files.TraceJSON = filepath.Join(dir, "counterexample.trace.json")
		if err := os.WriteFile(files.TraceJSON, cx.Trace.JSON(), 0o644); err != nil {
			return files, err
		}
		if err := os.WriteFile(files.Schedule, []byte(cx.Schedule.String()), 0o644); err != nil {
			return files, err
		}
		if err := os.WriteFile(files.Trace, []byte(cx.Trace.String()), 0o644); err != nil {
			return files, err
		}
		page, err := writeWitnessPage(dir, rep)
		if err != nil {
			return files, err
		}
		files.Page = page
	}
	return files, nil
}

// checkProgress draws runs done on a terminal.
type checkProgress struct {
	out   interface{ Write([]byte) (int, error) }
	start time.Time
}

func (p *checkProgress) update(done, total int) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	const width = 30
	n := done * width / max(total, 1)
	fmt.Fprintf(p.out, "\rcheck [%s%s] %d/%d runs %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, time.Since(p.start).Round(time.Millisecond))
}

func (p *checkProgress) clear() { fmt.Fprintf(p.out, "\r%s\r", strings.Repeat(" ", 70)) }
