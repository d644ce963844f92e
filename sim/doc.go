// Package sim is dsim's deterministic simulated world
// (docs/ARCHITECTURE.md, "Who owns time and randomness").
//
// Run(prog, cfg) builds one node per component instance of an analysed
// program, a single virtual clock and an event queue (world.go, queue.go),
// and runs them to quiescence or to a horizon. Every tick of every node
// goes through eval.Tick, a pure function (tick.go); the world only decides
// when nodes tick and what is delivered to them. All nondeterminism —
// message delays (oracle.go, distribution.go), omissions, crashes,
// partitions and duplications (faults.go), timer jitter, idle ticks, the
// language's choose() and index() choices and closed-loop request contents
// (clients.go) — is drawn from one seeded generator passed in through
// Config, and every draw is recorded as a Choice (choice.go). A Schedule
// (schedule.go: the recorded choices plus the run's configuration) replays
// a run byte for byte; a scripted Schedule pins every choice, and a choice
// it does not pin is an error. Hooks (hooks.go) let the checker decide
// choices and observe each step; a step's Moment has an incremental
// 128-bit Fingerprint (fingerprint.go) and can be snapshotted and resumed
// (snapshot.go: Moment.Snapshot, Resume), and Config.TickCache reuses the
// results of ticks with the same inputs (tickcache.go), so that a search
// over runs need not re-execute them from time 0.
//
// A run produces a Trace (trace.go, trace_read.go: every tick, send,
// delivery, drop, crash, input and output, in canonical text and JSON) and
// the observable History (history.go: inputs as relation, tuple, receiving
// node and time; outputs as relation, tuple, client and arrival time).
// Workloads (workload.go, generate.go) are the inputs, as text or
// generated. Explore (explore*.go) runs many seeded worlds looking for
// invariant violations, shrinks a failing schedule (Shrink) and writes and
// replays reproducers; Shrink and the checker's shrinker share one
// reducer (reduce.go). Enumerate (enumerate*.go) runs every schedule of
// one program within bounds, states memoised, for explore --exhaustive
// and the checker's exhaustive mode; Spec (spec.go) is the one run spec
// and seed rule of a batch of runs. ExploreSync (sync*.go) is a second model, Molly's
// synchronous rounds: every message one round late or lost, losses before
// EFF, crash-stops, an end-of-run spec (.final) at EOT, searched
// exhaustively with a certificate or a shrunk counterexample; it also runs
// classic Dedalus programs (LocatedProgram, from package semantics/molly).
// The text formats share one scanner (scan.go) whose
// errors name line and column. docs/SEMANTICS.md describes the semantics
// and the text formats with worked examples.
package sim
