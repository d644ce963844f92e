package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/molly"
	"github.com/dsim-project/dsim/sim"
	"github.com/dsim-project/dsim/sim/viz"
)

// This file is the command line's hook for classic Dedalus (Molly's
// dialect, package semantics/molly) and for the synchronous model
// (sim.ExploreSync): dialect detection, loading several files as one
// program, and `explore --model sync` / `run` of a Molly program.

// dialectFlags are the flags of every command that reads a program.
func dialectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dialect", Value: "auto", Usage: "program dialect: auto (detected from the file), dsim or molly"},
		&cli.StringFlag{Name: "nodes", Usage: "Molly programs: the nodes, `a,b,c` (default: the locations in the program's facts)"},
	}
}

// syncFlags configure the synchronous model; the defaults are Molly's.
func syncFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", Value: "async", Usage: "async (seeded schedules) or sync (Molly's synchronous rounds, exhaustive)"},
		&cli.Int64Flag{Name: "eot", Value: 3, Usage: "sync model: the last round (end of time); the spec is checked after it"},
		&cli.Int64Flag{Name: "eff", Value: 2, Usage: "sync model: messages sent before round `F` may be lost (end of finite failures)"},
		&cli.IntFlag{Name: "crashes", Usage: "sync model: at most `C` nodes crash"},
		&cli.IntFlag{Name: "max-states", Value: sim.DefaultSyncMaxStates, Usage: "sync model: bound on the distinct states searched"},
		&cli.StringFlag{Name: "html", Usage: "sync model: draw the counterexample's spacetime diagram into `FILE`"},
	}
}

// isMolly decides the dialect of the files named on the command line.
func isMolly(c *cli.Context, paths []string) (bool, error) {
	switch d := c.String("dialect"); d {
	case "molly":
		return true, nil
	case "dsim":
		return false, nil
	case "auto", "":
		if len(paths) == 0 {
			return false, nil
		}
		if strings.HasSuffix(paths[0], ".rs") {
			return false, nil // an artifact role file: its datalog! macro is dsim's dialect
		}
		src, err := os.ReadFile(paths[0])
		if err != nil {
			return false, nil // loadProgram reports it (or finds it in the corpus)
		}
		return molly.Detect(src), nil
	default:
		return false, fmt.Errorf("--dialect %q: give auto, dsim or molly", d)
	}
}

// loadMolly reads paths as one Molly program; errors are rendered with
// the source line of the file they come from (status 1).
func loadMolly(c *cli.Context, paths []string) (*molly.Program, error) {
	var nodes []string
	if s := c.String("nodes"); s != "" {
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n == "" {
				return nil, usageError(c, "--nodes %q: give node names separated by commas, e.g. a,b,c", s)
			}
			if slices.Contains(nodes, n) {
				return nil, usageError(c, "--nodes: node %q is listed twice", n)
			}
			nodes = append(nodes, n)
		}
	}
	p, srcs, diags := molly.Load(paths, molly.Options{Nodes: nodes})
	if len(diags) > 0 {
		fmt.Fprint(c.App.ErrWriter, srcs.Render(diags))
		return nil, exitError{1}
	}
	return p, nil
}

// syncTarget loads the program(s) for the synchronous model.
func syncTarget(c *cli.Context, paths []string) (sim.SyncTarget, error) {
	m, err := isMolly(c, paths)
	if err != nil {
		return sim.SyncTarget{}, usageError(c, "%v", err)
	}
	if m {
		p, err := loadMolly(c, paths)
		if err != nil {
			return sim.SyncTarget{}, err
		}
		if !p.HasSpec && !p.GoodSpec && !hasChecks(p.Located.Prog) {
			return sim.SyncTarget{}, usageError(c, "nothing to check: the program defines no pre and post relations, nor good (add the file with its spec)")
		}
		if err := p.SetGoodBaseline(c.Int64("eot")); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "dsim %s: %v\n", c.Command.Name, err)
			return sim.SyncTarget{}, exitError{1}
		}
		return sim.SyncTarget{Located: p.Located}, nil
	}
	if len(paths) != 1 {
		return sim.SyncTarget{}, usageError(c, "a dsim-dialect program is one file, got %d (several files form one program only in Molly's dialect)", len(paths))
	}
	if c.String("nodes") != "" {
		return sim.SyncTarget{}, usageError(c, "--nodes names the nodes of Molly programs; a dsim program's nodes are its component instances (change counts with --set)")
	}
	prog, err := loadProgram(c, paths[0])
	if err != nil {
		return sim.SyncTarget{}, err
	}
	if !hasChecks(prog) {
		return sim.SyncTarget{}, usageError(c, "nothing to check: declare an end-of-run spec (.final r) or an invariant (.invariant r)")
	}
	var cfg sim.Config
	if err := commonConfig(c, &cfg); err != nil {
		return sim.SyncTarget{}, usageError(c, "%v", err)
	}
	return sim.SyncTarget{Program: prog, Counts: cfg.Counts}, nil
}

