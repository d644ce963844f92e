package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// ChoiceKind says what an oracle choice decides.
type ChoiceKind uint8

const (
	// ChoiceSend decides a message's fate: delay, drop, duplicate.
	ChoiceSend ChoiceKind = iota
	// ChoiceOutput decides when an output reaches its client.
	ChoiceOutput
	// ChoiceJitter moves one timer firing.
	ChoiceJitter
	// ChoiceIdle decides whether (and after how long) to inject an idle tick.
	ChoiceIdle
	// ChoiceChoose picks the row of a choose() aggregate group.
	ChoiceChoose
	// ChoiceOrder permutes the rows that index() numbers.
	ChoiceOrder
	// ChoiceFaulty picks a node for `omission random`.
	ChoiceFaulty
	// ChoiceRequest generates a closed-loop client's next request.
	ChoiceRequest
)

var choiceKindNames = [...]string{"send", "output", "jitter", "idle", "choose", "order", "faulty", "request"}

func (k ChoiceKind) String() string { return choiceKindNames[k] }

// Choice is one recorded oracle decision: a subject (what was decided,
// Key) and a decision (Decision). Both have canonical text; a schedule
// file holds one `choice KEY => DECISION` line per choice.
type Choice struct {
	Kind ChoiceKind

	// Subject.
	ID     int64      // message id (send), output id (output), firing (jitter), pick (faulty), request number (request)
	From   value.Addr // sender (send, output); node (jitter, idle, choose, order)
	To     value.Addr // receiver (send)
	Client int        // output, request
	Fact   value.Fact // send, output; timer relation name in Fact.Rel (jitter)
	Time   int64      // send time (send, output, idle)
	Tick   int        // local tick (choose, order)
	Call   int        // n-th language choice within the tick (choose, order)
	Rule   int        // rule id (choose, order)
	Group  value.Tuple
	N      int // number of candidates (choose, order, faulty)
	// LossP and DupP are the loss and duplication probabilities the fault
	// plan gives a send (not part of the key): a Decide hook that replays
	// decisions (the explore shrinker) uses them to stay within the plan.
	LossP, DupP float64

	// Decision.
	Drop    bool
	Delay   int64       // send/output/idle delay; jitter offset
	Dup     int64       // delay of the duplicate copy; 0 = none
	Pick    int         // choose, faulty
	Perm    []int       // order
	Request *InputEvent // request
}

// Key renders the subject of the choice.
func (c *Choice) Key() string {
	var b strings.Builder
	b.WriteString(c.Kind.String())
	b.WriteByte(' ')
	switch c.Kind {
	case ChoiceSend:
		fmt.Fprintf(&b, "m%d @%d %s -> %s %s", c.ID, c.Time, c.From, c.To, c.Fact)
	case ChoiceOutput:
		fmt.Fprintf(&b, "o%d @%d %s -> client=%d %s", c.ID, c.Time, c.From, c.Client, c.Fact)
	case ChoiceJitter:
		fmt.Fprintf(&b, "%s %s #%d", c.From, c.Fact.Rel, c.ID)
	case ChoiceIdle:
		fmt.Fprintf(&b, "%s @%d", c.From, c.Time)
	case ChoiceChoose:
		fmt.Fprintf(&b, "%s tick=%d call=%d rule=%d group=%s n=%d", c.From, c.Tick, c.Call, c.Rule, c.Group, c.N)
	case ChoiceOrder:
		fmt.Fprintf(&b, "%s tick=%d call=%d rule=%d n=%d", c.From, c.Tick, c.Call, c.Rule, c.N)
	case ChoiceFaulty:
		fmt.Fprintf(&b, "#%d n=%d", c.ID, c.N)
	case ChoiceRequest:
		fmt.Fprintf(&b, "client=%d #%d @%d", c.Client, c.ID, c.Time)
	}
	return b.String()
}

// Decision renders what was decided.
func (c *Choice) Decision() string {
	switch c.Kind {
	case ChoiceSend, ChoiceOutput:
		if c.Drop {
			return "drop"
		}
		s := "delay " + strconv.FormatInt(c.Delay, 10)
		if c.Dup > 0 {
			s += " dup " + strconv.FormatInt(c.Dup, 10)
		}
		return s
	case ChoiceJitter, ChoiceIdle:
		return strconv.FormatInt(c.Delay, 10)
	case ChoiceChoose, ChoiceFaulty:
		return strconv.Itoa(c.Pick)
	case ChoiceOrder:
		parts := make([]string, len(c.Perm))
		for i, p := range c.Perm {
			parts[i] = strconv.Itoa(p)
		}
		return strings.Join(parts, " ")
	case ChoiceRequest:
		r := *c.Request
		r.Time, r.Client = 0, 0
		return strings.TrimPrefix(r.String(), "@0 ")
	}
	return ""
}

func (c *Choice) String() string { return c.Key() + " => " + c.Decision() }

// parseDecision fills c's decision fields from text (the part after =>).
func (c *Choice) parseDecision(source string, line int, text string) error {
	s, err := newScanner(source, line, text)
	if err != nil {
		return err
	}
	bad := func(hint string) error {
		return s.errAt(1, fmt.Sprintf("bad decision %q for a %s choice", strings.TrimSpace(text), c.Kind), hint)
	}
	switch c.Kind {
	case ChoiceSend, ChoiceOutput:
		t := s.next()
		if t.kind == tokIdent && t.text == "drop" && s.atEOF() {
			c.Drop = true
			return nil
		}
		if t.kind != tokIdent || t.text != "delay" {
			return bad("write `drop`, `delay D` or `delay D dup D2` with D >= 1")
		}
		d, _, err := s.expectInt("a delay", "delays are integers >= 1")
		if err != nil || d < 1 {
			return bad("delays are integers >= 1")
		}
		c.Delay = d
		if s.atEOF() {
			return nil
		}
		if t := s.next(); t.kind != tokIdent || t.text != "dup" {
			return bad("write `delay D dup D2`")
		}
		d2, _, err := s.expectInt("a duplicate delay", "")
		if err != nil || d2 < 1 || !s.atEOF() {
			return bad("write `delay D dup D2` with D2 >= 1")
		}
		c.Dup = d2
		return nil
	case ChoiceJitter, ChoiceIdle, ChoiceChoose, ChoiceFaulty:
		n, _, err := s.expectInt("a number", "")
		if err != nil || !s.atEOF() {
			return bad("write one integer")
		}
		if c.Kind == ChoiceChoose || c.Kind == ChoiceFaulty {
			if n < 0 || n >= int64(c.N) {
				return bad(fmt.Sprintf("pick a number in 0..%d", c.N-1))
			}
			c.Pick = int(n)
		} else {
			if c.Kind == ChoiceIdle && n < 0 {
				return bad("idle delays are >= 0 (0 = no idle tick)")
			}
			c.Delay = n
		}
		return nil
	case ChoiceOrder:
		seen := make([]bool, c.N)
		for !s.atEOF() {
			n, _, err := s.expectInt("a position", "")
			if err != nil || n < 0 || n >= int64(c.N) || seen[n] {
				return bad(fmt.Sprintf("write a permutation of 0..%d", c.N-1))
			}
			seen[n] = true
			c.Perm = append(c.Perm, int(n))
		}
		if len(c.Perm) != c.N {
			return bad(fmt.Sprintf("write a permutation of 0..%d", c.N-1))
		}
		return nil
	case ChoiceRequest:
		e, err := parseInput(s, false)
		if err != nil {
			return err
		}
		if !s.atEOF() {
			return bad(workloadHint)
		}
		c.Request = &e
		return nil
	}
	return bad("")
}
