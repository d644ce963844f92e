package sim

import (
	"cmp"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the two hooks that let a caller (the refinement checker)
// steer a run from outside: Config.Decide makes the oracle's decisions
// dynamically, and Config.Step observes the world between two virtual
// times and may stop the run. Both are optional; a run without them is
// unchanged.

// DecideFunc fills the decision fields of c (Drop, Delay, Dup, Pick, Perm,
// Request) for the subject c describes. It replaces both the seeded
// generator and Config.Script; the choice is recorded as usual, so the
// run's Schedule replays it. A non-nil error stops the run: Run returns it,
// except ErrUseSeed.
type DecideFunc func(c *Choice) error

// ErrUseSeed, returned by a DecideFunc, leaves that one choice to the
// run's seeded generator, as a run without the hook would make it. A hook
// that cannot make a choice itself uses it: a closed-loop client's next
// request (ChoiceRequest) is drawn from the workload's value domains,
// which the hook does not see.
var ErrUseSeed = errors.New("sim: decide this choice from the seed")

// StepFunc is called before the events of each virtual time are handled.
// A non-nil error stops the run: Run returns it.
type StepFunc func(m Moment) error

// Moment is the world between two virtual times, as a Step hook sees it.
// It is valid only during the call.
type Moment struct{ w *world }

// Now is the virtual time whose events are about to be handled.
func (m Moment) Now() int64 { return m.w.now }

// Hash digests everything that determines the rest of the run apart from
// the oracle's future decisions: the virtual time, each node's carried
// facts, crash and idle state, the timers' last firings, the pending
// events (with their times, receivers, senders and facts; outputs already
// on their way to clients excluded, they change nothing at a node) and the
// closed-loop clients. Ids of messages and tick counts are left out: they
// name things, they do not change what happens. Two moments with equal
// hashes (barring collisions) have the same possible futures.
func (m Moment) Hash() uint64 {
	w := m.w
	h := fnv.New64a()
	var buf [8]byte
	putInt := func(x int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(x))
		h.Write(buf[:])
	}
	putStr := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putTuple := func(t value.Tuple) {
		putInt(int64(len(t)))
		for _, v := range t {
			putInt(int64(v.K))
			putInt(v.I)
			putStr(v.S())
		}
	}
	putInt(w.now)
	for _, n := range w.nodes {
		putInt(int64(n.idle))
		if n.crashed {
			putInt(1)
		} else {
			putInt(0)
		}
		carried := n.carried()
		for _, rel := range sortedRelations(carried) {
			putStr(rel)
			ts := carried[rel]
			putInt(int64(len(ts)))
			for _, t := range ts {
				putTuple(t)
			}
		}
		putStr("|")
	}
	keys := make([]timerKey, 0, len(w.timerLast))
	for k := range w.timerLast {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b timerKey) int {
		if a.node != b.node {
			return a.node - b.node
		}
		if a.rel < b.rel {
			return -1
		}
		if a.rel > b.rel {
			return 1
		}
		return 0
	})
	for _, k := range keys {
		putInt(int64(k.node))
		putStr(k.rel)
		putInt(w.timerLast[k] - w.now)
	}
	evs := make([]*event, 0, len(w.q.items))
	for i := range w.q.items {
		if w.q.items[i].kind != evOutput {
			evs = append(evs, &w.q.items[i])
		}
	}
	slices.SortFunc(evs, func(a, b *event) int {
		if a.time != b.time {
			return cmp.Compare(a.time, b.time)
		}
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		if a.node != b.node {
			return a.node - b.node
		}
		if a.from != b.from {
			return a.from - b.from
		}
		if c := a.fact.Compare(b.fact); c != 0 {
			return c
		}
		if a.client != b.client {
			return a.client - b.client
		}
		return cmp.Compare(a.n, b.n)
	})
	for _, e := range evs {
		putInt(e.time)
		putInt(int64(e.kind))
		putInt(int64(e.node))
		putInt(int64(e.from))
		putInt(int64(e.client))
		putInt(e.n)
		putStr(e.fact.Rel)
		putTuple(e.fact.Tuple)
	}
	if cl := w.closed; cl != nil {
		putInt(int64(cl.issued))
		for _, o := range cl.outstanding {
			putInt(o)
		}
	}
	return h.Sum64()
}
