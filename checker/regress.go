package checker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/sim"
)

// Reproducer is a regression file: two programs, one recorded run of the
// rewritten program, and the verdict a check of that run gave. Stored in
// corpus/regressions/check-*.txt, it is replayed by `go test ./checker`
// so that a fixed bug stays fixed. Its text has the header grammar of
// every reproducer (sim/repro_header.go), so the file is also a schedule
// (`dsim check ORIG REW --schedule FILE`, `dsim replay REW FILE`):
//
//	# dsim check reproducer; see docs/CHECKING.md, "The regression corpus"
//	# original: corpus/micro/functional/before.ded
//	# rewritten: checker/testdata/mutants/functional-idb-join.ded
//	# verdict: NotEquivalent
//	# offense: unexpected reply(1, 1, 4, 690...)
//	# bounds: max-delay=2 max-escalated-delay=-1
//	dsim schedule v1
//	...
//
// The bounds line is present only when the verdict was found under search
// bounds other than the defaults (a NotEquivalent that is exhaustive only
// within delays 1..2); the replay uses them (Reproducer.Options).
//
// Files of the first format (`dsim check reproducer v1`, fields without
// `#`, then a `schedule` line) are still read. Program paths are embedded
// corpus names or paths from the repository root.
type Reproducer struct {
	Original, Rewritten string
	Verdict             Verdict
	Offense             string // "KIND FACT", or "" when the verdict has none
	Bounds              Bounds // the search bounds the verdict holds under (zero: the defaults)
	Schedule            *sim.Schedule
}

// Bounds are the search bounds a reproducer records: each field zero
// means the default (Options' field of the same name).
type Bounds struct {
	MaxDelay          int64
	MaxEscalatedDelay int64
	MaxStates         int
}

// Options returns the check options a replay of the reproducer uses: the
// defaults, with its recorded bounds, and no shrinking (the recorded run
// is the one to decide).
func (r *Reproducer) Options() Options {
	return Options{MaxDelay: r.Bounds.MaxDelay, MaxEscalatedDelay: r.Bounds.MaxEscalatedDelay, MaxStates: r.Bounds.MaxStates, NoShrink: true}
}

// boundsOf returns the bounds of o (after withDefaults) that differ from
// the defaults for o's delay distribution.
func boundsOf(o Options) Bounds {
	var def Options
	def.Delay = o.Delay
	def = def.withDefaults()
	var b Bounds
	if o.MaxDelay != def.MaxDelay {
		b.MaxDelay = o.MaxDelay
	}
	if o.MaxEscalatedDelay != def.MaxEscalatedDelay {
		b.MaxEscalatedDelay = o.MaxEscalatedDelay
	}
	if o.MaxStates != def.MaxStates {
		b.MaxStates = o.MaxStates
	}
	return b
}

// String renders b as the header's value: `key=value` pairs, "" for the
// defaults.
func (b Bounds) String() string {
	var parts []string
	if b.MaxDelay != 0 {
		parts = append(parts, fmt.Sprintf("max-delay=%d", b.MaxDelay))
	}
	if b.MaxEscalatedDelay != 0 {
		parts = append(parts, fmt.Sprintf("max-escalated-delay=%d", b.MaxEscalatedDelay))
	}
	if b.MaxStates != 0 {
		parts = append(parts, fmt.Sprintf("max-states=%d", b.MaxStates))
	}
	return strings.Join(parts, " ")
}

// parseBounds reads a bounds line (Bounds.String's form).
func parseBounds(name string, line int, value string) (Bounds, error) {
	var b Bounds
	for _, kv := range strings.Fields(value) {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			return Bounds{}, fmt.Errorf("%s:%d: bad bound %q (want KEY=INTEGER, e.g. max-delay=2)", name, line, kv)
		}
		switch k {
		case "max-delay":
			b.MaxDelay = n
		case "max-escalated-delay":
			b.MaxEscalatedDelay = n
		case "max-states":
			b.MaxStates = int(n)
		default:
			return Bounds{}, fmt.Errorf("%s:%d: unknown bound %q (max-delay, max-escalated-delay, max-states)", name, line, k)
		}
	}
	return b, nil
}

