package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/sim"
)

func init() {
	register(&cli.Command{
		Name:      "replay",
		Usage:     "re-run a program under a recorded schedule, reproducing its trace byte for byte",
		ArgsUsage: "PROG SCHEDULE",
		Description: "Replays SCHEDULE (written by dsim run --schedule FILE) on PROG: every delay, loss,\n" +
			"duplication, timer jitter and choice comes from the schedule, so the trace is identical to\n" +
			"the recorded run's. A choice the schedule does not pin is an error.\n\n" +
			"Example:\n" +
			"   dsim run corpus/hashset/base.ded --seed 3 --requests 4 --schedule s.txt --trace a.txt\n" +
			"   dsim replay corpus/hashset/base.ded s.txt --trace b.txt && diff a.txt b.txt\n\n" +
			"Exit status: 0 ok, 1 invariant violated or bad program, 2 stopped at a work bound, 3 usage error\n" +
			"or a schedule that does not fit the program.",
		Flags:  resultFlags(),
		Action: replayAction,
	})
}

func replayAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	if c.NArg() != 2 {
		return usageError(c, "dsim replay takes a program and a schedule file, got %d arguments", c.NArg())
	}
	prog, err := loadProgram(c, c.Args().Get(0))
	if err != nil {
		return err
	}
	sched, err := readSchedule(c, c.Args().Get(1))
	if err != nil {
		return err
	}
	cfg := sched.Config()
	cfg.Trace.Dump = c.StringSlice("dump")
	res, err := sim.Run(prog, cfg)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim replay: %v\n", err)
		return exitError{3}
	}
	return reportResult(c, res)
}

// readSchedule reads a schedule file (a reproducer is one too); errors are
// usage errors.
func readSchedule(c *cli.Context, path string) (*sim.Schedule, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError(c, "%v", err)
	}
	sched, err := sim.ParseSchedule(path, string(text))
	if err != nil {
		return nil, usageError(c, "%v", err)
	}
	return sched, nil
}
