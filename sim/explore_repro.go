package sim

import (
	"fmt"
	"hash/fnv"
	"path"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// A reproducer file records one (shrunk) failing run of `dsim explore`:
// a header (repro_header.go, the grammar `dsim check`'s reproducers share)
// saying which program, what failure to expect and the run's seed,
// faults, delay distribution and inputs, followed by the run's schedule
// (every choice). Because the header is # comments, the file is itself a
// schedule: `dsim replay PROG FILE` replays it. See docs/SEMANTICS.md,
// "Exploration".

// Reproducer is one recorded failing (or, once fixed, passing) run.
type Reproducer struct {
	Program string   // the program as named on the command line
	Failure *Failure // the failure the run shows (nil when parsed)
	// Expect is what replaying must give: "pass", "violation FACT" or
	// "unanswered FACT" (Failure.Expect).
	Expect   string
	Schedule *Schedule
	Inputs   []HistoryInput // what the run received (closed-loop requests included)
	Found    string         // how exploration found it (informational)
	Shrink   *ShrinkStats
}

// ExploreReproKind is the KIND of an exploration's reproducer header.
const ExploreReproKind = "explore"

// Text renders the reproducer file.
func (r *Reproducer) Text() string {
	expect := r.Expect
	if expect == "" {
		expect = r.Failure.Expect()
	}
	h := &ReproHeader{Kind: ExploreReproKind, Doc: `docs/SEMANTICS.md, "Exploration"`}
	h.Add("program", r.Program)
	h.Add("expect", expect)
	if r.Failure != nil {
		h.Add("failure", r.Failure.String())
	}
	if r.Found != "" {
		h.Add("found", r.Found)
	}
	if s := r.Shrink; s != nil {
		v := fmt.Sprintf("size %d -> %d in %d runs (at most %d)", s.SizeBefore, s.SizeAfter, s.Attempts, s.MaxAttempts)
		if len(s.Accepted) > 0 {
			v += "; steps: " + countRuns(s.Accepted)
		}
		h.Add("shrunk", v)
	}
	s := r.Schedule
	h.Add("seed", fmt.Sprint(s.Seed))
	h.Add("faults", s.Faults.String())
	h.Add("delay", s.Delay.String())
	if s.Closed != nil {
		h.Add("closed loop", fmt.Sprintf("%d clients, %d requests", s.Closed.Clients, s.Closed.Requests))
	}
	var inputs []string
	for _, in := range r.Inputs {
		inputs = append(inputs, in.String())
	}
	h.Add("workload (every input the run received)", "", inputs...)
	// An Option, not a command: dsim explore's file names `dsim replay`.
	h.Add("replay", string(OptReplay)+" "+r.Program+" THIS_FILE")
	return h.Text() + s.String()
}

// FileName is explore-<program base name>-<hash of the file>.txt.
func (r *Reproducer) FileName() string {
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(r.Program, "\\", "/")), ".ded")
	h := fnv.New32a()
	h.Write([]byte(r.Text()))
	return fmt.Sprintf("explore-%s-%08x.txt", base, h.Sum32())
}

// ParseReproducer reads a reproducer file. name is used in errors.
func ParseReproducer(name, text string) (*Reproducer, error) {
	h, err := ParseReproHeader(name, text)
	if err != nil {
		return nil, err
	}
	if h.Kind != "" && h.Kind != ExploreReproKind {
		return nil, fmt.Errorf("%s:1: a dsim %s reproducer, not an exploration's (hint: replay it with the command that wrote it)", name, h.Kind)
	}
	r := &Reproducer{}
	prog, okProg := h.Get("program")
	expect, okExpect := h.Get("expect")
	if !okProg || !okExpect || prog.Value == "" || expect.Value == "" {
		return nil, fmt.Errorf("%s: not a reproducer: it needs `# program: PROG` and `# expect: ...` lines", name)
	}
	r.Program, r.Expect = prog.Value, expect.Value
	kind, _, _ := strings.Cut(r.Expect, " ")
	if r.Expect != "pass" && kind != "violation" && kind != "unanswered" && kind != "final" {
		return nil, fmt.Errorf("%s:%d: bad expectation %q (hint: write `# expect: pass`, `# expect: violation FACT`, `# expect: unanswered FACT` or `# expect: final FACT`)", name, expect.Line, r.Expect)
	}
	s, err := ParseSchedule(name, text)
	if err != nil {
		return nil, err
	}
	r.Schedule = s
	return r, nil
}

// CheckReproducer replays r on prog and reports whether the run still
// shows exactly what r expects. A recorded failure is replayed strictly
// (every choice from the schedule, as `dsim replay` does). `expect: pass`
// is replayed leniently: the program has changed since the failure was
// recorded, so choices the schedule does not name take their tamest
// decision (delay 1, no loss, the first candidate), and the run must pass.
func CheckReproducer(prog *analysis.Program, r *Reproducer) error {
	const hint = "if the program was fixed on purpose, change the file's `# expect:` line to `pass` " +
		"(or delete the file); see docs/SEMANTICS.md, Exploration"
	cfg := r.Schedule.Config()
	cfg.Trace.Off = true
	if r.Expect == "pass" {
		cfg.Script = nil
		cfg.Decide = lenientDecider(r.Schedule)
	}
	res, err := Run(prog, cfg)
	if err != nil {
		return fmt.Errorf("the reproducer no longer replays: %w\n%s", err, hint)
	}
	fail, inconclusive := checkRun(res, cfg.Faults.IsEmpty())
	if inconclusive != "" {
		return fmt.Errorf("the replay is inconclusive: %s", inconclusive)
	}
	if got := fail.Expect(); got != r.Expect {
		if r.Expect == "pass" {
			return fmt.Errorf("a fixed bug is back: expected the run to pass, it shows %s", fail)
		}
		return fmt.Errorf("the replay shows %q, the reproducer expects %q\n%s", got, r.Expect, hint)
	}
	return nil
}

// lenientDecider takes each decision the schedule pins by the same subject,
// a closed-loop request by client and number whatever its time, and
// otherwise the tamest decision.
func lenientDecider(s *Schedule) DecideFunc {
	byKey := map[string]Pin{}
	requests := map[string]Pin{}
	for _, p := range s.pins() {
		byKey[p.Key] = p
		if strings.HasPrefix(p.Key, "request ") {
			k, _, _ := strings.Cut(p.Key, " @")
			requests[k] = p
		}
	}
	name := s.Name
	if name == "" {
		name = "schedule"
	}
	return func(c *Choice) error {
		key := c.Key()
		p, ok := byKey[key]
		if !ok && c.Kind == ChoiceRequest {
			k, _, _ := strings.Cut(key, " @")
			p, ok = requests[k]
		}
		if ok {
			trial := *c
			if err := trial.parseDecision(name, p.Line, p.Decision); err == nil && (!trial.Drop || c.LossP > 0) {
				*c = trial
				return nil
			}
		}
		switch c.Kind {
		case ChoiceSend, ChoiceOutput:
			c.Delay = 1
		case ChoiceOrder:
			c.Perm = make([]int, c.N)
			for i := range c.Perm {
				c.Perm[i] = i
			}
		case ChoiceRequest:
			return &UnpinnedError{Key: key}
		}
		return nil
	}
}

// countRuns renders a list with repeats folded: "a x3, b".
func countRuns(items []string) string {
	var parts []string
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j] == items[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%s x%d", items[i], j-i))
		} else {
			parts = append(parts, items[i])
		}
		i = j
	}
	return strings.Join(parts, ", ")
}
