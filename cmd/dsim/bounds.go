package main

import (
	"io"

	"github.com/dsim-project/dsim/sim"
)

// boundFlags is the one place a library bound (sim.Bound) becomes a flag:
// library messages say "raise Options.MaxStates", dsim prints "raise with
// --max-states".
var boundFlags = map[sim.Bound]string{
	sim.BoundMaxTime:     "max-time",
	sim.BoundMaxTicks:    "max-ticks",
	sim.BoundMaxMessages: "max-messages",
	sim.BoundMaxFacts:    "max-facts",
	sim.BoundSyncStates:  "max-states",
	sim.BoundMaxStates:   "max-states",
	sim.BoundMaxDepth:    "max-depth",
	sim.BoundTimeout:     "timeout",

	sim.BoundEnumerateStates: "exhaustive-states",

	sim.BoundMaxDelay:          "max-delay",
	sim.BoundMaxEscalatedDelay: "max-escalated-delay",
	sim.BoundSplitCombinations: "max-split-combinations",
	sim.BoundEnumerateBranches: "exhaustive-branches",
}

// boundFlag is the flag that raises b ("" when none does).
func boundFlag(b sim.Bound) string { return boundFlags[b] }

// optionFlags is the one place a library option a message names
// (sim.Option) becomes the flag, or the command, that sets it: the library
// says "Config.Counts storage=5: ...", dsim prints "--set storage=5: ...".
var optionFlags = map[sim.Option]string{
	sim.OptCounts:       "--set",
	sim.OptRuns:         "--runs",
	sim.OptValues:       "--values",
	sim.OptRepeats:      "--repeats",
	sim.OptSchedule:     "dsim run --schedule FILE",
	sim.OptTraceText:    "dsim run PROG --trace FILE",
	sim.OptTraceJSON:    "dsim run PROG --trace FILE.json",
	sim.OptSyncEOT:      "--eot",
	sim.OptSyncEFF:      "--eff",
	sim.OptSyncCrashes:  "--crashes",
	sim.OptSyncNodes:    "--nodes",
	sim.OptVizMaxEvents: "--max-events",
	sim.OptShard:        "--shard",
	sim.OptExploreShard: "--shard",
	sim.OptMinCoverage:  "--min-coverage",
	sim.OptMaxFrame:     "--max-frame",
	sim.OptTraceDir:     "--trace-dir",
	sim.OptBenchClients: "--clients",
	sim.OptReplay:       "dsim replay",
	sim.OptWitness:      "DIR/run-0.witness (written by --save-witness DIR)",
	sim.OptHistory:      "--history",
}

// cliText rewrites a library message's bound hints and option names into
// flag names.
func cliText(s string) string {
	s = sim.RewriteHints(s, func(b sim.Bound) string {
		if f := boundFlag(b); f != "" {
			return "raise with --" + f
		}
		return ""
	})
	return sim.RewriteOptions(s, func(o sim.Option) string { return optionFlags[o] })
}

// cliWriter passes every write through cliText: dsim's standard error,
// so that a library error printed by any command names flags. Each
// message is one Fprintf, hence one Write, so no name is split.
type cliWriter struct{ w io.Writer }

func (c cliWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, cliText(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cliBytes is cliText for a rendered report (text or JSON: the hints hold
// no characters JSON escapes).
func cliBytes(b []byte) []byte { return []byte(cliText(string(b))) }
