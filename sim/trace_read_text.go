package sim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file reads a trace back from its text form (Trace.String, one
// Event.Describe line per event), as written by `dsim run --trace FILE`,
// `dsim replay --trace` and `dsim check --save-witness` (counterexample.trace).
// Reading then writing gives the same text. ReadTrace tells the two forms
// apart by their content.

// ReadTrace parses a trace in either of the forms dsim writes: the JSON form
// (the first non-blank character is '{') or the text form (lines starting
// with '@'; blank lines and lines starting with '#' are skipped). name is
// used in errors, which carry the line and column of the bad input.
func ReadTrace(name string, data []byte) (*Trace, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &SpecError{Source: name, Msg: "the trace file is empty", Hint: "write one with " + string(OptTraceText) + " (text) or " + string(OptTraceJSON)}
	}
	if trimmed[0] == '{' {
		return ReadTraceJSON(name, data)
	}
	return ReadTraceText(name, data)
}

var textTraceHint = "a text trace has one event per line, such as `@0 tick leader[0] #1 in=[] new=[]`, as written by " + string(OptTraceText)

// ReadTraceText parses a trace in the text form Trace.String writes.
func ReadTraceText(name string, data []byte) (*Trace, error) {
	t := &Trace{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if s := strings.TrimSpace(line); s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if len(t.Events) >= maxTraceEvents {
			return nil, &SpecError{Source: name, Line: i + 1, Msg: fmt.Sprintf("more than %d events", maxTraceEvents), Hint: "split the run into shorter runs"}
		}
		sc, err := newScanner(name, i+1, line)
		if err != nil {
			return nil, err
		}
		e, err := sc.traceEvent()
		if err != nil {
			return nil, err
		}
		t.Events = append(t.Events, e)
	}
	if len(t.Events) == 0 {
		return nil, &SpecError{Source: name, Msg: "no events in the trace", Hint: textTraceHint}
	}
	return t, nil
}

// traceEvent parses one Event.Describe line.
func (s *scanner) traceEvent() (Event, error) {
	var e Event
	if _, err := s.expectPunct("@", textTraceHint); err != nil {
		return e, err
	}
	tm, _, err := s.expectInt("the event's virtual time", textTraceHint)
	if err != nil {
		return e, err
	}
	e.Time = tm
	kt, err := s.expectIdent("an event kind ("+strings.Join(eventKindNames[:], ", ")+")", textTraceHint)
	if err != nil {
		return e, err
	}
	kind := -1
	for i, n := range eventKindNames {
		if n == kt.text {
			kind = i
		}
	}
	if kind < 0 {
		return e, s.errAt(kt.col, fmt.Sprintf("unknown event kind %q", kt.text), "kinds: "+strings.Join(eventKindNames[:], ", "))
	}
	e.Kind = EventKind(kind)
	p := &traceLine{s: s}
	switch e.Kind {
	case EvTick:
		e.Node = p.addr()
		p.punct("#")
		e.Tick = int(p.int("the node's tick number"))
		e.Consumed = p.keyFacts("in", true)
		e.Produced = p.keyFacts("new", true)
		if p.isKey("out") {
			e.Outputs = p.keyFacts("out", false)
		}
		if p.isKey("sends") {
			p.key("sends")
			e.Sends = int(p.int("the number of messages sent"))
		}
		if p.isKey("facts") {
			e.Dump = p.keyFacts("facts", false)
			if e.Dump == nil {
				e.Dump = []value.Fact{}
			}
		}
	case EvSend:
		e.Msg = p.id("m")
		e.Node = p.addr()
		p.punct("->")
		e.Peer = p.addr()
		e.Fact = p.fact()
		if p.isIdent("lost") {
			s.next()
			e.Arrive = -1
		} else {
			e.Arrive = p.keyTime("arrive")
		}
		if p.isKey("dup") {
			e.DupAt = p.keyTime("dup")
		}
	case EvDeliver, EvDrop:
		e.Msg = p.id("m")
		e.Peer = p.addr()
		p.punct("->")
		e.Node = p.addr()
		e.Fact = p.fact()
		e.SentAt = p.keyTime("sent")
		if p.isIdent("dup") && !p.isKey("dup") {
			s.next()
			e.Dup = true
		}
		if e.Kind == EvDrop {
			e.Reason = p.keyWord("reason")
		}
	case EvCrash:
		e.Node = p.addr()
	case EvInput:
		e.Msg = p.id("i")
		e.Fact = p.fact()
		p.punct("->")
		e.Node = p.addr()
		p.key("client")
		e.Client = int(p.int("the client's number"))
		if p.isKey("lost") {
			e.Reason = p.keyWord("lost")
		}
	case EvOutput:
		e.Msg = p.id("o")
		e.Node = p.addr()
		p.punct("->")
		p.key("client")
		e.Client = int(p.int("the client's number"))
		e.Fact = p.fact()
		e.SentAt = p.keyTime("sent")
	case EvTimer:
		e.Node = p.addr()
		e.Fact = p.fact()
		if p.isKey("lost") {
			e.Reason = p.keyWord("lost")
		}
	case EvViolation:
		e.Node = p.addr()
		e.Fact = p.fact()
	}
	if p.err == nil && !s.atEOF() {
		t := s.peek()
		p.err = s.errAt(t.col, fmt.Sprintf("unexpected %v after a %s event", t, e.Kind), textTraceHint)
	}
	return e, p.err
}

