package realnet

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/sim"
)

// This file converts a trace directory into a sim.History on one virtual
// time axis, the form checker.CheckHistory judges (docs/REALNET.md,
// "Traces and dsim check --history").

// TimeAxis says how real times become virtual times.
type TimeAxis struct {
	// UnitMicros is the real time (µs) of one virtual time unit; 0 picks
	// the coarsest of 1 ms, 100 µs, 10 µs and 1 µs that leaves every
	// output at least MinGap units after its cause.
	UnitMicros int64
	// MinGap is the automatic unit's requirement (default DefaultMinGap).
	MinGap int64
}

// DefaultMinGap is the number of virtual units the automatic unit keeps
// between an output and the input that caused it. It must cover the
// original's longest input-to-output chain in the simulator, where every
// message hop and every deferred (:+) step takes at least one unit: base
// 2PC needs 9 (four hops, three log flushes, the answer), base voting 3.
// Too small a gap makes the checker call a real answer "late" only
// because rounding put it too close to its request.
const DefaultMinGap = 16

// unitCandidates are the automatic units, coarsest first.
var unitCandidates = []int64{1000, 100, 10, 1}

// LoadSimHistory reads a trace directory and returns its history in
// virtual time: time 0 is the first input, and a real time t becomes
// round((t - first input) / unit). An output's cause is the latest input
// of the same client at or before it (else the latest input of any
// client; else the first input); whatever the unit, an output is placed at
// least one unit after its cause (clamped if rounding would break that),
// so every "input, then its answer" order of the real run survives.
// Outputs at a negative time (before any input) are placed at 1. Client
// numbers map to the history's Client fields. It returns the unit used.
func LoadSimHistory(dir string, axis TimeAxis) (*sim.History, int64, error) {
	evs, err := readTraceEvents(dir)
	if err != nil {
		return nil, 0, err
	}
	if axis.UnitMicros < 0 || axis.MinGap < 0 {
		return nil, 0, fmt.Errorf("time axis: the unit and the gap must be positive (got unit %dµs, gap %d)", axis.UnitMicros, axis.MinGap)
	}
	if axis.MinGap == 0 {
		axis.MinGap = DefaultMinGap
	}
	var ins []traceEvent
	for _, e := range evs {
		if e.input != nil {
			ins = append(ins, e)
		}
	}
	sortEvents(ins)
	causes := outputCauses(evs, ins)
	unit := axis.UnitMicros
	if unit == 0 {
		unit = unitCandidates[len(unitCandidates)-1]
		for _, u := range unitCandidates {
			if minGap(evs, causes, ins, u) >= axis.MinGap {
				unit = u
				break
			}
		}
	}
	h := &sim.History{}
	if len(ins) == 0 {
		for _, e := range evs {
			h.Outputs = append(h.Outputs, sim.HistoryOutput{Fact: e.output.Fact, Client: e.output.Client, Time: 1})
		}
		return h, unit, nil
	}
	t0 := ins[0].us
	for i, e := range evs {
		vt := virtualTime(e.us, t0, unit)
		if e.input != nil {
			h.Inputs = append(h.Inputs, sim.HistoryInput{Fact: e.input.Fact, Node: e.input.Node, Time: vt, Client: e.input.Client})
			continue
		}
		vt = max(vt, virtualTime(causes[i], t0, unit)+1, 1)
		h.Outputs = append(h.Outputs, sim.HistoryOutput{Fact: e.output.Fact, Client: e.output.Client, Time: vt})
	}
	sortHistory(h)
	return h, unit, nil
}

// virtualTime rounds t - t0 to the nearest unit (halves up).
func virtualTime(t, t0, unit int64) int64 {
	d := t - t0
	if d < 0 {
		return -((-d + unit/2) / unit)
	}
	return (d + unit/2) / unit
}

// outputCauses returns, for each output event (by index in evs), the
// real time of its cause (see LoadSimHistory); inputs get 0. One sweep in
// time order (an input and an output in the same µs: the input first).
func outputCauses(evs, ins []traceEvent) []int64 {
	causes := make([]int64, len(evs))
	if len(ins) == 0 {
		return causes
	}
	order := make([]int, len(evs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(evs[a].us, evs[b].us); c != 0 {
			return c
		}
		return boolRank(evs[a].input == nil) - boolRank(evs[b].input == nil)
	})
	latest := map[int]int64{} // client -> its latest input so far
	anyIn := ins[0].us
	for _, i := range order {
		e := evs[i]
		if e.input != nil {
			latest[e.input.Client] = e.us
			anyIn = e.us
			continue
		}
		if t, ok := latest[e.output.Client]; ok {
			causes[i] = t
		} else {
			causes[i] = anyIn
		}
	}
	return causes
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortEvents orders events by real time (stable).
func sortEvents(evs []traceEvent) {
	slices.SortStableFunc(evs, func(a, b traceEvent) int { return cmp.Compare(a.us, b.us) })
}

// sortHistory orders a history as sim does: inputs by time, node, client,
// fact; outputs by time, client, fact.
func sortHistory(h *sim.History) {
	slices.SortStableFunc(h.Inputs, func(a, b sim.HistoryInput) int {
		if c := cmp.Compare(a.Time, b.Time); c != 0 {
			return c
		}
		if c := a.Node.Compare(b.Node); c != 0 {
			return c
		}
		if a.Client != b.Client {
			return a.Client - b.Client
		}
		return a.Fact.Compare(b.Fact)
	})
	slices.SortStableFunc(h.Outputs, func(a, b sim.HistoryOutput) int {
		if c := cmp.Compare(a.Time, b.Time); c != 0 {
			return c
		}
		if a.Client != b.Client {
			return a.Client - b.Client
		}
		return a.Fact.Compare(b.Fact)
	})
}

// minGap is the smallest distance, in units of u, between an output and
// its cause (a large number when there are no outputs).
func minGap(evs []traceEvent, causes []int64, ins []traceEvent, u int64) int64 {
	best := int64(1) << 62
	if len(ins) == 0 {
		return best
	}
	t0 := ins[0].us
	for i, e := range evs {
		if e.output != nil {
			best = min(best, virtualTime(e.us, t0, u)-virtualTime(causes[i], t0, u))
		}
	}
	return best
}
