// Package eval evaluates one tick of one node as a pure function
// (docs/ARCHITECTURE.md, "The tick"): given the analysed program, the node,
// the facts it carries from its previous tick and the facts delivered for
// this tick, it computes the facts of the tick, the facts carried to the
// next tick, the messages sent and the client outputs.
//
// Callers hold an Evaluator per program (Compile) and call its Tick for
// every tick of every node; the package-level Tick compiles on each call.
// What a node carries is a State: an immutable value that a tick reads
// (Input.State) and whose successor it returns (Result.State), sharing the
// storage of every relation that did not change. Any number of ticks may
// start from one State, concurrently, and give the same Results.
//
// Within a tick, Evaluator.Tick uses stratified semi-naive evaluation
// with hash indexes on bound columns, and its own hashed aggregation
// (aggregate_hash.go). Across ticks, part of the work is delta-driven:
//
//   - A State's relations are loaded whole (table.loadRel): distinct and
//     checked when they were made, they are neither re-inserted nor
//     re-checked, and a relation that gains no fact in the tick comes out
//     as the very slice that went in. A relation is a sorted run and a
//     short tail of rows later ticks added in the middle (rel.go): the
//     next State takes the tick's rows as they are, so a tick that adds a
//     few rows to a large relation does not copy it; the tail is merged
//     into the run once it outgrows ~2√n rows, and the canonical (sorted)
//     form is made only when asked for (State.Facts, Result.Facts and
//     Result.Next, which are methods for that reason).
//
//   - Persistence rules, `r :+ r` and its garbage-collected form
//     `r :+ r, !done(k), (filter)`, are not re-derived fact by fact into
//     the next tick: the tick filters r's sorted rows (persist.go), so the
//     next State's r is built without hashing, and is shared unchanged
//     when nothing was added or collected.
//
//     The common `r :+ r, !done(k..)` whose done names r's first columns
//     does not probe done per row: r's runs under done's keys are found
//     by galloping through r's sorted rows and the rest copied as blocks.
//
//   - A relation that grows at its end is appended to in place by the
//     first tick from a State (rowtip.go); later ticks from the same
//     State that add the same rows take that tick's (published) rows
//     rather than copying the relation, and a tick that adds a few rows
//     anywhere merges them into the sorted relation by bisection.
//
//   - The Outputs and Violations of the tick that made a State are kept
//     in it, and a tick from it whose .output and .invariant relations
//     are the very same slices reuses them instead of listing them again.
//
//   - Relations derived only from carried state (no delivery reaches
//     them, no rule on the way calls Choices) are memoised in the State
//     by the first tick from it, and each is inherited by the next State
//     while what it reads is unchanged (memo.go): later ticks load them
//     instead of evaluating their rules, and a tick from a State that
//     inherited some evaluates only the others. A monotone one (plain
//     rules without negation over carried and static relations) keeps
//     its older facts when what it reads grows, and the next tick adds
//     only the facts of bindings through the gained rows (memo_grow.go).
//
//   - Aggregates `h(g.., count/sum/min/max(v)) :- r(x..)` over one atom
//     (distinct variables and constants, plain group variables, one
//     aggregate anywhere in the head)
//     are maintained per group in the State (incragg.go): a tick from a
//     State folds only r's new rows into the State's groups and loads
//     the resulting head tuples, already sorted, into h; the next State
//     keeps the groups, updated with the rows r lost to a GC rule (count
//     and sum subtract; min and max recompute only the groups that lost
//     their extreme value). The first tick from a State that has none
//     builds them once and publishes them there.
//
//   - Plain non-recursive rules (no aggregate, choose or index()) are
//     maintained by derivation counts (maint.go): the State keeps each
//     such relation's tuples with their numbers of derivations, and a
//     tick applies the signed changes of the rules' inputs (rows a
//     carried relation gained, groups an aggregate changed, tuples another
//     maintained relation gained or lost) through plans that start from
//     the one changed literal and probe the rest; a negated literal
//     drives too, the other way round, when it has no wildcards or only
//     trailing ones over a carried or delivered relation (maint_neg.go:
//     then only keys that gain their first row or lose their last
//     count). A rule with two
//     changed positive atoms (a self-join over a growing relation) is
//     maintained by the bilinear delta (maint_pair.go); one with more
//     changed literals, or two of which one is negated, or a change that
//     is not known, takes the full path for its relation, which counts as
//     it goes. Only States of at least 256 facts are maintained
//     (below that the bookkeeping costs more than the rules).
//
//   - The logging idiom `log(x..) :+ b(x..)` with `.persist log` over a
//     maintained b (2PC's `cCommitLog(id) :+ allYes(id)`), and the rules
//     that act once on what is not logged yet (`flushed(x..) :+ b(x..),
//     !log(x..)`, the same with :~), are fed by b's change (fed.go): in a
//     tick from a State whose log holds b's value at that State, they
//     scan only the rows b gained, instead of deriving all of b into the
//     outbox again (or scanning all of it for the few not logged). The
//     State records whether its log holds b (a bit per pair in its
//     maintained memos); one that does not gets the full path.
//
//   - The hash indexes plans probe over carried rows (a State's
//     relations, maintained relations' values) persist with those rows
//     (stateidx.go): each is a persistent hash trie (ptrie.go) held next
//     to the rows it indexes, that a tick probes instead of hashing every
//     carried row again, and that the next State gets with the tick's
//     changes applied by path copying (the old State keeps its version).
//     Only the rows a tick adds on top are indexed per tick. An index
//     probed about once per row (a rule evaluated in full over as large a
//     relation) is rebuilt flat instead, which is cheaper; both give a
//     key's rows in the same order. Relations below the same 256-row
//     threshold keep the per-tick index.
//
// Everything else (recursive strata, other aggregates, choose, index(),
// the filters of persistence rules, the FactSet path) is still
// evaluated over the full relations of the tick; a relation a
// garbage-collection rule carries, and the memos' relations (the groups
// of incremental aggregates, the values of maintained relations), are
// still flat sorted slices, copied whole when they change anywhere but
// at their end, so a tick's cost still grows with the state it carries,
// though far more slowly; docs/PERFORMANCE.md says by how much. choose and index() in
// particular must stay on this path: they call Choices in sorted group
// order over all candidates, and the Choices a run records must not
// change.
//
// Naive (naive.go) is a deliberately simple reference evaluator of the
// same semantics, with its own sort-based aggregation (aggregate.go),
// which re-derives everything, persistence included; differential tests
// compare the two on single ticks and on long random sequences of ticks
// carried through States (sequence_test.go). The two share only the
// head-side helpers (which slots make a row, how a head tuple is built).
// Neither reads a clock, a global random source or map iteration order:
// every nondeterministic choice of the language (which row choose keeps,
// how index() numbers rows) comes from the Choices argument.
package eval

