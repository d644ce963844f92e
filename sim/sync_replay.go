package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/eval"
)

// This file replays one failure scenario of the synchronous model (for
// shrinking and for the counterexample's trace) and shrinks a
// counterexample: it drops crashes and losses one at a time while the run
// still violates the spec the same way (a fact of the same relation).

// replayed is one run of a fixed scenario.
type replayed struct {
	viols  []SyncViolation
	losses []SyncLoss // the losses that dropped at least one message
	trace  *Trace
	final  []eval.FactSet // the facts of the last round executed, per eval node
}

// replay runs the scenario with crashes sc and lost channels losses.
func (s *syncSearch) replay(sc *syncScenario, losses []SyncLoss, trace bool) (*replayed, error) {
	locs := s.sys.locations()
	idx := map[string]int{}
	for i, l := range locs {
		idx[l] = i
	}
	r := &replayed{}
	var tr *Trace
	if trace {
		tr = &Trace{}
	}
	st := s.sys.start()
	type pending struct {
		m  syncMsg
		id int64
	}
	var arriving []pending
	var seq int64
	for t := int64(1); t <= s.opts.Bounds.EOT; t++ {
		if tr != nil {
			for _, c := range sc.crashes {
				if c.Time == t {
					tr.Events = append(tr.Events, Event{Time: t, Kind: EvCrash, Node: s.sys.addr(idx[c.Node])})
				}
			}
			for _, p := range arriving {
				tr.Events = append(tr.Events, Event{Time: t, Kind: EvDeliver, Node: s.sys.addr(p.m.to),
					Peer: s.sys.addr(p.m.from), Msg: p.id, Fact: p.m.fact, SentAt: t - 1})
			}
			arriving = arriving[:0]
		}
		out, err := s.sys.round(t, st, sc, t == s.opts.Bounds.EOT, tr)
		if err != nil {
			return nil, err
		}
		r.final = out.facts
		if len(out.viols) > 0 {
			r.viols = out.viols
			break
		}
		var lost []syncChan
		if t < s.opts.Bounds.EFF {
			for _, l := range losses {
				if l.Time == t {
					lost = append(lost, syncChan{idx[l.From], idx[l.To]})
				}
			}
		}
		for _, c := range lost {
			for _, m := range out.msgs {
				if m.from == c.from && m.to == c.to && !sc.silent(m.from, t) {
					l := SyncLoss{From: locs[c.from], To: locs[c.to], Time: t}
					if !slices.Contains(r.losses, l) {
						r.losses = append(r.losses, l)
					}
				}
			}
		}
		if tr != nil {
			for _, m := range out.msgs {
				seq++
				ok := deliverable(m, t, sc, lost)
				arrive := t + 1
				if !ok {
					arrive = -1
				}
				tr.Events = append(tr.Events, Event{Time: t, Kind: EvSend, Node: s.sys.addr(m.from),
					Peer: s.sys.addr(m.to), Msg: seq, Fact: m.fact, Arrive: arrive})
				switch {
				case !ok:
					reason := "omission"
					if sc.silent(m.from, t) {
						reason = "crashed"
					}
					tr.Events = append(tr.Events, Event{Time: t, Kind: EvDrop, Node: s.sys.addr(m.to),
						Peer: s.sys.addr(m.from), Msg: seq, Fact: m.fact, SentAt: t, Reason: reason})
				case t < s.opts.Bounds.EOT:
					arriving = append(arriving, pending{m, seq})
				}
			}
		}
		st = s.nextState(out, t, sc, lost)
	}
	if tr != nil {
		for _, v := range r.viols {
			if v.Kind == "invariant" || v.Node != "" {
				if i, ok := idx[v.Node]; ok {
					tr.Events = append(tr.Events, Event{Time: v.Time, Kind: EvViolation, Node: s.sys.addr(i), Fact: v.Fact})
				}
			}
		}
	}
	r.trace = tr
	return r, nil
}

// sameFailure reports whether viols break the spec the way want does.
func sameFailure(want, viols []SyncViolation) bool {
	for _, v := range viols {
		if v.Kind == want[0].Kind && v.Fact.Rel == want[0].Fact.Rel {
			return true
		}
	}
	return false
}

func scenarioOf(nodes []string, crashes []SyncCrash) *syncScenario {
	sc := &syncScenario{crashAt: make([]int64, len(nodes)), crashes: slices.Clone(crashes)}
	for _, c := range crashes {
		sc.crashAt[slices.Index(nodes, c.Node)] = c.Time
	}
	return sc
}

// syncFaults is what the sync shrinker reduces: a counterexample's
// crashes and lost channels.
type syncFaults struct {
	crashes []SyncCrash
	losses  []SyncLoss
}

