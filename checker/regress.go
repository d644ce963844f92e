package checker

import (
	"fmt"
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
//	dsim schedule v1
//	...
//
// Files of the first format (`dsim check reproducer v1`, fields without
// `#`, then a `schedule` line) are still read. Program paths are embedded
// corpus names or paths from the repository root.
type Reproducer struct {
	Original, Rewritten string
	Verdict             Verdict
	Offense             string // "KIND FACT", or "" when the verdict has none
	Schedule            *sim.Schedule
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
	out := &Reproducer{Original: rep.Original, Rewritten: rep.Rewritten, Verdict: r.Verdict, Schedule: r.Schedule}
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
		return fmt.Errorf("%s:%d: unknown verdict %q (Equivalent, NotEquivalent, Unknown)", name, line, value)
	case "offense":
		r.Offense = value
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
