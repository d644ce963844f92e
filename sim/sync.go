package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the synchronous model of Molly (Alvaro et al.,
// "Lineage-driven Fault Injection"): time advances in rounds 1..EOT, every
// node ticks in every round, and every message arrives exactly one round
// after it is sent unless it is lost. Losses happen only in rounds before
// EFF, a crashed node falls silent, and a correctness spec is checked at
// EOT. ExploreSync tries every failure scenario within those bounds (see
// sync_search.go) and answers with a shrunk counterexample or a
// certificate. docs/SEMANTICS.md ("The synchronous model") is the
// reference.

// SyncBounds are the bounds of the synchronous model.
type SyncBounds struct {
	EOT     int64 // the last round; the spec is checked after it (>= 1)
	EFF     int64 // messages sent in rounds t < EFF may be lost (0: none)
	Crashes int   // at most this many nodes crash (crash-stop), each at a round 1..EOT
}

// MaxSyncEOT bounds EOT: every run executes EOT rounds.
const MaxSyncEOT = 1000

// DefaultSyncMaxStates bounds the distinct states ExploreSync expands.
const DefaultSyncMaxStates = 1_000_000

// maxLossChannels bounds the channels one round may lose at once: each
// round branches over every subset of its channels that carry messages.
const maxLossChannels = 16

// SyncOptions configure ExploreSync.
type SyncOptions struct {
	Bounds SyncBounds
	// MaxStates bounds the distinct (round, state) pairs expanded, over all
	// crash scenarios (default DefaultSyncMaxStates). Reaching it makes the
	// verdict Unknown.
	MaxStates int
	// NoShrink keeps the first counterexample as found.
	NoShrink bool

	noMerge bool // tests: expand every branch (brute force), to check merging
	noPrune bool // tests: branch on every channel, to check pruning
}

// SyncTarget is what the synchronous model runs: either a dsim program
// (one node per component instance, Program set) or a located program
// (classic Dedalus, Located set).
type SyncTarget struct {
	Program *analysis.Program
	Counts  map[string]int // instance count overrides for Program
	Inputs  []InputEvent   // inputs of Program, delivered in round Input.Time
	Located *LocatedProgram
}

// LocatedProgram is a program in which every relation carries its location
// in its first column (classic Dedalus, as Molly writes it), evaluated as
// one global database per round: Prog has the single component main, and
// its rules see the facts of every location (Molly's rules are evaluated
// that way, and its specs join facts of several nodes). The front end
// (package semantics/molly) turns each @async rule into a rule deriving an
// outbox relation; the model moves outbox facts to their destination.
type LocatedProgram struct {
	Prog      *analysis.Program
	Locations []string    // the nodes, by name (Molly's --nodes)
	Facts     []TimedFact // facts given by the program
	Async     []AsyncRel  // outbox relations
	// CrashRel, when not "", is a relation crash(observer, node, round)
	// that holds, in every round, at every observer, for each crash of the
	// scenario (Molly's model relation). ClockRel likewise is
	// clock(from, to, round): in round t it lists the channels whose
	// messages sent in round t-1 arrived (every channel to itself, too).
	CrashRel, ClockRel string
	// Snapshots are relations that hold, from round Round+1 on, the facts
	// that Rel had in round Round (Molly's body atoms r(...)@N over a
	// derived r).
	Snapshots []RoundSnapshot
}

// RoundSnapshot says that relation As holds Rel's facts of round Round.
type RoundSnapshot struct {
	Rel, As string
	Round   int64
}

// TimedFact is a fact that holds in one round (Time >= 1), or in every
// round (Time 0).
type TimedFact struct {
	Time int64
	Fact value.Fact
}

// AsyncRel says that facts of Outbox, with columns (from, a1, ..., an), are
// messages from location `from` carrying Rel(a1, ..., an) to location a1.
type AsyncRel struct {
	Outbox, Rel string
}

// SyncVerdict is the answer of ExploreSync.
type SyncVerdict uint8

const (
	// SyncCertified: no run within the bounds violates the spec.
	SyncCertified SyncVerdict = iota
	// SyncCounterexample: some run violates it; Failure shows one.
	SyncCounterexample
	// SyncUnknown: a bound of the search was reached first.
	SyncUnknown
)

func (v SyncVerdict) String() string {
	return [...]string{"certified", "counterexample", "unknown"}[v]
}

// SyncLoss is a lost channel: every message from From to To sent in
// round Time is lost (Molly's unit of omission).
type SyncLoss struct {
	From, To string
	Time     int64
}

func (l SyncLoss) String() string { return fmt.Sprintf("%s -> %s @%d", l.From, l.To, l.Time) }

// SyncCrash is a node that crashes in round Time: its messages sent in
// that round or later never arrive.
type SyncCrash struct {
	Node string
	Time int64
}

func (c SyncCrash) String() string { return fmt.Sprintf("%s @%d", c.Node, c.Time) }

// SyncViolation is one fact that breaks the spec: a fact of a .final
// relation at EOT, or of an .invariant relation in some round.
type SyncViolation struct {
	Node string // the node (dsim programs) or "" (located programs: global)
	Time int64
	Fact value.Fact
	Kind string // "final" or "invariant"
}

func (v SyncViolation) String() string {
	at := ""
	if v.Node != "" {
		at = " at " + v.Node
	}
	if v.Kind == "invariant" {
		return fmt.Sprintf("invariant violated: %s%s, round %d", v.Fact, at, v.Time)
	}
	return fmt.Sprintf("end-of-run spec violated: %s%s at EOT %d", v.Fact, at, v.Time)
}

// SyncFailure is a counterexample: a failure scenario and what went wrong.
type SyncFailure struct {
	Losses     []SyncLoss // sorted by time, from, to; each dropped at least one message
	Crashes    []SyncCrash
	Violations []SyncViolation // sorted
	Trace      *Trace          // the run, for dsim viz
	// Shrunk says how the scenario was reduced (before -> after, runs).
	SizeBefore, SizeAfter, ShrinkRuns int
}

// SyncReport is what ExploreSync found.
type SyncReport struct {
	Verdict SyncVerdict
	Bounds  SyncBounds
	Nodes   []string
	// Scenarios counts the crash scenarios tried (choices of crashing
	// nodes and rounds, the crash-free one included).
	Scenarios int
	// Runs counts the complete runs executed to EOT; States the distinct
	// (crash scenario, round, state) pairs expanded; Merged the branches
	// cut because they reached an already expanded state (same future).
	Runs, States, Merged int
	// Covered counts the runs of the model the search stands for: every
	// crash scenario times every choice of lost channels among those that
	// carried messages (a merged branch counts the runs below the state it
	// reached). It saturates at 2^64-1.
	Covered uint64
	// Pruned counts the channel choices not branched on because the spec
	// depends on none of the channel's messages (sync_prune.go); both
	// choices are in Covered.
	Pruned int
	// Hash is a SHA-256 over every expanded state's fingerprint in search
	// order: two certificates with the same hash covered the same states.
	Hash    string
	Failure *SyncFailure
	// Bound names the search bound that made the verdict Unknown.
	Bound string
	// Limit is that bound when it is an option (BoundSyncStates), else
	// NoBound.
	Limit Bound `json:"-"`
}

// Text renders the report as `dsim explore --model sync` prints it.
func (r *SyncReport) Text() string {
	var b strings.Builder
	bd := r.Bounds
	fmt.Fprintf(&b, "synchronous model: nodes %s, EOT %d, EFF %d, crashes <= %d\n",
		strings.Join(r.Nodes, ","), bd.EOT, bd.EFF, bd.Crashes)
	switch r.Verdict {
	case SyncCertified:
		fmt.Fprintf(&b, "CERTIFIED: no run violates the spec within these bounds\n")
	case SyncUnknown:
		fmt.Fprintf(&b, "UNKNOWN: %s\n", r.Bound)
	case SyncCounterexample:
		fmt.Fprintf(&b, "COUNTEREXAMPLE:\n")
		f := r.Failure
		for _, v := range f.Violations {
			fmt.Fprintf(&b, "  %s\n", v)
		}
		fmt.Fprintf(&b, "  lost messages (channel @ send round): %s\n", listOrNone(f.Losses))
		fmt.Fprintf(&b, "  crashes (node @ round): %s\n", listOrNone(f.Crashes))
		if f.ShrinkRuns > 0 {
			fmt.Fprintf(&b, "  shrunk: %d -> %d faults in %d runs\n", f.SizeBefore, f.SizeAfter, f.ShrinkRuns)
		}
	}
	fmt.Fprintf(&b, "searched: %d crash scenarios, %d runs executed, %d distinct states (%d branches merged",
		r.Scenarios, r.Runs, r.States, r.Merged)
	if r.Pruned > 0 {
		fmt.Fprintf(&b, ", %d channel choices pruned: no spec relation depends on their messages", r.Pruned)
	}
	b.WriteString(")\n")
	if r.Verdict == SyncCertified {
		cov := strconv.FormatUint(r.Covered, 10)
		if r.Covered == ^uint64(0) {
			cov = "at least " + cov
		}
		fmt.Fprintf(&b, "covered: %s runs of the model (every crash choice, every loss set on channels that carried messages)\n", cov)
	}
	if r.Verdict == SyncCertified {
		fmt.Fprintf(&b, "certificate: sha256 %s\n", r.Hash)
	}
	return b.String()
}

func listOrNone[T fmt.Stringer](xs []T) string {
	if len(xs) == 0 {
		return "none"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = x.String()
	}
	return strings.Join(s, ", ")
}