func hasChecks(p *analysis.Program) bool {
	for _, r := range p.Relations {
		if r.Final || r.Invariant {
			return true
		}
	}
	return false
}

func syncBounds(c *cli.Context) sim.SyncBounds {
	return sim.SyncBounds{EOT: c.Int64("eot"), EFF: c.Int64("eff"), Crashes: c.Int("crashes")}
}

// exploreSyncAction is `dsim explore --model sync` (and explore of a
// Molly program): exit 0 with a certificate, 1 with a counterexample, 2
// when the search bound was reached.
func exploreSyncAction(c *cli.Context) error {
	paths := c.Args().Slice()
	if len(paths) == 0 {
		return usageError(c, "name the program: dsim explore FILE... --model sync")
	}
	// The seeded model's flags mean nothing here; saying so beats
	// ignoring them.
	for _, f := range []string{"runs", "seed", "faults", "requests", "clients", "open", "delay", "jobs", "max-time", "max-ticks", "max-messages", "max-facts", "out", "max-shrink"} {
		if c.IsSet(f) {
			return usageError(c, "--%s belongs to the seeded model; the synchronous model's bounds are --eot, --eff, --crashes and --max-states", f)
		}
	}
	target, err := syncTarget(c, paths)
	if err != nil {
		return err
	}
	rep, err := sim.ExploreSync(target, sim.SyncOptions{Bounds: syncBounds(c), MaxStates: c.Int("max-states"), NoShrink: c.Bool("no-shrink")})
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim explore: %v\n", err)
		return exitError{3}
	}
	out := c.App.Writer
	fmt.Fprintf(out, "explored %s\n", strings.Join(paths, " "))
	fmt.Fprint(out, cliText(rep.Text()))
	switch rep.Verdict {
	case sim.SyncCertified:
		return nil
	case sim.SyncUnknown:
		return exitError{2}
	}
	if err := drawSync(c, rep.Failure.Trace); err != nil {
		return err
	}
	if target.Located != nil {
		args := []string{}
		for _, p := range paths {
			args = append(args, shellQuote(p))
		}
		if n := c.String("nodes"); n != "" {
			args = append(args, "--nodes", shellQuote(n))
		}
		args = append(args, "--eot", strconv.FormatInt(c.Int64("eot"), 10))
		for _, l := range rep.Failure.Losses {
			args = append(args, "--lose", "'"+l.String()+"'")
		}
		for _, cr := range rep.Failure.Crashes {
			args = append(args, "--crash", "'"+cr.String()+"'")
		}
		fmt.Fprintf(c.App.Writer, "replay: dsim run %s\n", strings.Join(args, " "))
		fmt.Fprintf(c.App.Writer, "draw:   dsim viz %s -o cex.html\n", strings.Join(args, " "))
	}
	return exitError{1}
}

// drawSync prints the run's spacetime diagram and writes --trace and
// --html when given.
func drawSync(c *cli.Context, tr *sim.Trace) error {
	d, err := viz.Build(tr, viz.Options{})
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim %s: drawing the run: %v\n", c.Command.Name, err)
		return exitError{2}
	}
	fmt.Fprintln(c.App.Writer, "spacetime diagram:")
	if err := viz.WriteASCII(c.App.Writer, d); err != nil {
		return usageError(c, "%v", err)
	}
	if path := c.String("trace"); path != "" {
		if err := os.WriteFile(path, tr.JSON(), 0o644); err != nil {
			return usageError(c, "writing the trace: %v", err)
		}
		fmt.Fprintf(c.App.Writer, "wrote %s (dsim viz %s -o run.html)\n", path, path)
	}
	if path := c.String("html"); path != "" {
		var page bytes.Buffer
		if err := viz.WriteHTML(&page, d, "counterexample"); err != nil {
			return usageError(c, "%v", err)
		}
		if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
			return usageError(c, "writing the page: %v", err)
		}
		fmt.Fprintf(c.App.Writer, "wrote %s\n", path)
	}
	return nil
}

// failureFlags name one failure scenario of the synchronous model.
func failureFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "lose", Usage: "Molly programs: lose the channel's messages of one round, `'FROM -> TO @ROUND'` (repeatable)"},
		&cli.StringSliceFlag{Name: "crash", Usage: "Molly programs: crash a node in a round, `'NODE @ROUND'` (repeatable)"},
	}
}

