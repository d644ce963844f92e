package main

import (
	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the flags that shape generated request contents, shared
// by run, explore and check (docs/CHECKING.md, "How workload values are
// picked").

func workloadFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "values", Usage: "domain of generated values of input columns, e.g. 'in.v=0..3' or 'request.v=1,5,9; request.id=1..2' (default: small values, the program's constants and values whose buckets collide)"},
		&cli.StringFlag{Name: "repeats", Usage: "percent of generated requests that repeat an earlier one: 'dup=P' the same fact again, 'retry=P' an earlier id with another payload (default: none)"},
	}
}

// workloadShape reads --values (against prog, whose inputs are generated)
// and --repeats.
func workloadShape(c *cli.Context, prog *analysis.Program) (sim.ValueDomains, sim.Repeats, error) {
	var vals sim.ValueDomains
	var rep sim.Repeats
	var err error
	if spec := c.String("values"); spec != "" {
		if vals, err = sim.ParseValueDomains(prog, spec); err != nil {
			return nil, rep, err
		}
	}
	if spec := c.String("repeats"); spec != "" {
		if rep, err = sim.ParseRepeats(spec); err != nil {
			return nil, rep, err
		}
	}
	return vals, rep, nil
}
