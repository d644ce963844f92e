package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/rewrites"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file holds `dsim analyze`: the rewrite engine's analyses per
// component and the plan steps whose preconditions hold.

func init() {
	register(&cli.Command{
		Name:      "analyze",
		Usage:     "print, per component, the facts the rewrites depend on and the rewrites that apply",
		ArgsUsage: "PROG",
		Description: "For each component: references, inputs and outputs (§2.4), monotonicity, functionality,\n" +
			"state-machine dependencies, inferred functional dependencies, and the decoupling and partitioning\n" +
			"steps whose preconditions hold, written as plan lines for dsim rewrite (docs/REWRITES.md).",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError(c, "dsim analyze takes one program")
			}
			p, err := loadProgram(c, c.Args().Get(0))
			if err != nil {
				return err
			}
			fmt.Fprint(c.App.Writer, rewrites.Analyze(p))
			return nil
		},
	})
}

// loadFor analyses a program held in memory.
func loadFor(name string, src []byte) (*analysis.Program, syntax.Diagnostics) {
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		return nil, diags
	}
	return p, nil
}
