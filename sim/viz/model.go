// Package viz draws spacetime diagrams of simulator traces (sim.Trace).
//
// It works in two steps. Build turns a trace into a Diagram: plain data
// with one lane per client and per node, the rows of virtual time at which
// something happens, tick marks with the facts of each tick, arrows for
// messages, inputs and outputs (delivered, dropped or still in flight) and
// marks for crashes, timers and invariant violations. Renderers then draw a
// Diagram: WriteHTML as one self-contained HTML page (inline SVG, CSS and
// script, no network) where clicking a tick lists its facts, and WriteASCII
// as text for a terminal. Both are deterministic: the same trace gives the
// same bytes, because every list of the Diagram follows the trace's order or
// a sort, never a map's.
package viz

import (
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Lane kinds.
const (
	LaneClient = "client"
	LaneNode   = "node"
)

// Arrow kinds.
const (
	ArrowMessage  = "message"  // a message delivered (Dup: the duplicate copy)
	ArrowDrop     = "drop"     // a message lost on the way; Reason says why
	ArrowInFlight = "inflight" // a message sent but neither delivered nor dropped when the run stopped
	ArrowInput    = "input"    // a client input reaching its entry node (Reason set when it was lost)
	ArrowOutput   = "output"   // an output fact travelling to its client
)

// Mark kinds.
const (
	MarkCrash     = "crash"
	MarkTimer     = "timer"
	MarkViolation = "violation"
)

// Lane is one column of the diagram: a client or a node.
type Lane struct {
	Name string `json:"name"` // "client 0" or a node address such as "storage[1]"
	Kind string `json:"kind"` // LaneClient or LaneNode
}

// Tick is one tick of one node, with its facts.
type Tick struct {
	Lane     int      `json:"lane"`
	Time     int64    `json:"time"`
	Row      int      `json:"row"`
	Number   int      `json:"number"` // the node's local tick number (1 = first)
	Consumed []string `json:"consumed,omitempty"`
	Produced []string `json:"produced,omitempty"`
	Outputs  []string `json:"outputs,omitempty"`
	Sends    int      `json:"sends,omitempty"`
	Dumped   bool     `json:"dumped,omitempty"` // Dump is the tick's full fact list
	Dump     []string `json:"dump,omitempty"`
}

// Arrow is a message, input or output travelling from one lane to another.
type Arrow struct {
	Kind     string `json:"kind"`
	ID       string `json:"id"` // m7, i2, o3: the trace's id
	From     int    `json:"from"`
	To       int    `json:"to"`
	Start    int64  `json:"start"` // virtual time it left From
	End      int64  `json:"end"`   // virtual time it arrived, was dropped, or would arrive
	StartRow int    `json:"start_row"`
	EndRow   int    `json:"end_row"`
	Fact     string `json:"fact"`
	Dup      bool   `json:"dup,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Mark is an event on a single lane.
type Mark struct {
	Kind   string `json:"kind"`
	Lane   int    `json:"lane"`
	Time   int64  `json:"time"`
	Row    int    `json:"row"`
	Fact   string `json:"fact,omitempty"`
	Reason string `json:"reason,omitempty"` // timer: why it was lost
}

// Diagram is a trace laid out as lanes and rows, ready to render.
type Diagram struct {
	Lanes  []Lane  `json:"lanes"`
	Times  []int64 `json:"times"` // the virtual time of each row, ascending
	Ticks  []Tick  `json:"ticks"`
	Arrows []Arrow `json:"arrows"`
	Marks  []Mark  `json:"marks"`
}

// DefaultMaxEvents bounds the trace Build accepts by default: beyond it the
// diagram is too large to read or to render.
const DefaultMaxEvents = 20_000

// Options tune Build.
type Options struct {
	// MaxEvents bounds the trace's events; 0 means DefaultMaxEvents.
	MaxEvents int
}

// Build lays out a trace. Lanes are the clients (by number), then the nodes:
// components in the order their first ticks appear (the simulator ticks
// every node at time 0 in node order), instances ascending.
func Build(tr *sim.Trace, opt Options) (*Diagram, error) {
	limit := opt.MaxEvents
	if limit <= 0 {
		limit = DefaultMaxEvents
	}
	if len(tr.Events) > limit {
		return nil, fmt.Errorf("viz: the trace has %d events, more than the bound of %d (MaxEvents); raise %s or shorten the run", len(tr.Events), limit, sim.OptVizMaxEvents)
	}
	b := &builder{d: &Diagram{}, lanes: map[string]int{}}
	b.layoutLanes(tr)
	b.layoutRows(tr)
	b.place(tr)
	b.sortArrows()
	return b.d, nil
}

type builder struct {
	d      *Diagram
	origin []int          // per arrow: index in the trace of the event that started it
	lanes  map[string]int // lane name -> index
	rows   map[int64]int  // virtual time -> row
}

func clientName(c int) string { return fmt.Sprintf("client %d", c) }

func (b *builder) layoutLanes(tr *sim.Trace) {
	var clients []int
	seenClient := map[int]bool{}
	var comps []string
	seenComp := map[string]bool{}
	seenNode := map[value.Addr]bool{}
	var nodes []value.Addr
	addComp := func(c string) {
		if !seenComp[c] {
			seenComp[c] = true
			comps = append(comps, c)
		}
	}
	addNode := func(a value.Addr) {
		if a.Comp != "" && !seenNode[a] {
			seenNode[a] = true
			nodes = append(nodes, a)
		}
	}
	// First pass: component order from ticks, so that an input delivered
	// before the first tick cannot reorder the lanes.
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == sim.EvTick {
			addComp(e.Node.Comp)
		}
	}
	for i := range tr.Events {
		e := &tr.Events[i]
		addNode(e.Node)
		switch e.Kind {
		case sim.EvSend, sim.EvDeliver, sim.EvDrop:
			addNode(e.Peer)
		case sim.EvInput, sim.EvOutput:
			if !seenClient[e.Client] {
				seenClient[e.Client] = true
				clients = append(clients, e.Client)
			}
		}
	}
	for _, a := range nodes {
		addComp(a.Comp)
	}
	slices.Sort(clients)
	for _, c := range clients {
		b.addLane(clientName(c), LaneClient)
	}
	compRank := map[string]int{}
	for i, c := range comps {
		compRank[c] = i
	}
	slices.SortFunc(nodes, func(x, y value.Addr) int {
		if r := compRank[x.Comp] - compRank[y.Comp]; r != 0 {
			return r
		}
		return x.Instance - y.Instance
	})
	for _, a := range nodes {
		b.addLane(a.String(), LaneNode)
	}
}

func (b *builder) addLane(name, kind string) {
	b.lanes[name] = len(b.d.Lanes)
	b.d.Lanes = append(b.d.Lanes, Lane{Name: name, Kind: kind})
}

// layoutRows gives a row to every virtual time at which an event happens or
// an arrow starts or ends.
func (b *builder) layoutRows(tr *sim.Trace) {
	seen := map[int64]bool{}
	add := func(t int64) {
		if !seen[t] {
			seen[t] = true
			b.d.Times = append(b.d.Times, t)
		}
	}
	delivered := fates(tr)
	for i := range tr.Events {
		e := &tr.Events[i]
		add(e.Time)
		switch e.Kind {
		case sim.EvDeliver, sim.EvDrop, sim.EvOutput:
			add(e.SentAt)
		case sim.EvSend:
			if !delivered[e.Msg] && e.Arrive >= 0 {
				add(e.Arrive)
			}
		}
	}
	slices.Sort(b.d.Times)
	b.rows = make(map[int64]int, len(b.d.Times))
	for i, t := range b.d.Times {
		b.rows[t] = i
	}
}

// fates lists the messages whose delivery or drop the trace records.
func fates(tr *sim.Trace) map[int64]bool {
	m := map[int64]bool{}
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == sim.EvDeliver || e.Kind == sim.EvDrop {
			m[e.Msg] = true
		}
	}
	return m
}

func (b *builder) node(a value.Addr) int { return b.lanes[a.String()] }

// place turns each event into a tick, an arrow or a mark, in trace order.
func (b *builder) place(tr *sim.Trace) {
	d := b.d
	delivered := fates(tr)
	sendAt := map[int64]int{} // message id -> index of its send event
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == sim.EvSend {
			sendAt[e.Msg] = i
		}
	}
	origin := 0
	arrow := func(kind, id string, from, to int, start, end int64, f value.Fact) *Arrow {
		b.origin = append(b.origin, origin)
		d.Arrows = append(d.Arrows, Arrow{Kind: kind, ID: id, From: from, To: to, Start: start, End: end,
			StartRow: b.rows[start], EndRow: b.rows[end], Fact: f.String()})
		return &d.Arrows[len(d.Arrows)-1]
	}
	mark := func(kind string, e *sim.Event) {
		m := Mark{Kind: kind, Lane: b.node(e.Node), Time: e.Time, Row: b.rows[e.Time], Reason: e.Reason}
		if e.Fact.Rel != "" {
			m.Fact = e.Fact.String()
		}
		d.Marks = append(d.Marks, m)
	}
	for i := range tr.Events {
		e := &tr.Events[i]
		msg := fmt.Sprintf("m%d", e.Msg)
		origin = i
		if s, ok := sendAt[e.Msg]; ok && (e.Kind == sim.EvDeliver || e.Kind == sim.EvDrop) {
			origin = s
		}
		switch e.Kind {
		case sim.EvTick:
			d.Ticks = append(d.Ticks, Tick{Lane: b.node(e.Node), Time: e.Time, Row: b.rows[e.Time], Number: e.Tick,
				Consumed: value.FactStrings(e.Consumed), Produced: value.FactStrings(e.Produced), Outputs: value.FactStrings(e.Outputs),
				Sends: e.Sends, Dumped: e.Dump != nil, Dump: value.FactStrings(e.Dump)})
		case sim.EvSend:
			if !delivered[e.Msg] {
				end := e.Arrive
				if end < 0 {
					end = e.Time
				}
				arrow(ArrowInFlight, msg, b.node(e.Node), b.node(e.Peer), e.Time, end, e.Fact)
			}
		case sim.EvDeliver:
			arrow(ArrowMessage, msg, b.node(e.Peer), b.node(e.Node), e.SentAt, e.Time, e.Fact).Dup = e.Dup
		case sim.EvDrop:
			a := arrow(ArrowDrop, msg, b.node(e.Peer), b.node(e.Node), e.SentAt, e.Time, e.Fact)
			a.Dup, a.Reason = e.Dup, e.Reason
		case sim.EvInput:
			arrow(ArrowInput, fmt.Sprintf("i%d", e.Msg), b.lanes[clientName(e.Client)], b.node(e.Node), e.Time, e.Time, e.Fact).Reason = e.Reason
		case sim.EvOutput:
			arrow(ArrowOutput, fmt.Sprintf("o%d", e.Msg), b.node(e.Node), b.lanes[clientName(e.Client)], e.SentAt, e.Time, e.Fact)
		case sim.EvCrash:
			mark(MarkCrash, e)
		case sim.EvTimer:
			mark(MarkTimer, e)
		case sim.EvViolation:
			mark(MarkViolation, e)
		}
	}
}

// sortArrows orders the arrows by the row they leave from, then by the
// trace position of the event that started them (a message's send), so
// that they read in the order things happened rather than arrived.
func (b *builder) sortArrows() {
	idx := make([]int, len(b.d.Arrows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		ax, ay := &b.d.Arrows[x], &b.d.Arrows[y]
		if ax.StartRow != ay.StartRow {
			return ax.StartRow - ay.StartRow
		}
		return b.origin[x] - b.origin[y]
	})
	sorted := make([]Arrow, len(idx))
	for i, j := range idx {
		sorted[i] = b.d.Arrows[j]
	}
	b.d.Arrows = sorted
}

// Count returns how many arrows of a kind the diagram holds.
func (d *Diagram) Count(kind string) int {
	n := 0
	for _, a := range d.Arrows {
		if a.Kind == kind {
			n++
		}
	}
	return n
}
