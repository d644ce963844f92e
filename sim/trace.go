package sim

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// EventKind says what a trace event records.
type EventKind uint8

const (
	// EvTick is one tick of one node.
	EvTick EventKind = iota
	// EvSend is a message leaving a node (its fate follows: deliver or drop).
	EvSend
	// EvDeliver is a message reaching its receiver.
	EvDeliver
	// EvDrop is a message lost: by omission, partition, or a crashed receiver.
	EvDrop
	// EvCrash is a node stopping for good.
	EvCrash
	// EvInput is a client input delivered to its entry node.
	EvInput
	// EvOutput is an output fact reaching its client.
	EvOutput
	// EvTimer is a timer firing delivered to a node.
	EvTimer
	// EvViolation is a fact in an .invariant relation: the run stops.
	EvViolation
)

var eventKindNames = [...]string{"tick", "send", "deliver", "drop", "crash", "input", "output", "timer", "violation"}

func (k EventKind) String() string { return eventKindNames[k] }

// MarshalText renders the kind's name (used by JSON).
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one line of a trace. Which fields are set depends on Kind (see
// the comments); message events share Msg so that a send links to its
// delivery or drop.
type Event struct {
	Time int64      // virtual time of the event
	Kind EventKind  //
	Node value.Addr // the node that ticks, sends, receives, crashes, or emits an output
	Tick int        // tick: the node's local tick number (1 = first)

	Msg    int64      // send/deliver/drop: message id; input: input id; output: output id
	Peer   value.Addr // send: the receiver; deliver/drop: the sender (Node is then the receiver)
	Client int        // input, output: the client
	Fact   value.Fact // send/deliver/drop/input/output/timer/violation: the fact
	SentAt int64      // deliver/drop/output: virtual send (or emission) time
	Arrive int64      // send: arrival time of the message, -1 if it is lost
	DupAt  int64      // send: arrival time of a duplicate copy, 0 if none
	Dup    bool       // deliver/drop: this is the duplicate copy
	Reason string     // drop: omission, partition, crashed

	Consumed []value.Fact // tick: facts delivered for this tick (messages, inputs, timers), sorted, distinct
	Produced []value.Fact // tick: facts carried to the next tick that were not carried into this one
	Outputs  []value.Fact // tick: output facts emitted
	Sends    int          // tick: number of messages sent
	Dump     []value.Fact // tick: every fact of the tick, when TraceOptions.Dump asks for it
}

func factList(fs []value.Fact) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	b.WriteByte(']')
	return b.String()
}

func at(t int64) string { return "@" + strconv.FormatInt(t, 10) }

// Describe renders the event canonically on one line.
func (e *Event) Describe() string {
	var b strings.Builder
	b.WriteString(at(e.Time))
	b.WriteByte(' ')
	b.WriteString(e.Kind.String())
	b.WriteByte(' ')
	msg := "m" + strconv.FormatInt(e.Msg, 10)
	dup := ""
	if e.Dup {
		dup = " dup"
	}
	switch e.Kind {
	case EvTick:
		b.WriteString(e.Node.String() + " #" + strconv.Itoa(e.Tick))
		b.WriteString(" in=" + factList(e.Consumed))
		b.WriteString(" new=" + factList(e.Produced))
		if len(e.Outputs) > 0 {
			b.WriteString(" out=" + factList(e.Outputs))
		}
		if e.Sends > 0 {
			b.WriteString(" sends=" + strconv.Itoa(e.Sends))
		}
		if e.Dump != nil {
			b.WriteString(" facts=" + factList(e.Dump))
		}
	case EvSend:
		b.WriteString(msg + " " + e.Node.String() + " -> " + e.Peer.String() + " " + e.Fact.String())
		if e.Arrive < 0 {
			b.WriteString(" lost")
		} else {
			b.WriteString(" arrive=" + at(e.Arrive))
		}
		if e.DupAt > 0 {
			b.WriteString(" dup=" + at(e.DupAt))
		}
	case EvDeliver:
		b.WriteString(msg + " " + e.Peer.String() + " -> " + e.Node.String() + " " + e.Fact.String() + " sent=" + at(e.SentAt) + dup)
	case EvDrop:
		b.WriteString(msg + " " + e.Peer.String() + " -> " + e.Node.String() + " " + e.Fact.String() + " sent=" + at(e.SentAt) + dup + " reason=" + e.Reason)
	case EvCrash:
		b.WriteString(e.Node.String())
	case EvInput:
		b.WriteString("i" + strconv.FormatInt(e.Msg, 10) + " " + e.Fact.String() + " -> " + e.Node.String() + " client=" + strconv.Itoa(e.Client))
		if e.Reason != "" {
			b.WriteString(" lost=" + e.Reason)
		}
	case EvOutput:
		b.WriteString("o" + strconv.FormatInt(e.Msg, 10) + " " + e.Node.String() + " -> client=" + strconv.Itoa(e.Client) + " " + e.Fact.String() + " sent=" + at(e.SentAt))
	case EvTimer:
		b.WriteString(e.Node.String() + " " + e.Fact.String())
		if e.Reason != "" {
			b.WriteString(" lost=" + e.Reason)
		}
	case EvViolation:
		b.WriteString(e.Node.String() + " " + e.Fact.String())
	}
	return b.String()
}