// CheckReproKind is the KIND of a check reproducer's header.
const CheckReproKind = "check"

// reproducerV1 is the first line of the first format.
const reproducerV1 = "dsim check reproducer v1"

// NewReproducer records a report's counterexample (or its first run).
func NewReproducer(rep *Report) *Reproducer {
	r := rep.Counterexample
	if r == nil && len(rep.Runs) > 0 {
		r = rep.Runs[0]
	}
	if r == nil {
		return nil
	}
	out := &Reproducer{Original: rep.Original, Rewritten: rep.Rewritten, Verdict: r.Verdict, Bounds: boundsOf(rep.Options), Schedule: r.Schedule}
	if r.Offense != nil {
		out.Offense = r.Offense.Kind + " " + r.Offense.Fact.String()
	}
	return out
}

func (r *Reproducer) String() string {
	h := &sim.ReproHeader{Kind: CheckReproKind, Doc: `docs/CHECKING.md, "The regression corpus"`}
	h.Add("original", r.Original)
	h.Add("rewritten", r.Rewritten)
	h.Add("verdict", r.Verdict.String())
	if r.Offense != "" {
		h.Add("offense", r.Offense)
	}
	if b := r.Bounds.String(); b != "" {
		h.Add("bounds", b)
	}
	return h.Text() + r.Schedule.String()
}

// ParseReproducer reads a reproducer file, of either format.
func ParseReproducer(name, text string) (*Reproducer, error) {
	if strings.HasPrefix(text, reproducerV1+"\n") {
		return parseReproducerV1(name, text)
	}
	h, err := sim.ParseReproHeader(name, text)
	if err != nil {
		return nil, err
	}
	if h.Kind != CheckReproKind {
		return nil, fmt.Errorf("%s:1: not a check reproducer (the first line must be `# dsim check reproducer`)", name)
	}
	r := &Reproducer{}
	for _, f := range h.Fields {
		if err := r.set(name, f.Line, f.Key, f.Value); err != nil {
			return nil, err
		}
	}
	return r.finish(name, text)
}

// set reads one field; keys it does not know are informational.
func (r *Reproducer) set(name string, line int, key, value string) error {
	switch key {
	case "original":
		r.Original = value
	case "rewritten":
		r.Rewritten = value
	case "verdict":
		for i, n := range verdictNames {
			if n == value {
				r.Verdict = Verdict(i)
				return nil
			}
		}
		return fmt.Errorf("%s:%d: unknown verdict %q (%s)", name, line, value, strings.Join(verdictNames[:], ", "))
	case "offense":
		r.Offense = value
	case "bounds":
		b, err := parseBounds(name, line, value)
		if err != nil {
			return err
		}
		r.Bounds = b
	}
	return nil
}

func (r *Reproducer) finish(name, sched string) (*Reproducer, error) {
	if r.Original == "" || r.Rewritten == "" {
		return nil, fmt.Errorf("%s: a reproducer names an original and a rewritten program", name)
	}
	s, err := sim.ParseSchedule(name, sched)
	if err != nil {
		return nil, err
	}
	r.Schedule = s
	return r, nil
}

// parseReproducerV1 reads the first format: `KEY VALUE` lines after the
// first, then a `schedule` line and the schedule.
func parseReproducerV1(name, text string) (*Reproducer, error) {
	head, sched, ok := strings.Cut(text, "\nschedule\n")
	if !ok {
		return nil, fmt.Errorf("%s: no `schedule` line", name)
	}
	r := &Reproducer{}
	for i, line := range strings.Split(head, "\n")[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "original", "rewritten", "verdict", "offense":
			if err := r.set(name, i+2, k, v); err != nil {
				return nil, err
			}
		case "":
		default:
			return nil, fmt.Errorf("%s:%d: unknown line %q", name, i+2, k)
		}
	}
	return r.finish(name, sched)
}
