package sim

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// Config describes one run. The zero Config (plus a program) is a valid,
// fault-free run with seed 0, the default delay distribution and no inputs.
type Config struct {
	Seed     uint64
	Counts   map[string]int // instance counts overriding the program's (e.g. storage=5)
	Workload Workload       // client inputs (open loop)
	Closed   *ClosedLoop    // closed-loop clients, in addition to Workload
	Faults   FaultPlan
	Delay    *Distribution // nil: DefaultDistribution
	Limits   Limits
	Idle     IdleTicks
	Trace    TraceOptions
	// Script, when non-nil, pins every choice of the run; a choice it does
	// not pin is an error (see Replay for running a recorded schedule).
	Script *Schedule
	// FirstChoices makes choose() and index() take the first candidate and
	// sorted order instead of seeded, recorded choices.
	FirstChoices bool
	// Coverage, when set, counts what each rule did (Result.Coverage;
	// coverage.go). Not for worlds that are snapshotted.
	Coverage bool
	// CoverageDetail, with Coverage, also counts what each rule's body
	// did: the ticks its body matched, the rows each negated literal
	// blocked, an aggregate's largest group (coverage_detail.go). It
	// evaluates every rule once more per tick, so it is off by default.
	CoverageDetail bool
	// Decide, when non-nil, makes every choice instead of the generator
	// and Script (see hooks.go); the refinement checker steers runs of the
	// original program with it.
	Decide DecideFunc
	// Step, when non-nil, is called before each virtual time's events and
	// may stop the run (see hooks.go).
	Step StepFunc
	// TickCache, when non-nil and Step is set, reuses the results of
	// ticks with the same inputs (tickcache.go); a run's outcome is the
	// same with or without it.
	TickCache *TickCache

	// Evaluator ticks the program's nodes. nil: the run compiles its own.
	// Callers that run many worlds of one program (exploration, shrinking,
	// the checker's search) compile it once and set it here, so that the
	// compiled plans and scratch engines are reused across runs. It must
	// be the evaluator of the program given to Run.
	Evaluator *eval.Evaluator

	// tick replaces eval.Tick in tests of the world's mechanics.
	tick tickFunc
}

type tickFunc func(*analysis.Program, eval.Node, eval.Input, eval.Choices, eval.Limits) (*eval.Result, error)

// Limits bound a run. A zero field takes its default.
type Limits struct {
	MaxTime     int64 // virtual time horizon (default 100,000)
	MaxTicks    int   // ticks over all nodes (default 1,000,000)
	MaxMessages int   // messages sent (default 1,000,000)
	MaxFacts    int   // facts in one tick of one node (default 1,000,000; eval's MaxFacts)
}

// Default limits.
const (
	DefaultMaxTime     = 100_000
	DefaultMaxTicks    = 1_000_000
	DefaultMaxMessages = 1_000_000
	DefaultMaxFacts    = eval.DefaultMaxFacts
)

// WithDefaults is l with every zero field at its default: the limits a run
// under l obeys.
func (l Limits) WithDefaults() Limits {
	if l.MaxTime <= 0 {
		l.MaxTime = DefaultMaxTime
	}
	if l.MaxTicks <= 0 {
		l.MaxTicks = DefaultMaxTicks
	}
	if l.MaxMessages <= 0 {
		l.MaxMessages = DefaultMaxMessages
	}
	if l.MaxFacts <= 0 {
		l.MaxFacts = DefaultMaxFacts
	}
	return l
}

// IdleTicks injects ticks that nothing triggered (docs/ARCHITECTURE.md, The tick): after a tick
// that leaves a node quiescent, with probability P the node ticks again
// after 1..MaxGap units, at most PerNode times per node. Off when P == 0.
type IdleTicks struct {
	P       float64
	PerNode int   // default 3
	MaxGap  int64 // default 5
}

func (it IdleTicks) String() string {
	return fmt.Sprintf("p=%s per-node=%d max-gap=%d", formatFloat(it.P), it.PerNode, it.MaxGap)
}

