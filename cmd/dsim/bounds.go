package main

import "github.com/dsim-project/dsim/sim"

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
}

// boundFlag is the flag that raises b ("" when none does).
func boundFlag(b sim.Bound) string { return boundFlags[b] }

// cliText rewrites a library message's bound hints into flag names.
func cliText(s string) string {
	return sim.RewriteHints(s, func(b sim.Bound) string {
		if f := boundFlag(b); f != "" {
			return "raise with --" + f
		}
		return ""
	})
}

// cliBytes is cliText for a rendered report (text or JSON: the hints hold
// no characters JSON escapes).
func cliBytes(b []byte) []byte { return []byte(cliText(string(b))) }
