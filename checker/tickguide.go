package checker

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the in-tick response guide (docs/CHECKING.md, "The
// search", step 2). The response guide (responseguide.go) times a message
// of the original by the tick in which a piece of its receiver sent, or
// came to carry, a fact the original derives from the message. What a
// piece derives within a tick and does not keep is invisible to it: a
// partition that applies a replicated write derives the original's
// candidate ballot from it (cand(n, p) :- p1aApplied(n, p), where the
// original has cand(n, p) :- p1a(n, p)) in the tick it applies it, and
// carries only the resulting promise, which for a ballot below the one it
// already holds does not change. The original's acceptor must then
// receive that p1a only when the partition applied it (after the higher
// ballot), so that it answers with the higher ballot as the partition did;
// the other guides deliver it at the coordinator's receipt, before the
// higher ballot, and the original answers with a promise the rewrite never
// made, so its proposer never learns the higher ballot and leads a lower
// one than the rewrite's.
//
// The guide reads every fact of every tick of the rewritten run (a replay
// of its schedule with the trace's dump on, made only when the guide is
// reached, so runs the cheaper guides explain pay nothing), and counts a
// fact of a piece at a tick when the piece did not hold it in its previous
// tick: the tick the piece derived it, not the ticks it keeps deriving it
// from its own state. The reactions are the response guide's, and the
// decision is its first-piece one. Like every guide it only proposes a
// branch; a witness it leads to is replayed and verified.

// tickActed returns, per mapped node and relation (actedKey), the facts
// the pieces of the node sent, or derived in a tick without holding them
// in their previous tick, in the rewritten run; nil when the run cannot be
// replayed (a --history check has no schedule). Computed once per target.
func (t *target) tickActed() map[string][]acted {
	if t.tickDone {
		return t.tickIndex
	}
	t.tickDone = true
	events := dumpReplay(t.rmap, t.rewRun)
	if events == nil {
		return nil
	}
	idx := map[string][]acted{}
	add := func(n value.Addr, f value.Fact, at int64) {
		mf := t.rmap.fact(f)
		k := actedKey(t.rmap.node(n), mf.Rel)
		idx[k] = append(idx[k], acted{time: at, tuple: mf.Tuple, piece: n})
	}
	prev := map[value.Addr]map[string]bool{} // each piece's facts in its previous tick
	for _, e := range events {
		switch e.Kind {
		case sim.EvSend:
			add(e.Node, e.Fact, e.Time)
		case sim.EvTick:
			seen := make(map[string]bool, len(e.Dump))
			old := prev[e.Node]
			for _, f := range e.Dump {
				k := factKey(f)
				seen[k] = true
				if !old[k] {
					add(e.Node, f, e.Time)
				}
			}
			prev[e.Node] = seen
		}
	}
	for _, as := range idx {
		slices.SortStableFunc(as, byTime)
	}
	t.tickIndex = idx
	return idx
}

// tickRespondedAt is respondedAt (first piece) over tickActed.
func (t *target) tickRespondedAt(to value.Addr, f value.Fact, now int64) (delay int64, ok, reacts bool) {
	return respondedIn(t.tickActed(), t.reactions[f.Rel], to, f, now, false)
}

// dumpReplay replays the rewritten run res of m with every tick's facts
// in its trace, for tickActed; nil without a schedule. A replay that fails
// or ends elsewhere than res (it should not: the schedule pins every
// choice) gives no events, and the guide then decides as the refinement
// map.
func dumpReplay(m *refinementMap, res *sim.Result) []sim.Event {
	if m == nil || res == nil || res.Schedule == nil || res.Trace == nil {
		return nil
	}
	cfg := res.Schedule.Config()
	cfg.Trace = sim.TraceOptions{Dump: []string{"*"}}
	cfg.Coverage, cfg.CoverageDetail = false, false
	r, err := sim.Run(m.rew, cfg)
	if err != nil || r.Trace == nil || r.Time != res.Time || len(r.Trace.Events) != len(res.Trace.Events) {
		return nil
	}
	return r.Trace.Events
}
