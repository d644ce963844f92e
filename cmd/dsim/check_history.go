package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/realnet"
)

// This file holds `dsim check ORIGINAL --history DIR`: the checker judging
// a history a real run recorded with --trace (docs/CHECKING.md, "Checking
// a recorded history"; docs/REALNET.md).

// rewriteOnlyFlags make sense only when a rewrite is simulated.
var rewriteOnlyFlags = []string{"schedule", "runs", "inputs", "closed", "clients", "seed", "delay", "jobs"}

func checkHistoryAction(c *cli.Context) error {
	dir := c.String("history")
	if c.NArg() != 1 {
		return usageError(c, "dsim check ORIGINAL --history DIR takes one program (the original), got %d arguments", c.NArg())
	}
	for _, f := range rewriteOnlyFlags {
		if c.IsSet(f) {
			return usageError(c, "--%s does not apply with --history (the history is one recorded run, not a simulated rewrite)", f)
		}
	}
	unit := c.Duration("history-unit")
	if unit < 0 || (unit > 0 && unit < time.Microsecond) || unit%time.Microsecond != 0 {
		return usageError(c, "--history-unit must be a whole number of microseconds, e.g. 1ms or 100us (got %v)", unit)
	}
	gap := c.Int64("history-gap")
	if gap < 0 {
		return usageError(c, "--history-gap must be >= 1 (got %d)", gap)
	}
	orig, err := loadProgram(c, c.Args().Get(0))
	if err != nil {
		return asUsage(err)
	}
	opts, err := checkOptions(c, orig)
	if err != nil {
		return err
	}
	opts.HistoryOpen = c.Bool("history-open")
	h, usedUnit, err := realnet.LoadSimHistory(dir, realnet.TimeAxis{UnitMicros: int64(unit / time.Microsecond), MinGap: gap})
	if err != nil {
		return usageError(c, "--history: %v", err)
	}
	rep, err := checker.CheckHistory(orig, h, opts)
	if err != nil {
		return usageError(c, "--history %s: %v", dir, err)
	}
	rep.History = dir + " (1 time unit = " + (time.Duration(usedUnit) * time.Microsecond).String() + ")"
	return printCheckReport(c, rep)
}
