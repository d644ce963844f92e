package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// FaultPlan lists the faults a run may suffer (docs/ARCHITECTURE.md, Verdicts; paper §2.5). Every
// fault is bounded in time, so every run ends. Its canonical text,
// produced by String and read by ParseFaultPlan, is a list of clauses
// separated by "; ":
//
//	omission storage[1],storage[2] p=0.3 until=500
//	omission random f=1 p=0.3 until=500
//	crash leader[0] at=200
//	partition storage[0],storage[1] | leader[0] from=100 to=300
//	duplicate p=0.05 until=500
//
// The empty plan prints as "none".
type FaultPlan struct {
	Omissions  []Omission
	Crashes    []Crash
	Partitions []Partition
	Duplicate  *Duplication
}

// Omission makes messages sent to or from its nodes, at virtual times up
// to and including Until, lost with probability P (general omission).
type Omission struct {
	Nodes  []value.Addr // chosen faulty nodes, sorted; empty when Random > 0
	Random int          // pick this many faulty nodes from the seed instead
	P      float64
	Until  int64
}

// Crash stops a node for good at virtual time At: from then on it neither
// ticks nor receives.
type Crash struct {
	Node value.Addr
	At   int64
}

// Partition drops every message sent between a node of A and a node of B
// (either way) at a virtual time in [From, To).
type Partition struct {
	A, B     []value.Addr // sorted
	From, To int64
}

// Duplication delivers a message twice, with probability P, when it is sent
// at a virtual time up to and including Until.
type Duplication struct {
	P     float64
	Until int64
}

// DefaultUntil is the last virtual time of loss when a clause omits until=.
const DefaultUntil = 1000

// IsEmpty reports whether the plan has no faults.
func (p FaultPlan) IsEmpty() bool {
	return len(p.Omissions) == 0 && len(p.Crashes) == 0 && len(p.Partitions) == 0 && p.Duplicate == nil
}

func addrList(as []value.Addr) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}

func (o Omission) String() string {
	who := addrList(o.Nodes)
	if o.Random > 0 {
		who = "random f=" + strconv.Itoa(o.Random)
	}
	return fmt.Sprintf("omission %s p=%s until=%d", who, formatFloat(o.P), o.Until)
}

func (c Crash) String() string { return fmt.Sprintf("crash %s at=%d", c.Node, c.At) }

func (p Partition) String() string {
	return fmt.Sprintf("partition %s | %s from=%d to=%d", addrList(p.A), addrList(p.B), p.From, p.To)
}

func (d Duplication) String() string {
	return fmt.Sprintf("duplicate p=%s until=%d", formatFloat(d.P), d.Until)
}

// String renders the plan canonically: omissions, crashes, partitions,
// then duplication, each group sorted.
func (p FaultPlan) String() string {
	if p.IsEmpty() {
		return "none"
	}
	var parts []string
	var group []string
	for _, o := range p.Omissions {
		group = append(group, o.String())
	}
	slices.Sort(group)
	parts = append(parts, group...)
	crashes := slices.Clone(p.Crashes)
	slices.SortFunc(crashes, func(a, b Crash) int {
		if a.At != b.At {
			return cmp.Compare(a.At, b.At)
		}
		return a.Node.Compare(b.Node)
	})
	for _, c := range crashes {
		parts = append(parts, c.String())
	}
	group = group[:0]
	for _, q := range p.Partitions {
		group = append(group, q.String())
	}
	slices.Sort(group)
	parts = append(parts, group...)
	if p.Duplicate != nil {
		parts = append(parts, p.Duplicate.String())
	}
	return strings.Join(parts, "; ")
}

// maxFaultInt bounds the integer options of a fault plan (times, counts):
// 2^53, below which a float64 holds every integer exactly.
const maxFaultInt = 1 << 53

const faultHint = "clauses are `omission NODES|random f=K p=P until=T`, `crash NODE at=T`, " +
	"`partition NODES | NODES from=T to=T`, `duplicate p=P until=T`, separated by ;"

