package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// specFromFlags reads the flags that describe a batch of seeded runs
// (sim.Spec) for run and explore: --seed, --set, --delay, the limits,
// --faults, --workload, --requests (closed loop), --open, --clients,
// --values and --repeats. `dsim run` is run 0 of the batch, so that
// `dsim run --seed S+i` with explore's flags is explore's run i.
func specFromFlags(c *cli.Context, prog *analysis.Program) (sim.Spec, error) {
	spec := sim.Spec{Seed: c.Uint64("seed"), Closed: c.Int("requests"), Open: c.Int("open"), Clients: c.Int("clients")}
	for _, name := range []string{"requests", "open"} {
		if n := c.Int(name); n < 0 {
			return spec, fmt.Errorf("--%s %d: give a number >= 0", name, n)
		}
	}
	if spec.Clients < 1 {
		return spec, fmt.Errorf("--clients %d: give at least 1 client", spec.Clients)
	}
	// --set, --delay and the limits go through the parser replay shares.
	var cfg sim.Config
	if err := commonConfig(c, &cfg); err != nil {
		return spec, err
	}
	spec.Counts, spec.Delay, spec.Limits = cfg.Counts, cfg.Delay, cfg.Limits
	if s := c.String("faults"); s != "" {
		plan, err := sim.ParseFaultPlan(s)
		if err != nil {
			return spec, err
		}
		spec.Faults = plan
	}
	if path := c.String("workload"); path != "" {
		text, err := os.ReadFile(path)
		if err != nil {
			return spec, err
		}
		if spec.Workload, err = sim.ParseWorkload(path, string(text)); err != nil {
			return spec, err
		}
	}
	var err error
	spec.Values, spec.Repeats, err = workloadShape(c, prog)
	return spec, err
}