// parseScenario reads --lose and --crash in the form the sync report
// prints them.
func parseScenario(c *cli.Context) ([]sim.SyncCrash, []sim.SyncLoss, error) {
	var crashes []sim.SyncCrash
	var losses []sim.SyncLoss
	round := func(flag, s string) (string, int64, error) {
		i := strings.LastIndex(s, "@")
		if i < 0 {
			return "", 0, fmt.Errorf("--%s %q: write the round after '@', e.g. 'a -> b @1'", flag, s)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s[i+1:]), 10, 64)
		if err != nil || n < 1 {
			return "", 0, fmt.Errorf("--%s %q: the round is an integer >= 1", flag, s)
		}
		return strings.TrimSpace(s[:i]), n, nil
	}
	for _, s := range c.StringSlice("crash") {
		node, n, err := round("crash", s)
		if err != nil {
			return nil, nil, err
		}
		crashes = append(crashes, sim.SyncCrash{Node: node, Time: n})
	}
	for _, s := range c.StringSlice("lose") {
		ch, n, err := round("lose", s)
		if err != nil {
			return nil, nil, err
		}
		from, to, ok := strings.Cut(ch, "->")
		if !ok {
			return nil, nil, fmt.Errorf("--lose %q: name the channel as FROM -> TO, e.g. 'a -> b @1'", s)
		}
		losses = append(losses, sim.SyncLoss{From: strings.TrimSpace(from), To: strings.TrimSpace(to), Time: n})
	}
	return crashes, losses, nil
}

// mollyTrace runs the Molly program named on the command line under the
// --lose/--crash scenario (losses apply in every round up to --eot) and
// returns its trace.
func mollyTrace(c *cli.Context) (*sim.Trace, error) {
	p, err := loadMolly(c, c.Args().Slice())
	if err != nil {
		return nil, err
	}
	crashes, losses, err := parseScenario(c)
	if err != nil {
		return nil, usageError(c, "%v", err)
	}
	eot := c.Int64("eot")
	run, err := sim.RunSync(sim.SyncTarget{Located: p.Located}, sim.SyncBounds{EOT: eot, EFF: eot + 1}, crashes, losses)
	if err != nil {
		return nil, usageError(c, "%v", err)
	}
	return run.Trace, nil
}

// runMollyAction is `dsim run` of a Molly program: the failure-free run of
// the synchronous model to --eot, the spec's verdict, and the facts of the
// --print relations at EOT.
func runMollyAction(c *cli.Context) error {
	paths := c.Args().Slice()
	p, err := loadMolly(c, paths)
	if err != nil {
		return err
	}
	b := sim.SyncBounds{EOT: c.Int64("eot")}
	b.EFF = b.EOT + 1 // --lose applies in any round
	if err := p.SetGoodBaseline(b.EOT); err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim run: %v\n", err)
		return exitError{1}
	}
	crashes, losses, err := parseScenario(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	run, err := sim.RunSync(sim.SyncTarget{Located: p.Located}, b, crashes, losses)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim run: %v\n", err)
		return exitError{3}
	}
	out := c.App.Writer
	for _, rel := range c.StringSlice("print") {
		r := p.Located.Prog.Relation(rel)
		if r == nil {
			return usageError(c, "--print %s: the program has no relation %s", rel, rel)
		}
		for _, tu := range run.Facts[0][rel] {
			fmt.Fprintf(out, "%s%s\n", rel, tu)
		}
	}
	if path := c.String("trace"); path != "" {
		if err := os.WriteFile(path, run.Trace.JSON(), 0o644); err != nil {
			return usageError(c, "writing the trace: %v", err)
		}
	}
	what := "failure-free run"
	if len(crashes)+len(losses) > 0 {
		what = fmt.Sprintf("run with losses %s and crashes %s", lossText(run.Losses), crashText(crashes))
	}
	fmt.Fprintf(out, "%s of %s: nodes %s, rounds 1..%d\n", what, strings.Join(paths, " "), strings.Join(run.Nodes, ","), b.EOT)
	if len(run.Violations) > 0 {
		for _, v := range run.Violations {
			fmt.Fprintf(out, "  %s\n", v)
		}
		return exitError{1}
	}
	switch {
	case p.HasSpec:
		fmt.Fprintf(out, "  spec holds at EOT (every pre fact has its post)\n")
	case p.GoodSpec:
		fmt.Fprintf(out, "  spec holds at EOT (good as in the failure-free run)\n")
	}
	return nil
}

func lossText(ls []sim.SyncLoss) string {
	if len(ls) == 0 {
		return "none"
	}
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	return strings.Join(s, ", ")
}

func crashText(cs []sim.SyncCrash) string {
	if len(cs) == 0 {
		return "none"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}