// ParseFaultPlan reads a fault plan (see FaultPlan). "" and "none" are the
// empty plan. Errors give the column in spec and a hint.
func ParseFaultPlan(spec string) (FaultPlan, error) {
	var plan FaultPlan
	if t := strings.TrimSpace(spec); t == "" || t == "none" {
		return plan, nil
	}
	s, err := newScanner("fault plan", 0, spec)
	if err != nil {
		return plan, err
	}
	for {
		if s.atEOF() {
			return plan, nil
		}
		if s.isPunct(";") {
			s.next()
			continue
		}
		kw, err := s.expectIdent("a fault (omission, crash, partition or duplicate)", faultHint)
		if err != nil {
			return plan, err
		}
		switch kw.text {
		case "omission":
			o, err := parseOmission(s)
			if err != nil {
				return plan, err
			}
			plan.Omissions = append(plan.Omissions, o)
		case "crash":
			a, _, err := s.addr("write crash NODE at=T, e.g. crash leader[0] at=200")
			if err != nil {
				return plan, err
			}
			c := Crash{Node: a}
			opts, err := parseOptions(s, map[string]bool{"at": true}, []string{"at"})
			if err != nil {
				return plan, err
			}
			c.At = int64(opts["at"])
			if c.At < 0 {
				return plan, s.errAt(kw.col, "crash time must be >= 0", "")
			}
			plan.Crashes = append(plan.Crashes, c)
		case "partition":
			a, err := parseAddrList(s)
			if err != nil {
				return plan, err
			}
			if _, err := s.expectPunct("|", "separate the two sides of a partition with |"); err != nil {
				return plan, err
			}
			b, err := parseAddrList(s)
			if err != nil {
				return plan, err
			}
			opts, err := parseOptions(s, map[string]bool{"from": true, "to": true}, []string{"from", "to"})
			if err != nil {
				return plan, err
			}
			q := Partition{A: a, B: b, From: int64(opts["from"]), To: int64(opts["to"])}
			if q.From < 0 || q.To <= q.From {
				return plan, s.errAt(kw.col, fmt.Sprintf("partition interval [%d, %d) is empty or negative", q.From, q.To), "need 0 <= from < to")
			}
			for _, x := range a {
				if slices.Contains(b, x) {
					return plan, s.errAt(kw.col, x.String()+" is on both sides of the partition", "list each node on one side only")
				}
			}
			plan.Partitions = append(plan.Partitions, q)
		case "duplicate":
			opts, err := parseOptions(s, map[string]bool{"p": true, "until": true}, []string{"p"})
			if err != nil {
				return plan, err
			}
			d := &Duplication{P: opts["p"], Until: DefaultUntil}
			if u, ok := opts["until"]; ok {
				d.Until = int64(u)
			}
			if err := checkProb(s, kw, d.P); err != nil {
				return plan, err
			}
			if plan.Duplicate != nil {
				return plan, s.errAt(kw.col, "duplicate given twice", "give one duplicate clause")
			}
			plan.Duplicate = d
		default:
			return plan, s.errAt(kw.col, fmt.Sprintf("unknown fault %q", kw.text), faultHint)
		}
		if !s.atEOF() && !s.isPunct(";") {
			t := s.peek()
			return plan, s.errAt(t.col, "unexpected "+t.String()+" after a fault clause", "separate clauses with ;")
		}
	}
}

func checkProb(s *scanner, kw token, p float64) error {
	if !(p >= 0 && p <= 1) {
		return s.errAt(kw.col, "probability p="+formatFloat(p)+" is not in [0, 1]", "write p=0.3 for a 30% chance")
	}
	return nil
}

func parseOmission(s *scanner) (Omission, error) {
	o := Omission{Until: DefaultUntil}
	start := s.peek()
	if start.kind == tokIdent && start.text == "random" {
		s.next()
		opts, err := parseOptions(s, map[string]bool{"f": true, "p": true, "until": true}, []string{"f", "p"})
		if err != nil {
			return o, err
		}
		o.Random = int(opts["f"])
		if o.Random < 1 || float64(o.Random) != opts["f"] {
			return o, s.errAt(start.col, "omission random needs an integer f >= 1", "write omission random f=1 p=0.3")
		}
		o.P = opts["p"]
		if u, ok := opts["until"]; ok {
			o.Until = int64(u)
		}
		return o, checkProb(s, start, o.P)
	}
	nodes, err := parseAddrList(s)
	if err != nil {
		return o, err
	}
	o.Nodes = nodes
	opts, err := parseOptions(s, map[string]bool{"p": true, "until": true}, []string{"p"})
	if err != nil {
		return o, err
	}
	o.P = opts["p"]
	if u, ok := opts["until"]; ok {
		o.Until = int64(u)
	}
	return o, checkProb(s, start, o.P)
}

func parseAddrList(s *scanner) ([]value.Addr, error) {
	var out []value.Addr
	for {
		a, t, err := s.addr("list nodes as comp[i],comp[j]")
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, a) {
			return nil, s.errAt(t.col, a.String()+" listed twice", "")
		}
		out = append(out, a)
		if !s.isPunct(",") {
			break
		}
		s.next()
	}
	slices.SortFunc(out, value.Addr.Compare)
	return out, nil
}

// parseOptions reads name=number pairs up to ; or the end.
func parseOptions(s *scanner, allowed map[string]bool, required []string) (map[string]float64, error) {
	opts := map[string]float64{}
	start := s.peek()
	for !s.atEOF() && !s.isPunct(";") && !s.isPunct("|") {
		k, v, err := s.keyValue(faultHint)
		if err != nil {
			return nil, err
		}
		if !allowed[k.text] {
			names := make([]string, 0, len(allowed))
			for n := range allowed {
				names = append(names, n+"=")
			}
			slices.Sort(names)
			return nil, s.errAt(k.col, fmt.Sprintf("unknown option %q", k.text), "this clause takes "+strings.Join(names, ", "))
		}
		if _, dup := opts[k.text]; dup {
			return nil, s.errAt(k.col, "option "+k.text+"= given twice", "")
		}
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return nil, s.errAt(v.col, "bad number "+v.text, "")
		}
		if k.text != "p" {
			if v.kind != tokInt {
				return nil, s.errAt(v.col, k.text+"= needs an integer, found "+v.text, "")
			}
			if f < 0 {
				return nil, s.errAt(v.col, k.text+"= must be >= 0", "")
			}
			if f > maxFaultInt {
				// Options are held as float64: past 2^53 they lose
				// digits, and past 2^63 int64(f) wraps negative.
				return nil, s.errAt(v.col, k.text+"= "+v.text+" is too large", "use at most "+strconv.FormatInt(maxFaultInt, 10))
			}
		}
		opts[k.text] = f
	}
	for _, r := range required {
		if _, ok := opts[r]; !ok {
			return nil, s.errAt(start.col, "missing option "+r+"=", faultHint)
		}
	}
	return opts, nil
}
