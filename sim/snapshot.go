package sim

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// This file lets a caller stop a run at a virtual-time boundary and later
// continue copies of it: Moment.Snapshot freezes the world as a Step hook
// sees it, and Resume runs a copy of a snapshot on to its end under new
// hooks. The refinement checker's depth-first search resumes from the
// deepest snapshot before the choice it backtracks to instead of
// re-executing the original from time 0 (docs/CHECKING.md, "The search").
// A resumed run is the run that would have followed had the hooks made
// the same decisions from time 0: same events, same choice keys, same
// schedule (a differential test checks this).

// Snapshot is a frozen world between two virtual times. It may be resumed
// any number of times; it is never modified.
type Snapshot struct{ w *world }

// Now is the virtual time of the snapshot's moment.
func (s *Snapshot) Now() int64 { return s.w.now }

// Snapshot copies the world at this moment. Everything a run mutates is
// copied (nodes, queue, counters, clients, the oracle's generator); what
// it only appends to or replaces whole (carried fact sets from eval, the
// recorded choices, the history) is shared.
func (m Moment) Snapshot() *Snapshot { return &Snapshot{w: m.w.clone()} }

// Resume runs a copy of the snapshot's world on from its moment, with
// decide and step as the Decide and Step hooks (the snapshot's moment is
// not passed to step again: the run continues right after the Step call
// that took the snapshot). It returns what Run would have returned.
func Resume(s *Snapshot, decide DecideFunc, step StepFunc) (*Result, error) {
	w := s.w.clone()
	w.step = step // cfg, shared with the snapshot, keeps the first run's hooks
	if w.or.hook != nil && decide == nil {
		// The snapshot shares its generator with the run it was taken
		// from, which never drew from it (a Decide hook decided).
		w.or.copyRand()
	}
	w.or.hook = decide
	w.resumed = true
	// clone left it nil; a run activates some of the nodes at each time,
	// so room for all of them at once saves the append's growth steps.
	w.active = make([]int, 0, len(w.nodes))
	if err := w.run(); err != nil {
		return nil, err
	}
	return w.result(), nil
}

// clone copies w for a snapshot or a resumption. It is called only between
// virtual times, when no node is active and no tick is running.
func (w *world) clone() *world {
	c := *w
	c.nodes = make([]*node, len(w.nodes))
	ns := make([]node, len(w.nodes)) // one allocation for all nodes
	for i, n := range w.nodes {
		ns[i] = *n
		ns[i].pending = slices.Clone(n.pending)
		c.nodes[i] = &ns[i]
	}
	c.q.items = slices.Clone(w.q.items)
	// The recorded choices become a shared, immutable prefix of both.
	c.or.prefix, c.or.record = w.or.freeze(), nil
	c.or.scratch = nil // its own, if it needs one
	if w.or.hook == nil {
		// Only a run without a Decide hook draws from the generator.
		c.or.copyRand()
	}
	if w.trace != nil {
		c.trace = &Trace{Events: slices.Clip(w.trace.Events)}
	}
	c.tb = traceBuild{} // w's chunk tail and scratch are w's alone
	c.hist.Inputs = slices.Clip(w.hist.Inputs)
	c.hist.Outputs = slices.Clip(w.hist.Outputs)
	// (Writes to the source only when needed, so that resuming a snapshot
	// reads it only.)
	if !w.histShared {
		w.histShared = true
	}
	c.histShared = true
	c.violations = slices.Clip(w.violations)
	c.active, c.cur, c.choiceEr = nil, nil, nil
	// The two maps are rarely written: share them, copy on write.
	if !w.mapsShared {
		w.mapsShared = true
	}
	c.mapsShared = true
	if w.closed != nil {
		cl := *w.closed
		cl.outstanding = slices.Clone(cl.outstanding)
		cl.sent = slices.Clone(cl.sent)
		cl.waiting = slices.Clone(cl.waiting)
		cl.gen = cl.gen.clone()
		c.closed = &cl
	}
	return &c
}

// copyRand gives the oracle its own copy of its generator's state.
func (o *oracle) copyRand() {
	if o.pcg != nil {
		p := *o.pcg
		o.pcg = &p
		o.rng = rand.New(o.pcg)
	}
}

// ownMaps gives w its own copies of the maps it shares with snapshots,
// before it writes to one.
func (w *world) ownMaps() {
	if w.mapsShared {
		w.requests = maps.Clone(w.requests)
		w.timerLast = maps.Clone(w.timerLast)
		w.mapsShared = false
	}
}