// ClosedLoop runs Clients clients that together send Requests requests of
// relation Relation (default: the program's first .input relation by
// name); each client sends its next request when its previous one is
// answered (see docs/SEMANTICS.md for which output answers which input).
type ClosedLoop struct {
	Clients  int
	Requests int
	Relation string
	// Values and Repeats shape request contents as for OpenLoop. They are
	// not written to schedules: a schedule records every request's
	// contents as a choice.
	Values  ValueDomains
	Repeats Repeats
}

// TraceOptions say how much the trace holds.
type TraceOptions struct {
	// Dump lists relations whose facts every tick event lists in full;
	// ["*"] dumps every relation.
	Dump []string
	// Off records no trace (benchmarks); History and Schedule stay.
	Off bool
}

// StopReason says why a run ended.
type StopReason uint8

const (
	// Quiescent: nothing in flight and no node would tick.
	Quiescent StopReason = iota
	// TimeLimit: the next event is past Limits.MaxTime (normal with timers).
	TimeLimit
	// TickLimit, MessageLimit, FactLimit: a bound on work was hit.
	TickLimit
	MessageLimit
	FactLimit
	// Violation: an .invariant relation held a fact.
	Violation
)

var stopNames = [...]string{"quiescent", "time limit", "tick limit", "message limit", "fact limit", "invariant violated"}

func (r StopReason) String() string { return stopNames[r] }

// Stop says why and how a run ended.
type Stop struct {
	Reason StopReason
	// Bound is the bound hit (TimeLimit, TickLimit, MessageLimit,
	// FactLimit), else NoBound; also NoBound for a FactLimit from
	// eval's MaxIterations (a fixpoint that never converges).
	Bound   Bound
	Message string // e.g. "stopped: 1000000 ticks (MaxTicks); raise Limits.MaxTicks"
}

func (r StopReason) bound() Bound {
	switch r {
	case TimeLimit:
		return BoundMaxTime
	case TickLimit:
		return BoundMaxTicks
	case MessageLimit:
		return BoundMaxMessages
	case FactLimit:
		return BoundMaxFacts
	}
	return NoBound
}

// Bounded reports whether the run hit a work bound (ticks, messages, facts):
// its outcome is inconclusive.
func (s Stop) Bounded() bool {
	return s.Reason == TickLimit || s.Reason == MessageLimit || s.Reason == FactLimit
}

// ViolationReport is one fact found in an .invariant relation.
type ViolationReport struct {
	Node value.Addr
	Time int64
	Fact value.Fact
}

// NodeState is a node's state at the end of a run.
type NodeState struct {
	Addr    value.Addr
	Ticks   int
	Crashed bool
	Faulty  bool         // chosen for general omission
	Facts   eval.FactSet // the facts of its last tick (nil if it never ticked)
	Carried eval.FactSet // the facts it carries into its next tick
}

// Result is everything a run produced.
type Result struct {
	Trace    *Trace
	History  *History
	Schedule *Schedule
	Stop     Stop
	// Time is the virtual time of the last event processed.
	Time int64
	// Counters.
	Ticks, Messages, Deliveries, Drops, Duplicates, Outputs int
	Violations                                              []ViolationReport
	// Final lists the facts of .final relations (the end-of-run spec) in
	// the last tick of every node that has not crashed, when the run ended
	// at quiescence or at the time horizon; each one is a violation.
	Final []ViolationReport
	Nodes []NodeState // in node order (components in declaration order, then instance)
	// Coverage is set when Config.Coverage is.
	Coverage *Coverage
}

// Run simulates prog under cfg. It returns an error for a bad
// configuration or a failing tick; hitting a bound or an invariant is a
// Result with the matching Stop, not an error.
func Run(prog *analysis.Program, cfg Config) (*Result, error) {
	w, err := newWorld(prog, cfg)
	if err != nil {
		return nil, err
	}
	if err := w.run(); err != nil {
		return nil, err
	}
	return w.result(), nil
}
