package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/rewrites"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim rewrite`: apply the paper's rewrites by name
// (package rewrites, docs/REWRITES.md).

func init() {
	register(&cli.Command{
		Name:      "rewrite",
		Usage:     "apply decoupling and partitioning rewrites to a program, refusing those whose preconditions fail",
		ArgsUsage: "PROG STEP... | PROG --plan FILE",
		Description: "Each STEP is one line of the plan format (docs/REWRITES.md), applied to the previous step's output:\n" +
			"   mutual|monotonic|functional|statemachine|asymmetric COMP -> NEW : RELATION...   (C2 = the rules of COMP deriving them)\n" +
			"   cohash|deps COMP [partitions=N] [key=REL.COLUMN]\n" +
			"   partial COMP : INPUT [partitions=N]   (replicate what COMP derives from INPUT)\n" +
			"   seal COMP : RELATION                  (COMP's sends of RELATION travel in sealed batches)\n" +
			"   drop COMP : INVARIANT...\n" +
			"The result is printed in dsim fmt form (or written to -o FILE). A refused step exits 1 with a\n" +
			"positioned error naming the precondition, rule and relation; PROG~k names the output of step k.\n" +
			"--check runs dsim check of each step's output against its input (with the check flags below)\n" +
			"and stops at the first step that is not Equivalent (exit 1 NotEquivalent, 2 Unknown).\n\n" +
			"Example:\n" +
			"   dsim rewrite corpus/hashset/base.ded 'mutual leader -> collector : acks numNodes numAcks certificate inconsistent bad_forged_ack bad_cert_and_inconsistent'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "read the steps from plan `FILE`"},
			&cli.StringFlag{Name: "o", Usage: "write the result to `FILE` instead of stdout"},
			&cli.BoolFlag{Name: "check", Usage: "check each step's output against its input"},
			&cli.IntFlag{Name: "runs", Value: checker.DefaultRuns, Usage: "--check: runs of each rewritten program"},
			&cli.IntFlag{Name: "inputs", Value: checker.DefaultRequests, Usage: "--check: inputs per run"},
			&cli.BoolFlag{Name: "closed", Usage: "--check: closed-loop clients"},
			&cli.IntFlag{Name: "clients", Value: 1, Usage: "--check: clients"},
			&cli.StringFlag{Name: "faults", Usage: "--check: fault plan, e.g. 'omission random f=1 p=0.3 until=20'"},
			&cli.Uint64Flag{Name: "seed", Usage: "--check: run i uses seed `S`+i"},
			&cli.StringFlag{Name: "delay", Value: sim.DefaultDistribution.String(), Usage: "--check: delay distribution"},
			&cli.IntFlag{Name: "max-states", Value: checker.DefaultMaxStates, Usage: "--check: states explored per run"},
			&cli.IntFlag{Name: "max-depth", Value: checker.DefaultMaxDepth, Usage: "--check: choices in one run of the original"},
			&cli.Int64Flag{Name: "max-delay", Usage: "--check: largest delay the search tries"},
			&cli.Int64Flag{Name: "max-escalated-delay", Usage: "--check: cap of the escalated search's delays"},
			&cli.Int64Flag{Name: "max-time", Value: checker.DefaultMaxTime, Usage: "--check: virtual time horizon"},
			&cli.DurationFlag{Name: "timeout", Usage: "--check: wall-clock limit per run's search"},
			&cli.IntFlag{Name: "jobs", Value: 1, Usage: "--check: runs checked in parallel"},
			&cli.BoolFlag{Name: "no-shrink", Usage: "--check: report the counterexample as found"},
		},
		Action: rewriteAction,
	})
}

func rewriteAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if c.NArg() < 1 {
		return usageError(c, "dsim rewrite takes a program and steps (or --plan FILE); see dsim rewrite --help")
	}
	path := c.Args().Get(0)
	src, err := readSource(path)
	if err != nil {
		return usageError(c, "%v", err)
	}
	var steps []rewrites.Step
	if plan := c.String("plan"); plan != "" {
		if c.NArg() > 1 {
			return usageError(c, "give steps either as arguments or with --plan, not both")
		}
		text, err := readSource(plan)
		if err != nil {
			return usageError(c, "%v", err)
		}
		if steps, err = rewrites.ParsePlan(plan, text); err != nil {
			return renderRewriteError(c, err, text)
		}
	} else {
		for i, a := range c.Args().Slice()[1:] {
			st, err := rewrites.ParseStep(a)
			if err != nil {
				return usageError(c, "step %d %q: %v", i+1, a, err)
			}
			st.File, st.Line = fmt.Sprintf("step %d", i+1), 1
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return usageError(c, "no steps: give STEP arguments or a --plan FILE with at least one step")
	}
	var opts checker.Options
	if c.Bool("check") {
		if opts, err = rewriteCheckOptions(c); err != nil {
			return err
		}
	}
	in := src
	for i, st := range steps {
		res, err := rewrites.Apply(rewrites.StepInput(path, i), in, st)
		if err != nil {
			return renderRewriteError(c, err, in)
		}
		if c.Bool("check") {
			before, diags := loadFor(rewrites.StepInput(path, i), in)
			if diags != nil {
				return renderRewriteError(c, diags, in)
			}
			rep, err := checker.Check(before, res.Program, opts)
			if err != nil {
				return usageError(c, "step %d (%s): %v", i+1, st, err)
			}
			summary := strings.SplitN(cliText(rep.Text(checker.SavedFiles{})), "\n", 3)
			fmt.Fprintf(c.App.ErrWriter, "step %d (%s): %s\n", i+1, st, rep.Verdict)
			if len(summary) > 1 {
				fmt.Fprintln(c.App.ErrWriter, summary[1])
			}
			if rep.Verdict != checker.Equivalent {
				fmt.Fprint(c.App.ErrWriter, cliText(rep.Text(checker.SavedFiles{})))
				if rep.Verdict == checker.NotEquivalent {
					return exitError{1}
				}
				return exitError{2}
			}
		}
		in = res.Source
	}
	if out := c.String("o"); out != "" {
		if err := os.WriteFile(out, in, 0o644); err != nil {
			return usageError(c, "-o: %v", err)
		}
		return nil
	}
	_, _ = c.App.Writer.Write(in)
	return nil
}

// rewriteCheckOptions reads the --check flags (the same names and meaning
// as dsim check's, declared here so that the two commands can change
// independently).
func rewriteCheckOptions(c *cli.Context) (checker.Options, error) {
	var err error
	opts := checker.Options{
		Runs:              c.Int("runs"),
		Spec:              sim.Spec{Clients: c.Int("clients"), Seed: c.Uint64("seed"), Limits: sim.Limits{MaxTime: c.Int64("max-time")}},
		MaxStates:         c.Int("max-states"),
		MaxDepth:          c.Int("max-depth"),
		MaxDelay:          c.Int64("max-delay"),
		MaxEscalatedDelay: c.Int64("max-escalated-delay"),
		Timeout:           c.Duration("timeout"),
		Jobs:              c.Int("jobs"),
		NoShrink:          c.Bool("no-shrink"),
	}
	if c.Bool("closed") {
		opts.Closed = c.Int("inputs")
	} else {
		opts.Open = c.Int("inputs")
	}
	if opts.Runs < 1 || c.Int("inputs") < 0 || opts.Jobs < 1 || opts.MaxStates < 1 || opts.MaxDepth < 1 {
		return opts, usageError(c, "--runs, --jobs, --max-states and --max-depth must be >= 1 and --inputs >= 0")
	}
	if opts.Faults, err = sim.ParseFaultPlan(c.String("faults")); err != nil {
		return opts, usageError(c, "--faults: %v", err)
	}
	d, err := sim.ParseDistribution(c.String("delay"))
	if err != nil {
		return opts, usageError(c, "--delay: %v", err)
	}
	opts.Delay = &d
	return opts, nil
}

// renderRewriteError prints a refusal or plan error with its source line
// and returns exit status 1.
func renderRewriteError(c *cli.Context, err error, src []byte) error {
	switch e := err.(type) {
	case *rewrites.Refusal:
		fmt.Fprint(c.App.ErrWriter, e.Render(src))
	case interface{ Render([]byte) string }:
		fmt.Fprint(c.App.ErrWriter, e.Render(src))
	default:
		fmt.Fprintf(c.App.ErrWriter, "dsim rewrite: %v\n", err)
	}
	return exitError{1}
}
