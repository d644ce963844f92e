package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim explore`: many seeded runs, a shrunk reproducer
// for the first failure, a progress bar on a terminal.

func init() {
	register(&cli.Command{
		Name:      "explore",
		Usage:     "run a program under many seeds, checking invariants and that requests are answered",
		ArgsUsage: "PROG...",
		Description: "Runs PROG under --runs seeds derived from --seed (each run its own world, --jobs at\n" +
			"a time; the result does not depend on --jobs). A run fails when an invariant is violated,\n" +
			"or when a fault-free run (no --faults) ends with a request unanswered; a run that hits a\n" +
			"work bound is inconclusive. Exploration stops at the first failing seed, shrinks the run\n" +
			"(fewer requests, fewer faults, smaller delays) while it fails the same way, and writes a\n" +
			"reproducer into --out, which `go test ./sim` replays (docs/SEMANTICS.md, Exploration).\n\n" +
			"Example:\n" +
			"   dsim explore corpus/2pc/base.ded --runs 1000 --requests 5 --faults 'omission random f=1 p=0.3 until=50'\n\n" +
			"With --model sync (the default for programs in Molly's dialect, which may span several\n" +
			"files) it checks instead every run of Molly's synchronous model within --eot, --eff and\n" +
			"--crashes: every message arrives one round after it is sent unless lost, losses only\n" +
			"before round --eff, up to --crashes crash-stops, the end-of-run spec (.final, or Molly's\n" +
			"pre/post) checked at --eot. It prints a shrunk counterexample with its spacetime diagram\n" +
			"(exit 1) or a certificate (exit 0); docs/SEMANTICS.md, \"The synchronous model\".\n" +
			"   dsim explore bcast.ded spec.ded --model sync --eot 4 --eff 2 --crashes 1 --nodes a,b,c\n\n" +
			"With --exhaustive (asynchronous model) it checks every run of one open-loop workload (--open N\n" +
			"inputs from --seed, default 2; no closed-loop --requests) within the bounds instead of seeded\n" +
			"runs: every delay 1..--max-delay of every message, every loss the fault plan allows, every\n" +
			"choose/index choice, states memoised. It prints a shrunk reproducer (exit 1) or a certificate\n" +
			"(exit 0), or names the bound hit (exit 2); docs/SEMANTICS.md, \"Exhaustive enumeration\".\n" +
			"   dsim explore corpus/2pc/base.ded --exhaustive --open 2 --faults 'omission random f=1 p=0.3 until=20'\n\n" +
			"Exit status: 0 every run passed, 1 a failing run (or a bad program), 2 some runs inconclusive\n" +
			"and none failing, 3 usage error.",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "runs", Value: 100, Usage: "number of runs (seeds)"},
			seedFlag("base seed; run i uses seed + i"),
			faultsFlag("fault plan of every run, e.g. 'omission random f=1 p=0.3 until=50'"),
			&cli.IntFlag{Name: "requests", Value: 5, Usage: "closed-loop requests per run (0: none)"},
			clientsFlag(1, "closed-loop clients"),
			openFlag("also `N` open-loop inputs per run, generated from the run's seed"),
			delayFlag("delay distribution: uniform:MAX, geometric:P or hold:P:H"),
			jobsFlag(),
			setFlag(),
			&cli.StringFlag{Name: "out", Value: "corpus/regressions", Usage: "directory for the reproducer file"},
			&cli.IntFlag{Name: "max-shrink", Value: sim.DefaultMaxShrinkAttempts, Usage: "most runs the shrinker may try"},
			noShrinkFlag("keep the failing run as found"),
			traceFileFlag("sync model: write the counterexample's trace to `FILE` (JSON, for dsim viz)"),
			&cli.BoolFlag{Name: "coverage", Usage: "print rule coverage summed over the runs checked: ticks each rule fired, messages per async rule, rows each negation blocked, largest aggregate groups"},
			coverageHTMLFlag(),
			jsonFlag("print the report as JSON (a failing run's reproducer is in it, not written to --out)"),
			shardFlag(),
			&cli.Int64Flag{Name: "max-delay", Value: 3, Usage: "with --exhaustive: largest message delay enumerated"},
		}, slices.Concat(simLimitFlags(" of each run"), dialectFlags(), syncFlags(), workloadFlags(), exhaustiveFlags("of PROG"))...),
		Action: exploreAction,
	})
}

func exploreAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	m, err := isMolly(c, c.Args().Slice())
	if err != nil {
		return usageError(c, "%v", err)
	}
	switch model := c.String("model"); {
	case model == "sync" || (m && !c.IsSet("model")):
		return exploreSyncAction(c)
	case model != "async":
		return usageError(c, "--model %q: give async or sync", model)
	case m:
		return usageError(c, "a program in Molly's dialect runs in the synchronous model: use --model sync")
	}
	if c.NArg() != 1 {
		return usageError(c, "dsim explore takes one program, got %d arguments (several files form one program only in Molly's dialect)", c.NArg())
	}
	progName := c.Args().First()
	prog, err := loadProgram(c, progName)
	if err != nil {
		return err
	}
	opts, err := exploreOptions(c, prog)
	if err != nil {
		return usageError(c, "%v", err)
	}
	opts.Coverage = wantCoverage(c)
	if c.Bool("exhaustive") {
		return exploreExhaustiveAction(c, progName, prog, opts)
	}
	if c.IsSet("exhaustive-states") || c.IsSet("exhaustive-branches") || c.IsSet("max-delay") {
		return usageError(c, "--exhaustive-states, --exhaustive-branches and --max-delay need --exhaustive")
	}
	bar := newProgressBar(c.App.ErrWriter)
	if bar != nil {
		opts.Progress = bar.update
	}
	start := time.Now() // wall clock for the runs/s figure only; it reaches no result
	rep, err := sim.Explore(prog, opts)
	elapsed := time.Since(start)
	if bar != nil {
		bar.clear()
	}
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim explore: %v\n", err)
		return exitError{3}
	}
	if c.Bool("json") {
		_, _ = c.App.Writer.Write(cliBytes(rep.JSON()))
		return exploreStatus(rep.Failures(), rep.Inconclusive)
	}
	out := c.App.Writer
	total, shrinkNote := rep.Runs, ""
	if rep.Repro != nil && rep.Repro.Shrink != nil {
		total += rep.Repro.Shrink.Attempts
		shrinkNote = fmt.Sprintf(" incl. %d shrink runs", rep.Repro.Shrink.Attempts)
	}
	rate := float64(total) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(out, "explored %s: %d of %d runs, %d failing, %d inconclusive; %.3fs, %.0f runs/s%s\n",
		progName, rep.Runs, rep.Requested, rep.Failures(), rep.Inconclusive, elapsed.Seconds(), rate, shrinkNote)
	if rep.FirstInconclusive != "" {
		fmt.Fprintf(out, "first inconclusive: %s\n", cliText(rep.FirstInconclusive))
	}
	if rep.Coverage != nil && c.Bool("coverage") {
		fmt.Fprint(out, rep.Coverage.Text(prog))
	}
	if err := writeCoverageHTML(c, progName, coveredProgram{progName, fmt.Sprintf("%s over the %d runs explored", progName, rep.Runs), prog, rep.Coverage}); err != nil {
		return err
	}
	if rep.Failure == nil {
		if rep.Inconclusive > 0 {
			return exitError{2}
		}
		return nil
	}
	return reportFailure(c, progName, rep)
}

func exploreOptions(c *cli.Context, prog *analysis.Program) (sim.ExploreOptions, error) {
	opts := sim.ExploreOptions{
		Runs: c.Int("runs"), Jobs: c.Int("jobs"), MaxShrinkAttempts: c.Int("max-shrink"), NoShrink: c.Bool("no-shrink"),
	}
	if opts.Jobs < 0 || opts.Jobs > sim.MaxExploreJobs {
		return opts, fmt.Errorf("--jobs %d: give between 1 and %d jobs (0: the number of CPUs)", opts.Jobs, sim.MaxExploreJobs)
	}
	var err error
	if opts.Shard, err = shardFromFlags(c); err != nil {
		return opts, err
	}
	opts.Spec, err = specFromFlags(c, prog)
	return opts, err
}

// exploreStatus is explore's exit status: 1 a failing run, 2 some runs
// inconclusive and none failing, else 0.
func exploreStatus(failures, inconclusive int) error {
	switch {
	case failures > 0:
		return exitError{1}
	case inconclusive > 0:
		return exitError{2}
	}
	return nil
}

// reportFailure prints the shrunk reproducer, writes its file and says how
// to replay and draw it.
func reportFailure(c *cli.Context, progName string, rep *sim.ExploreReport) error {
	out := c.App.Writer
	r := rep.Repro
	r.Program = progName
	fmt.Fprintf(out, "FAILED: run %d (seed %d): %s\n", rep.FailingRun, rep.FailingSeed, rep.Failure)
	if s := r.Shrink; s != nil {
		exhausted := ""
		if s.Exhausted {
			exhausted = ", stopped at the bound (raise with --max-shrink)"
		}
		fmt.Fprintf(out, "shrunk in %d runs%s: size %d -> %d\n", s.Attempts, exhausted, s.SizeBefore, s.SizeAfter)
	}
	text := r.Text() // also fixes the schedule's choices as text
	fmt.Fprintf(out, "reproducer: %s\n", r.Failure)
	sched := r.Schedule
	fmt.Fprintf(out, "  seed %d, faults: %s, delay %s\n", sched.Seed, sched.Faults, sched.Delay)
	fmt.Fprintf(out, "  inputs:\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(out, "    @%d %s -> %s client=%d\n", in.Time, in.Fact, in.Node, in.Client)
	}
	var wild []string
	for _, p := range sched.Choices {
		if p.Decision != "delay 1" {
			wild = append(wild, p.Key+" => "+p.Decision)
		}
	}
	fmt.Fprintf(out, "  %d choices; all delays 1 except:\n", len(sched.Choices))
	for _, w := range wild {
		fmt.Fprintf(out, "    %s\n", w)
	}
	dir := c.String("out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError(c, "creating %s: %v", dir, err)
	}
	path := filepath.Join(dir, r.FileName())
	if err := os.WriteFile(path, []byte(reproCLI(text)), 0o644); err != nil {
		return usageError(c, "writing the reproducer: %v", err)
	}
	fmt.Fprintf(out, "wrote %s (`go test ./sim` replays it; see docs/SEMANTICS.md, Exploration)\n", path)
	fmt.Fprintf(out, "reproduce: dsim replay %s %s --trace repro.json\n", shellQuote(progName), shellQuote(path))
	fmt.Fprintf(out, "draw:      dsim viz repro.json -o repro.html\n")
	return exitError{1}
}

// reproCLI names flags and commands in a reproducer's header (cliText),
// leaving its schedule, whose facts are data, as the library wrote it.
func reproCLI(text string) string {
	i := strings.Index(text, "\n"+sim.ScheduleHeader+"\n")
	if i < 0 {
		return text
	}
	return cliText(text[:i]) + text[i:]
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$\\;&|<>*?()[]{}") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// progressBar draws on a terminal only; nil when w is not one.
type progressBar struct{ w io.Writer }

func newProgressBar(w io.Writer) *progressBar {
	under := w
	if cw, ok := w.(cliWriter); ok { // dsim's stderr (bounds.go)
		under = cw.w
	}
	f, ok := under.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w}
}

func (b *progressBar) update(done, total int) {
	const width = 40
	filled := done * width / max(total, 1)
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d runs", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
}

func (b *progressBar) clear() { fmt.Fprint(b.w, "\r\033[K") }
