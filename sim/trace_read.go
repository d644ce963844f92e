package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file reads a trace back from its JSON form (Trace.JSON), so that
// tools such as `dsim viz` can work on a trace file written by `dsim run
// --trace FILE.json`. Reading then writing gives the same JSON bytes.

// maxTraceEvents bounds how many events ReadTraceJSON accepts, so that a
// hostile file cannot make it allocate without limit.
const maxTraceEvents = 10_000_000

// ReadTraceJSON parses a trace in the JSON form Trace.JSON writes. name is
// used in errors, which carry the line and column of the bad event.
func ReadTraceJSON(name string, data []byte) (*Trace, error) {
	r := &traceReader{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	r.dec.DisallowUnknownFields()
	return r.read()
}

type traceReader struct {
	name string
	data []byte
	dec  *json.Decoder
}

// errAt builds a SpecError at a byte offset of the input.
func (r *traceReader) errAt(offset int64, msg, hint string) *SpecError {
	line, col := 1, 1
	for i := int64(0); i < offset && i < int64(len(r.data)); i++ {
		if r.data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &SpecError{Source: r.name, Line: line, Col: col, Msg: msg, Hint: hint}
}

var traceHint = `a JSON trace is {"events": [...]}, as written by ` + string(OptTraceJSON)

func (r *traceReader) expectDelim(want json.Delim) error {
	at := r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err != nil {
		return r.errAt(at, "bad JSON: "+jsonMessage(err), traceHint)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return r.errAt(at, fmt.Sprintf("expected %q, found %v", string(want), tok), traceHint)
	}
	return nil
}

func (r *traceReader) read() (*Trace, error) {
	if err := r.expectDelim('{'); err != nil {
		return nil, err
	}
	t := &Trace{}
	seen := false
	for r.dec.More() {
		at := r.dec.InputOffset()
		key, err := r.dec.Token()
		if err != nil {
			return nil, r.errAt(at, "bad JSON: "+jsonMessage(err), traceHint)
		}
		if key != "events" || seen {
			return nil, r.errAt(at, fmt.Sprintf("unexpected key %v", key), traceHint)
		}
		seen = true
		if err := r.expectDelim('['); err != nil {
			return nil, err
		}
		for r.dec.More() {
			if len(t.Events) >= maxTraceEvents {
				return nil, r.errAt(r.dec.InputOffset(), fmt.Sprintf("more than %d events", maxTraceEvents), "split the run into shorter runs")
			}
			// InputOffset is just past the previous token; skip the
			// separator and blanks so that errors point at the event.
			start := r.skipBlank(r.dec.InputOffset())
			var j jsonEvent
			if err := r.dec.Decode(&j); err != nil {
				return nil, r.errAt(start, "bad event: "+jsonMessage(err), traceHint)
			}
			e, err := j.event()
			if err != nil {
				return nil, r.errAt(start, fmt.Sprintf("event %d: %v", len(t.Events)+1, err), "")
			}
			t.Events = append(t.Events, e)
		}
		if err := r.expectDelim(']'); err != nil {
			return nil, err
		}
	}
	if err := r.expectDelim('}'); err != nil {
		return nil, err
	}
	if !seen {
		return nil, r.errAt(0, `no "events" key`, traceHint)
	}
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, r.errAt(r.dec.InputOffset(), "text after the trace", "a trace file holds one JSON object")
	}
	return t, nil
}

func (r *traceReader) skipBlank(off int64) int64 {
	for off < int64(len(r.data)) && strings.IndexByte(" \t\r\n,", r.data[off]) >= 0 {
		off++
	}
	return off
}

// jsonMessage strips encoding/json's "json: " prefix.
func jsonMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// event converts the JSON form back to an Event (the inverse of toJSON).
func (j *jsonEvent) event() (Event, error) {
	e := Event{Time: j.Time, Reason: j.Reason, Tick: j.Tick, Sends: j.Sends, DupAt: j.DupAt, Dup: j.Dup}
	kind := -1
	for i, n := range eventKindNames {
		if n == j.Kind {
			kind = i
		}
	}
	if kind < 0 {
		return e, fmt.Errorf("unknown kind %q (kinds: %s)", j.Kind, strings.Join(eventKindNames[:], ", "))
	}
	e.Kind = EventKind(kind)
	var err error
	fail := func(e2 error) {
		if err == nil {
			err = e2
		}
	}
	addr := func(field, s string) value.Addr {
		a, e2 := parseTraceAddr(s)
		if e2 != nil {
			fail(fmt.Errorf("%s: %v", field, e2))
		}
		return a
	}
	facts := func(field string, ss []string) []value.Fact {
		if ss == nil {
			return nil
		}
		out := make([]value.Fact, len(ss))
		for i, s := range ss {
			f, e2 := parseTraceFact(s)
			if e2 != nil {
				fail(fmt.Errorf("%s[%d]: %v", field, i, e2))
			}
			out[i] = f
		}
		return out
	}
	msgID := func(prefix string) int64 {
		n, e2 := strconv.ParseInt(strings.TrimPrefix(j.Msg, prefix), 10, 64)
		if e2 != nil || !strings.HasPrefix(j.Msg, prefix) {
			fail(fmt.Errorf("msg %q: expected %s followed by a number", j.Msg, prefix))
		}
		return n
	}
	need := func(field string, p *int64) int64 {
		if p == nil {
			fail(fmt.Errorf("a %s event needs %q", j.Kind, field))
			return 0
		}
		return *p
	}
	if j.Fact != "" {
		f, e2 := parseTraceFact(j.Fact)
		if e2 != nil {
			fail(fmt.Errorf("fact: %v", e2))
		}
		e.Fact = f
	}
	if j.Client != nil {
		e.Client = *j.Client
	}
	switch e.Kind {
	case EvTick:
		e.Node = addr("node", j.Node)
		e.Consumed, e.Produced, e.Outputs = facts("consumed", j.Consumed), facts("produced", j.Produced), facts("outputs", j.Outputs)
		e.Dump = facts("dump", j.Dump)
	case EvSend:
		e.Msg, e.Node, e.Peer, e.Arrive = msgID("m"), addr("from", j.From), addr("to", j.To), need("arrive", j.Arrive)
	case EvDeliver, EvDrop:
		e.Msg, e.Peer, e.Node, e.SentAt = msgID("m"), addr("from", j.From), addr("to", j.To), need("sent_at", j.SentAt)
	case EvInput:
		e.Msg, e.Node = msgID("i"), addr("node", j.Node)
	case EvOutput:
		e.Msg, e.Node, e.SentAt = msgID("o"), addr("node", j.Node), need("sent_at", j.SentAt)
	default:
		e.Node = addr("node", j.Node)
	}
	return e, err
}

func parseTraceAddr(s string) (value.Addr, error) {
	sc, err := newScanner("", 0, s)
	if err != nil {
		return value.Addr{}, err
	}
	a, _, err := sc.addr("write a node as comp[i]")
	if err == nil && !sc.atEOF() {
		err = fmt.Errorf("unexpected %v after the address %q", sc.peek(), s)
	}
	return a, err
}

func parseTraceFact(s string) (value.Fact, error) {
	sc, err := newScanner("", 0, s)
	if err != nil {
		return value.Fact{}, err
	}
	f, _, err := sc.fact()
	if err == nil && !sc.atEOF() {
		err = fmt.Errorf("unexpected %v after the fact %q", sc.peek(), s)
	}
	return f, err
}