func (f syncFaults) size() int { return len(f.crashes) + len(f.losses) }

// syncShrinkSteps drop one crash, then one loss, in order.
var syncShrinkSteps = []ReduceStep[syncFaults]{
	{"one crash fewer", func(f syncFaults) []syncFaults {
		out := make([]syncFaults, len(f.crashes))
		for i := range f.crashes {
			out[i] = syncFaults{slices.Delete(slices.Clone(f.crashes), i, i+1), f.losses}
		}
		return out
	}},
	{"one loss fewer", func(f syncFaults) []syncFaults {
		out := make([]syncFaults, len(f.losses))
		for i := range f.losses {
			out[i] = syncFaults{f.crashes, slices.Delete(slices.Clone(f.losses), i, i+1)}
		}
		return out
	}},
}

// finish shrinks the counterexample (unless NoShrink) and replays it with a
// trace. Shrinking is the one reducer (Reduce) over syncShrinkSteps: it
// drops one crash or one loss at a time, keeping the change when the run
// still fails the same way, until nothing can go. Each accepted drop
// removes one fault and a pass proposes at most one drop per fault, so
// (n+1)^2 attempts always reach the fixed point: the bound never cuts it.
// Like every user of Reduce, it starts again from the first step after
// each drop.
func (s *syncSearch) finish(f *SyncFailure) (*SyncFailure, error) {
	nodes := s.sys.locations()
	crashes, losses := slices.Clone(f.Crashes), slices.Clone(f.Losses)
	before := len(crashes) + len(losses)
	runs := 0
	if !s.opts.NoShrink {
		var replayErr error
		stillFails := func(c syncFaults) (syncFaults, bool) {
			if replayErr != nil {
				return c, false
			}
			r, err := s.replay(scenarioOf(nodes, c.crashes), c.losses, false)
			if err != nil {
				replayErr = err
				return c, false
			}
			return c, sameFailure(f.Violations, r.viols)
		}
		got, stats := Reduce(syncFaults{crashes, losses}, syncFaults.size, syncShrinkSteps, stillFails, (before+1)*(before+1))
		if replayErr != nil {
			return nil, replayErr
		}
		crashes, losses, runs = got.crashes, got.losses, stats.Attempts
	}
	sc := scenarioOf(nodes, crashes)
	r, err := s.replay(sc, losses, true)
	if err != nil {
		return nil, err
	}
	out := &SyncFailure{Losses: r.losses, Crashes: crashes, Violations: r.viols, Trace: r.trace,
		SizeBefore: before, ShrinkRuns: runs}
	slices.SortFunc(out.Losses, func(a, b SyncLoss) int {
		if a.Time != b.Time {
			return int(a.Time - b.Time)
		}
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
	out.SizeAfter = len(out.Losses) + len(out.Crashes)
	return out, nil
}

// SyncRun is one run of the synchronous model under a fixed scenario.
type SyncRun struct {
	Violations []SyncViolation
	Losses     []SyncLoss // the given losses that dropped a message
	Trace      *Trace
	// Facts holds the facts of the last round: one set per node (dsim
	// programs, in node order) or one global set (located programs).
	Facts []eval.FactSet
	Nodes []string
}

// RunSync runs target once, rounds 1..b.EOT, with the given crashes and
// lost channels (losses at rounds >= b.EFF are ignored), and records a
// trace. With no crashes and losses it is the failure-free run.
func RunSync(target SyncTarget, b SyncBounds, crashes []SyncCrash, losses []SyncLoss) (*SyncRun, error) {
	sys, err := newSyncSystem(target)
	if err != nil {
		return nil, err
	}
	if b.EOT < 1 || b.EOT > MaxSyncEOT {
		return nil, fmt.Errorf("%s %d: give a last round between 1 and %d", OptSyncEOT, b.EOT, MaxSyncEOT)
	}
	nodes := sys.locations()
	for _, c := range crashes {
		if !slices.Contains(nodes, c.Node) {
			return nil, fmt.Errorf("crash %s: no node %q (nodes: %s)", c, c.Node, strings.Join(nodes, ", "))
		}
	}
	for _, l := range losses {
		if !slices.Contains(nodes, l.From) || !slices.Contains(nodes, l.To) {
			return nil, fmt.Errorf("loss %s: unknown node (nodes: %s)", l, strings.Join(nodes, ", "))
		}
	}
	s := &syncSearch{sys: sys, opts: SyncOptions{Bounds: b}}
	r, err := s.replay(scenarioOf(nodes, crashes), losses, true)
	if err != nil {
		return nil, err
	}
	return &SyncRun{Violations: r.viols, Losses: r.losses, Trace: r.trace, Facts: r.final, Nodes: slices.Clone(nodes)}, nil
}
