package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// exploreExhaustiveAction is `dsim explore --exhaustive`: bounded model
// checking of the asynchronous model over one open-loop workload.
func exploreExhaustiveAction(c *cli.Context, progName string, prog *analysis.Program, opts sim.ExploreOptions) error {
	if c.IsSet("requests") && c.Int("requests") > 0 {
		return usageError(c, "--exhaustive enumerates the runs of one open-loop workload: give --open N instead of --requests (closed-loop clients draw their requests)")
	}
	if c.IsSet("runs") {
		return usageError(c, "--exhaustive enumerates every run: it takes no --runs")
	}
	opts.Closed = 0
	if opts.Open == 0 && len(opts.Workload) == 0 {
		opts.Open = 2
	}
	eo := sim.ExhaustiveOptions{MaxDelay: c.Int64("max-delay"), MaxStates: c.Int("exhaustive-states"), MaxBranches: c.Int("exhaustive-branches")}
	if eo.MaxDelay < 1 || eo.MaxStates < 1 || eo.MaxBranches < 1 {
		return usageError(c, "--max-delay, --exhaustive-states and --exhaustive-branches must be >= 1")
	}
	rep, err := sim.ExploreExhaustive(context.Background(), prog, opts, eo)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim explore: %v\n", err)
		return exitError{3}
	}
	fmt.Fprint(c.App.Writer, cliText(rep.Text()))
	switch {
	case rep.Failure != nil:
		return reportFailure(c, progName, &sim.ExploreReport{Failure: rep.Failure, FailingRun: rep.FoundRun, FailingSeed: rep.Seed, Found: rep.Found, Repro: rep.Repro})
	case rep.Certified():
		return nil
	}
	return exitError{2}
}
