package sim

import (
	"slices"
	"strings"
)

// Option names, in library terms, an option a library message refers to:
// "Config.Counts storage=5: the program has no component storage". Library
// packages (sim, checker, realnet, sim/viz) never name command-line flags;
// cmd/dsim maps each Option to its flag (cmd/dsim/bounds.go), as it maps a
// Bound's hint. Messages write the option followed by a value in the
// flag's syntax, so that replacing the name by the flag reads right.
type Option string

// The options library messages name.
const (
	OptCounts       Option = "Config.Counts"            // comp=N
	OptRuns         Option = "ExploreOptions.Runs"      // N
	OptValues       Option = "Spec.Values"              // value-domain text
	OptRepeats      Option = "Spec.Repeats"             // dup=P retry=P
	OptSchedule     Option = "Result.Schedule"          // a recorded schedule
	OptTraceText    Option = "Trace.String"             // a trace in text
	OptTraceJSON    Option = "Trace.JSON"               // a trace in JSON
	OptSyncEOT      Option = "SyncBounds.EOT"           // N
	OptSyncEFF      Option = "SyncBounds.EFF"           // N
	OptSyncCrashes  Option = "SyncBounds.Crashes"       // N
	OptSyncNodes    Option = "LocatedProgram.Locations" // a,b,c
	OptVizMaxEvents Option = "viz.Options.MaxEvents"    // N
	OptShard        Option = "checker.Options.Shard"    // i/n
	OptExploreShard Option = "ExploreOptions.Shard"     // i/n
	OptMinCoverage  Option = "checker.Options.MinCoverage"
	OptMaxFrame     Option = "realnet.Config.MaxFrame"
	OptTraceDir     Option = "realnet.Config.TraceDir"
	OptBenchClients Option = "realnet.BenchConfig.Clients"
	OptReplay       Option = "sim.Replay"        // PROG FILE: replay a schedule (or reproducer) file
	OptWitness      Option = "RunReport.Witness" // an explained run's witness schedule
	OptHistory      Option = "checker.CheckHistory"
)

// Options lists every Option, longest first (so that rewriting one never
// rewrites part of another).
var Options = func() []Option {
	all := []Option{OptCounts, OptRuns, OptValues, OptRepeats, OptSchedule, OptTraceText, OptTraceJSON, OptSyncEOT, OptSyncEFF,
		OptSyncCrashes, OptSyncNodes, OptVizMaxEvents, OptShard, OptExploreShard, OptMinCoverage, OptMaxFrame, OptTraceDir, OptBenchClients,
		OptReplay, OptWitness, OptHistory}
	slices.SortStableFunc(all, func(a, b Option) int { return len(b) - len(a) })
	return all
}()

// RewriteOptions replaces every Option named in msg by name(o) (when name
// returns a non-empty string); cmd/dsim uses it to name flags.
func RewriteOptions(msg string, name func(Option) string) string {
	for _, o := range Options {
		if !strings.Contains(msg, string(o)) {
			continue
		}
		if n := name(o); n != "" {
			msg = strings.ReplaceAll(msg, string(o), n)
		}
	}
	return msg
}