import (
	"fmt"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/value"
)

// Topology tells a tick how many instances each component has, which
// `comp[k]` addresses and component-enumeration atoms need.
type Topology struct {
	// Counts maps component name to instance count. Lookups only; never
	// iterated into results.
	Counts map[string]int
}

// Node identifies the node that ticks.
type Node struct {
	Addr     value.Addr
	Topology Topology
}

// FactSet holds facts by relation: each slice sorted and free of duplicates
// (see Normalize). A nil FactSet is empty.
type FactSet map[string][]value.Tuple

// Input is what a tick consumes besides the program and the node.
type Input struct {
	// Carried holds the facts derived for this tick by :+ and persistence
	// rules in the node's previous tick.
	Carried FactSet
	// State, when not nil, holds the carried facts instead of Carried: the
	// previous tick's Result.State. Ticking from a State lets the
	// evaluator reuse what it kept there (see State).
	State *State
	// Delivered holds messages, client inputs and timer facts delivered for
	// this tick, in any order, possibly with duplicates.
	Delivered []value.Fact
}

// Message is a fact sent by an Async rule.
type Message struct {
	To   value.Addr
	Fact value.Fact
	Rule int // ID of the rule that sent it (the lowest, when several rules send the same fact to the same node)
}

// Result is everything a tick produces. Every slice is in canonical order.
type Result struct {
	// facts holds every relation's facts in this tick (static facts,
	// carried, delivered and derived), listed by Facts.
	facts  relSet
	fcache *factsCache
	// State holds the facts carried into the node's next tick as an
	// immutable State, to give to the next tick (Input.State); Next
	// lists them.
	State *State
	// Sends lists outgoing messages, sorted by destination then fact,
	// without duplicates.
	Sends []Message
	// Outputs lists the facts of .output relations derived in this tick,
	// sorted.
	Outputs []value.Fact
	// Violations lists the facts of .invariant relations in this tick,
	// sorted. A non-empty list is a safety violation.
	Violations []value.Fact
	// Derived counts facts derived by rules in this tick (for benchmarks).
	Derived int
	// Fired lists, sorted, the IDs of the rules that produced a head tuple
	// in this tick (coverage.go).
	Fired []int
}

