package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim run`; replay.go holds `dsim replay`. Both share the
// helpers at the bottom (program loading, result printing).

func init() {
	register(&cli.Command{
		Name:      "run",
		Usage:     "simulate one seeded world of a program and print its outputs",
		ArgsUsage: "PROG",
		Description: "Runs PROG (a .ded file, or an embedded program such as corpus/hashset/base.ded) in the\n" +
			"deterministic simulator and prints the outputs its clients received (distinct, sorted)\n" +
			"and a summary. The same arguments always give the same output.\n\n" +
			"Example:\n" +
			"   dsim run corpus/hashset/base.ded --seed 7 --requests 5 --faults 'omission storage[1] p=0.3 until=50'\n\n" +
			"Exit status: 0 ok, 1 invariant violated or bad program, 2 stopped at a work bound, 3 usage error.",
		Flags: append([]cli.Flag{
			seedFlag("seed of the run's one random generator"),
			&cli.StringFlag{Name: "workload", Usage: "file of inputs, one per line: @TIME rel(v, ...) -> comp[i] [client=K]"},
			&cli.IntFlag{Name: "requests", Usage: "closed-loop workload: send `K` requests of the first .input relation"},
			clientsFlag(1, "closed-loop clients (with --requests)"),
			openFlag("open-loop workload: `N` seeded inputs at seeded times"),
			faultsFlag("fault plan, e.g. 'omission storage[1] p=0.3 until=500; crash leader[0] at=200'"),
			&cli.StringFlag{Name: "schedule", Usage: "write the run's schedule (every oracle choice) to `FILE`"},
			&cli.BoolFlag{Name: "check-determinism", Usage: "run twice and replay the schedule; fail if anything differs"},
			&cli.Int64Flag{Name: "eot", Value: 3, Usage: "Molly programs: the last round of the failure-free synchronous run"},
			&cli.BoolFlag{Name: "coverage", Usage: "print rule coverage after the result: ticks each rule fired, messages per async rule, rows each negation blocked, largest aggregate groups (with --json, a second JSON document)"},
			coverageHTMLFlag(),
		}, append(runFlags(), append(append(dialectFlags(), failureFlags()...), workloadFlags()...)...)...),
		Action: runAction,
	})
}

// runFlags are the flags of a simulated run (run; explore shares most).
func runFlags() []cli.Flag {
	flags := []cli.Flag{
		setFlag(),
		delayFlag("delay distribution: uniform:MAX, geometric:P or hold:P:H"),
		&cli.Float64Flag{Name: "idle", Usage: "probability `P` of injecting an idle tick when a node goes quiescent"},
	}
	flags = append(flags, resultFlags()...)
	return append(flags, simLimitFlags("")...)
}

func runAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if m, err := isMolly(c, c.Args().Slice()); err != nil {
		return usageError(c, "%v", err)
	} else if m {
		return runMollyAction(c)
	}
	if c.NArg() != 1 {
		return usageError(c, "dsim run takes one program, got %d arguments (several files form one program only in Molly's dialect)", c.NArg())
	}
	prog, err := loadProgram(c, c.Args().First())
	if err != nil {
		return err
	}
	cfg, err := configFromFlags(c, prog)
	if err != nil {
		return usageError(c, "%v", err)
	}
	cfg.Coverage = wantCoverage(c)
	cfg.CoverageDetail = cfg.Coverage
	var res *sim.Result
	if c.Bool("check-determinism") {
		res, err = sim.CheckDeterminism(prog, cfg)
		if err != nil && res != nil {
			fmt.Fprintf(c.App.ErrWriter, "dsim run: %v\n", err)
			return exitError{1}
		}
	} else {
		res, err = sim.Run(prog, cfg)
	}
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim run: %v\n", err)
		return exitError{3}
	}
	if path := c.String("schedule"); path != "" {
		if err := os.WriteFile(path, []byte(res.Schedule.String()), 0o644); err != nil {
			return usageError(c, "writing the schedule: %v", err)
		}
	}
	err = reportResult(c, res)
	if herr := writeCoverageHTML(c, c.Args().First(), coveredProgram{c.Args().First(), c.Args().First() + " over its run", prog, res.Coverage}); herr != nil {
		return herr
	}
	if res.Coverage != nil && c.Bool("coverage") {
		if c.Bool("json") {
			_, _ = c.App.Writer.Write(res.Coverage.JSON(prog))
		} else {
			fmt.Fprint(c.App.Writer, res.Coverage.Text(prog))
		}
	}
	return err
}

func usageError(c *cli.Context, format string, args ...any) error {
	fmt.Fprintf(c.App.ErrWriter, "dsim %s: %s\n", c.Command.Name, fmt.Sprintf(format, args...))
	return exitError{3}
}

func configFromFlags(c *cli.Context, prog *analysis.Program) (sim.Config, error) {
	spec, err := specFromFlags(c, prog)
	if err != nil {
		return sim.Config{}, err
	}
	cfg, err := spec.RunConfig(prog, 0)
	if err != nil {
		return cfg, err
	}
	// --idle and --dump describe one run, not the batch.
	if err := commonConfig(c, &cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// commonConfig applies the flags run and replay share.
func commonConfig(c *cli.Context, cfg *sim.Config) error {
	for _, kv := range c.StringSlice("set") {
		name, val, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil {
			return fmt.Errorf("--set %s: write comp=N, e.g. --set storage=5", kv)
		}
		if cfg.Counts == nil {
			cfg.Counts = map[string]int{}
		}
		cfg.Counts[name] = n
	}
	if c.IsSet("delay") || cfg.Delay == nil {
		d, err := sim.ParseDistribution(c.String("delay"))
		if err != nil {
			return err
		}
		cfg.Delay = &d
	}
	if c.IsSet("max-time") {
		cfg.Limits.MaxTime = c.Int64("max-time")
	}
	if c.IsSet("max-ticks") {
		cfg.Limits.MaxTicks = c.Int("max-ticks")
	}
	if c.IsSet("max-messages") {
		cfg.Limits.MaxMessages = c.Int("max-messages")
	}
	if c.IsSet("max-facts") {
		cfg.Limits.MaxFacts = c.Int("max-facts")
	}
	if c.IsSet("idle") {
		p := c.Float64("idle")
		if !(p >= 0 && p <= 1) { // also refuses NaN
			return fmt.Errorf("--idle %v: a probability is in [0, 1]", p)
		}
		cfg.Idle = sim.IdleTicks{P: p, PerNode: 3, MaxGap: 5}
	}
	cfg.Trace.Dump = c.StringSlice("dump")
	return nil
}

type jsonSummary struct {
	Seed       uint64          `json:"seed"`
	Stop       string          `json:"stop"`
	Message    string          `json:"message"`
	Time       int64           `json:"time"`
	Ticks      int             `json:"ticks"`
	Messages   int             `json:"messages"`
	Deliveries int             `json:"deliveries"`
	Drops      int             `json:"drops"`
	Duplicates int             `json:"duplicates"`
	Outputs    []string        `json:"outputs"`
	Violations []string        `json:"violations,omitempty"`
	Printed    []string        `json:"printed,omitempty"`
	History    json.RawMessage `json:"history,omitempty"`
}

// reportResult prints outputs, printed relations and the summary, writes
// the trace, and maps the stop reason to the exit status.
func reportResult(c *cli.Context, res *sim.Result) error {
	out := c.App.Writer
	res.Stop.Message = cliText(res.Stop.Message)
	if path := c.String("trace"); path != "" {
		data := []byte(res.Trace.String())
		if c.Bool("json") || strings.HasSuffix(path, ".json") {
			data = res.Trace.JSON()
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return usageError(c, "writing the trace: %v", err)
		}
	}
	var outputs, violations, printed []string
	for _, f := range res.History.OutputFacts() {
		outputs = append(outputs, f.String())
	}
	for _, v := range res.Violations {
		violations = append(violations, fmt.Sprintf("%s at %s, virtual time %d", v.Fact, v.Node, v.Time))
	}
	for _, v := range res.Final {
		violations = append(violations, fmt.Sprintf("end-of-run spec: %s at %s, run ended at virtual time %d", v.Fact, v.Node, v.Time))
	}
	for _, rel := range c.StringSlice("print") {
		for _, n := range res.Nodes {
			for _, t := range n.Facts[rel] {
				printed = append(printed, n.Addr.String()+": "+rel+t.String())
			}
		}
	}
	if c.Bool("json") {
		s := jsonSummary{
			Seed: res.Schedule.Seed, Stop: res.Stop.Reason.String(), Message: res.Stop.Message, Time: res.Time,
			Ticks: res.Ticks, Messages: res.Messages, Deliveries: res.Deliveries, Drops: res.Drops,
			Duplicates: res.Duplicates, Outputs: nonNil(outputs), Violations: violations, Printed: printed,
		}
		if c.Bool("print-history") {
			s.History = res.History.JSON()
		}
		data, _ := json.MarshalIndent(s, "", "  ")
		fmt.Fprintln(out, string(data))
	} else {
		fmt.Fprintln(out, "outputs:")
		for _, o := range outputs {
			fmt.Fprintln(out, "  "+o)
		}
		if len(printed) > 0 {
			fmt.Fprintln(out, "relations:")
			for _, p := range printed {
				fmt.Fprintln(out, "  "+p)
			}
		}
		if c.Bool("print-history") {
			fmt.Fprintln(out, "history:")
			for _, l := range strings.SplitAfter(res.History.String(), "\n") {
				if l != "" {
					fmt.Fprint(out, "  "+l)
				}
			}
		}
		printSummary(out, res)
		if len(violations) > 0 {
			fmt.Fprintln(out, "violations:")
			for _, v := range violations {
				fmt.Fprintln(out, "  "+v)
			}
			fmt.Fprintln(out, "trace up to the end of the run (last 20 events; --trace FILE writes all):")
			ev := res.Trace.Events
			for i := max(0, len(ev)-20); i < len(ev); i++ {
				fmt.Fprintln(out, "  "+ev[i].Describe())
			}
		}
	}
	switch {
	case res.Stop.Reason == sim.Violation || len(res.Final) > 0:
		return exitError{1}
	case res.Stop.Bounded():
		fmt.Fprintln(c.App.ErrWriter, "dsim "+c.Command.Name+": "+res.Stop.Message)
		return exitError{2}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func printSummary(out io.Writer, res *sim.Result) {
	fmt.Fprintf(out, "summary: %s; virtual time %d, %d ticks, %d messages, %d deliveries, %d drops, %d duplicates, %d outputs delivered\n",
		res.Stop.Message, res.Time, res.Ticks, res.Messages, res.Deliveries, res.Drops, res.Duplicates, res.Outputs)
}

// withInterspersedFlags re-reads the command's arguments so that flags may
// follow the positional arguments (`dsim run PROG --seed 3`), which
// urfave/cli v2 does not allow on its own. Flags given before the first
// positional argument keep their values.
func withInterspersedFlags(c *cli.Context) (*cli.Context, error) {
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		if err := f.Apply(set); err != nil {
			return c, err
		}
	}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		if _, ok := f.(*cli.StringSliceFlag); ok {
			for _, v := range c.StringSlice(name) {
				_ = set.Set(name, v)
			}
			continue
		}
		if g, ok := c.Value(name).(fmt.Stringer); ok {
			_ = set.Set(name, g.String())
		} else {
			_ = set.Set(name, fmt.Sprint(c.Value(name)))
		}
	}
	rest := c.Args().Slice()
	var positional []string
	for len(rest) > 0 {
		if err := set.Parse(rest); err != nil {
			return c, err
		}
		if set.NArg() == 0 {
			break
		}
		positional = append(positional, set.Arg(0))
		rest = set.Args()[1:]
	}
	if err := set.Parse(append([]string{"--"}, positional...)); err != nil {
		return c, err
	}
	nc := cli.NewContext(c.App, set, c.Lineage()[1])
	nc.Command = c.Command
	return nc, applyDeprecated(nc)
}
