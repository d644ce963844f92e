// Package sim is dsim's deterministic simulated world (DESIGN §4).
//
// A World holds one node per component instance of an analysed program, a
// single virtual clock and an event queue. Every tick of every node goes
// through eval.Tick, a pure function; the world only decides when nodes tick
// and what is delivered to them. All nondeterminism — message delays,
// omissions, duplications, timer jitter, idle ticks, the language's choose()
// and index() choices and closed-loop request contents — is drawn from one
// seeded generator passed in through Config, and every draw is recorded as a
// Choice. A Schedule (the recorded choices plus the run's configuration)
// replays a run byte for byte; a scripted Schedule pins every choice, and a
// choice it does not pin is an error.
//
// A run produces a Trace (every tick, send, delivery, drop, crash, input and
// output, in canonical text and JSON) and the observable History (inputs as
// relation, tuple, receiving node and time; outputs as relation, tuple,
// client and arrival time). docs/SEMANTICS.md describes the semantics and the
// text formats with worked examples.
package sim
