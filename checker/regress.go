package checker

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/sim"
)

// Reproducer is a regression file: two programs, one recorded run of the
// rewritten program, and the verdict a check of that run gave. Stored in
// corpus/regressions/check-*.txt, it is replayed by `go test ./checker`
// so that a fixed bug stays fixed. Its text is
//
//	dsim check reproducer v1
//	original corpus/micro/functional/before.ded
//	rewritten checker/testdata/mutants/functional-idb-join.ded
//	verdict NotEquivalent
//	offense unexpected reply(1, 1, 4, 690...)
//	schedule
//	dsim schedule v1
//	...
//
// Program paths are embedded corpus names or paths from the repository root.
type Reproducer struct {
	Original, Rewritten string
	Verdict             Verdict
	Offense             string // "KIND FACT", or "" when the verdict has none
	Schedule            *sim.Schedule
}

const reproducerHeader = "dsim check reproducer v1"

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
	var b strings.Builder
	b.WriteString(reproducerHeader + "\n")
	b.WriteString("original " + r.Original + "\n")
	b.WriteString("rewritten " + r.Rewritten + "\n")
	b.WriteString("verdict " + r.Verdict.String() + "\n")
	if r.Offense != "" {
		b.WriteString("offense " + r.Offense + "\n")
	}
	b.WriteString("schedule\n")
	b.WriteString(r.Schedule.String())
	return b.String()
}

// ParseReproducer reads a reproducer file.
func ParseReproducer(name, text string) (*Reproducer, error) {
	head, sched, ok := strings.Cut(text, "\nschedule\n")
	if !ok {
		return nil, fmt.Errorf("%s: no `schedule` line", name)
	}
	lines := strings.Split(head, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != reproducerHeader {
		return nil, fmt.Errorf("%s:1: not a reproducer (the first line must be %q)", name, reproducerHeader)
	}
	r := &Reproducer{}
	for i, line := range lines[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "original":
			r.Original = v
		case "rewritten":
			r.Rewritten = v
		case "verdict":
			found := false
			for i, n := range verdictNames {
				if n == v {
					r.Verdict, found = Verdict(i), true
				}
			}
			if !found {
				return nil, fmt.Errorf("%s:%d: unknown verdict %q (Equivalent, NotEquivalent, Unknown)", name, i+2, v)
			}
		case "offense":
			r.Offense = v
		case "":
		default:
			return nil, fmt.Errorf("%s:%d: unknown line %q", name, i+2, k)
		}
	}
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