// traceLine parses the parts of one line, keeping the first error: after
// it every call is a no-op.
type traceLine struct {
	s   *scanner
	err error
}

func (p *traceLine) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *traceLine) punct(want string) {
	if p.err == nil {
		_, err := p.s.expectPunct(want, textTraceHint)
		p.fail(err)
	}
}

func (p *traceLine) int(what string) int64 {
	if p.err != nil {
		return 0
	}
	n, _, err := p.s.expectInt(what, textTraceHint)
	p.fail(err)
	return n
}

func (p *traceLine) addr() value.Addr {
	if p.err != nil {
		return value.Addr{}
	}
	a, _, err := p.s.addr("write a node as comp[i]")
	p.fail(err)
	return a
}

func (p *traceLine) fact() value.Fact {
	if p.err != nil {
		return value.Fact{}
	}
	f, _, err := p.s.fact()
	p.fail(err)
	return f
}

// id parses a message, input or output id such as m7.
func (p *traceLine) id(prefix string) int64 {
	if p.err != nil {
		return 0
	}
	t := p.s.next()
	n, err := strconv.ParseInt(strings.TrimPrefix(t.text, prefix), 10, 64)
	if t.kind != tokIdent || !strings.HasPrefix(t.text, prefix) || err != nil {
		p.fail(p.s.errAt(t.col, fmt.Sprintf("expected an id like %s7, found %v", prefix, t), textTraceHint))
	}
	return n
}

func (p *traceLine) isIdent(name string) bool {
	t := p.s.peek()
	return p.err == nil && t.kind == tokIdent && t.text == name
}

// isKey says whether the next tokens are name=.
func (p *traceLine) isKey(name string) bool {
	if !p.isIdent(name) || p.s.pos+1 >= len(p.s.toks) {
		return false
	}
	t := p.s.toks[p.s.pos+1]
	return t.kind == tokPunct && t.text == "="
}

func (p *traceLine) key(name string) {
	if p.err != nil {
		return
	}
	t := p.s.next()
	if t.kind != tokIdent || t.text != name {
		p.fail(p.s.errAt(t.col, fmt.Sprintf("expected %s=, found %v", name, t), textTraceHint))
		return
	}
	p.punct("=")
}

// keyTime parses name=@T.
func (p *traceLine) keyTime(name string) int64 {
	p.key(name)
	p.punct("@")
	return p.int("a virtual time")
}

// keyWord parses name=word.
func (p *traceLine) keyWord(name string) string {
	p.key(name)
	if p.err != nil {
		return ""
	}
	t, err := p.s.expectIdent("a reason such as omission", textTraceHint)
	p.fail(err)
	return t.text
}

// keyFacts parses name=[f, ...]; an empty list is nil. A missing key is an
// error when required.
func (p *traceLine) keyFacts(name string, required bool) []value.Fact {
	if !required && !p.isKey(name) {
		return nil
	}
	p.key(name)
	p.punct("[")
	if p.err != nil {
		return nil
	}
	var out []value.Fact
	if p.s.isPunct("]") {
		p.s.next()
		return nil
	}
	for p.err == nil {
		out = append(out, p.fact())
		if p.err == nil && p.s.isPunct(",") {
			p.s.next()
			continue
		}
		p.punct("]")
		break
	}
	return out
}