// Trace is the ordered list of a run's events.
type Trace struct {
	Events []Event
}

// String renders one event per line.
func (t *Trace) String() string {
	var b strings.Builder
	for i := range t.Events {
		b.WriteString(t.Events[i].Describe())
		b.WriteByte('\n')
	}
	return b.String()
}

// jsonEvent is the JSON form of an Event: facts and addresses as canonical
// text, fields in a fixed order, empty fields left out.
type jsonEvent struct {
	Time     int64    `json:"time"`
	Kind     string   `json:"kind"`
	Node     string   `json:"node,omitempty"`
	Tick     int      `json:"tick,omitempty"`
	Msg      string   `json:"msg,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Client   *int     `json:"client,omitempty"`
	Fact     string   `json:"fact,omitempty"`
	SentAt   *int64   `json:"sent_at,omitempty"`
	Arrive   *int64   `json:"arrive,omitempty"`
	DupAt    int64    `json:"dup_at,omitempty"`
	Dup      bool     `json:"dup,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Consumed []string `json:"consumed,omitempty"`
	Produced []string `json:"produced,omitempty"`
	Outputs  []string `json:"outputs,omitempty"`
	Sends    int      `json:"sends,omitempty"`
	Dump     []string `json:"dump,omitempty"`
}

func (e *Event) toJSON() jsonEvent {
	j := jsonEvent{Time: e.Time, Kind: e.Kind.String(), Reason: e.Reason}
	if e.Fact.Rel != "" {
		j.Fact = e.Fact.String()
	}
	msgID := func(prefix string) string { return prefix + strconv.FormatInt(e.Msg, 10) }
	sent := e.SentAt
	client := e.Client
	switch e.Kind {
	case EvTick:
		j.Node, j.Tick = e.Node.String(), e.Tick
		j.Consumed, j.Produced, j.Outputs = value.FactStrings(e.Consumed), value.FactStrings(e.Produced), value.FactStrings(e.Outputs)
		j.Sends, j.Dump = e.Sends, value.FactStrings(e.Dump)
	case EvSend:
		arrive := e.Arrive
		j.Msg, j.From, j.To, j.Arrive, j.DupAt = msgID("m"), e.Node.String(), e.Peer.String(), &arrive, e.DupAt
	case EvDeliver:
		j.Msg, j.From, j.To, j.SentAt, j.Dup = msgID("m"), e.Peer.String(), e.Node.String(), &sent, e.Dup
	case EvDrop:
		j.Msg, j.From, j.To, j.SentAt, j.Dup = msgID("m"), e.Peer.String(), e.Node.String(), &sent, e.Dup
	case EvInput:
		j.Msg, j.Node, j.Client = msgID("i"), e.Node.String(), &client
	case EvOutput:
		j.Msg, j.Node, j.Client, j.SentAt = msgID("o"), e.Node.String(), &client, &sent
	default:
		j.Node = e.Node.String()
	}
	return j
}

// MarshalJSON renders the event in its JSON form.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.toJSON()) }

// JSON renders the trace as {"events": [...]}, one event per line.
func (t *Trace) JSON() []byte {
	var b strings.Builder
	b.WriteString("{\"events\": [\n")
	for i := range t.Events {
		line, _ := json.Marshal(t.Events[i].toJSON())
		b.Write(line)
		if i+1 < len(t.Events) {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}
