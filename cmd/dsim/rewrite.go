package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/rewrites"
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
			"   asymmetric COMP -> NEW : RELATION... partitions=N [key=REL.COLUMN]   (NEW partitioned by co-hashing)\n" +
			"   cohash|deps COMP [partitions=N] [key=REL.COLUMN]\n" +
			"   partial COMP : INPUT [partitions=N] [seal=RELATION...]   (replicate what COMP derives from INPUT;\n" +
			"                                         seal= recombines the partitions' replies to a write)\n" +
			"   seal COMP : RELATION                  (COMP's sends of RELATION travel in sealed batches)\n" +
			"   drop COMP : INVARIANT...\n" +
			"   split COMP : RELATION                 (give a broadcast its own rule, for functional decoupling)\n" +
			"The result is printed in dsim fmt form (or written to -o FILE). A refused step exits 1 with a\n" +
			"positioned error naming the precondition, rule and relation; PROG~k names the output of step k.\n" +
			"--check runs dsim check of each step's output against its input (with the check flags below)\n" +
			"and stops at the first step that is not Equivalent (exit 1 NotEquivalent or Violated, 2 Unknown).\n\n" +
			"Example:\n" +
			"   dsim rewrite corpus/hashset/base.ded 'mutual leader -> collector : acks numNodes numAcks certificate inconsistent bad_forged_ack bad_cert_and_inconsistent'",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "read the steps from plan `FILE`"},
			&cli.StringFlag{Name: "o", Usage: "write the result to `FILE` instead of stdout"},
			&cli.BoolFlag{Name: "check", Usage: "check each step's output against its input"},
		}, usagePrefix("--check: ", append(checkSearchFlags(), jobsFlag(), noShrinkFlag("report the counterexample as found")))...),
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
		if opts, err = checkOptions(c, nil); err != nil {
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
				return verdictStatus(rep.Verdict)
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