// factsCache holds a Result's Facts once made.
type factsCache struct{ p atomic.Pointer[FactSet] }

// Facts returns every relation's facts in this tick (static facts,
// carried, delivered and derived), each sorted and distinct. It is made
// on the first call: a carried relation the tick grew in the middle is
// merged into canonical order only then (rel.go), so callers that do
// not need it per tick should not ask. Shared: do not modify.
func (r *Result) Facts() FactSet {
	if p := r.fcache.p.Load(); p != nil {
		return *p
	}
	fs := r.facts.flat()
	if r.fcache.p.CompareAndSwap(nil, &fs) {
		return fs
	}
	return *r.fcache.p.Load()
}

// Next returns the facts carried into the node's next tick: State's.
func (r *Result) Next() FactSet { return r.State.Facts() }

// GoString prints the Result's contents, its facts in canonical form (so
// that %#v of two Results with the same facts reads the same, whatever
// their storage).
func (r *Result) GoString() string {
	if r == nil {
		return "(*eval.Result)(nil)"
	}
	type result struct {
		Facts               FactSet
		State               *State
		Sends               []Message
		Outputs, Violations []value.Fact
		Derived             int
		Fired               []int
	}
	return fmt.Sprintf("&%#v", result{r.Facts(), r.State, r.Sends, r.Outputs, r.Violations, r.Derived, r.Fired})
}

// Choices resolves the language's nondeterminism. Implementations must be
// deterministic functions of their arguments and their own seeded state.
type Choices interface {
	// Choose picks one of n candidate rows (0 <= result < n) for the
	// choose() aggregates of rule ruleID in the group with key group. The
	// candidates are presented in sorted order.
	Choose(ruleID int, group value.Tuple, n int) int
	// Order permutes n rows of rule ruleID before index() numbers them:
	// it returns a permutation of 0..n-1 applied to the rows in sorted order.
	Order(ruleID int, n int) []int
}

// FirstChoices is the Choices that always takes the first candidate and the
// sorted order. It is the default of tools that do not explore choices.
type FirstChoices struct{}

// Choose implements Choices.
func (FirstChoices) Choose(int, value.Tuple, int) int { return 0 }

// Order implements Choices.
func (FirstChoices) Order(_ int, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// Limits bound the work of one tick. A zero field means the default.
type Limits struct {
	// MaxFacts bounds the facts of one tick across all relations
	// (default DefaultMaxFacts).
	MaxFacts int
	// MaxIterations bounds the semi-naive rounds of one stratum
	// (default DefaultMaxIterations).
	MaxIterations int
}

// The defaults of Limits, used for zero fields. Tools that print or
// document their bounds use these rather than repeating the numbers.
const (
	DefaultMaxFacts      = 1_000_000
	DefaultMaxIterations = 100_000
)

// WithDefaults returns l with every zero (or negative) field set to its
// default.
func (l Limits) WithDefaults() Limits {
	if l.MaxFacts <= 0 {
		l.MaxFacts = DefaultMaxFacts
	}
	if l.MaxIterations <= 0 {
		l.MaxIterations = DefaultMaxIterations
	}
	return l
}

// LimitError reports that a tick hit one of its Limits.
type LimitError struct {
	Bound string // "MaxFacts" or "MaxIterations"
	Limit int
	Node  value.Addr
}

func (e *LimitError) Error() string {
	hint := "raise it with --max-facts if the program is meant to derive this much"
	if e.Bound == "MaxIterations" {
		hint = "the tick's fixpoint did not converge: some rule keeps deriving new facts within one tick (move it to :+ or bound it)"
	}
	return "tick at " + e.Node.String() + " exceeded " + e.Bound + " (" + itoa(e.Limit) + "); " + hint
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
