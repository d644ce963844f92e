package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// Schedule is everything needed to replay a run: its configuration and
// every oracle choice. Its canonical text (String, ParseSchedule) is
//
//	dsim schedule v1
//	seed 42
//	set storage=5
//	delay uniform:3
//	faults omission storage[1] p=0.3 until=500
//	limits max-time=100000 max-ticks=1000000 max-messages=1000000 max-facts=1000000
//	idle p=0.1 per-node=3 max-gap=5
//	closed clients=2 requests=5 relation=in
//	first-choices
//	input @0 in(1) -> leader[0]
//	choice send m1 @0 leader[0] -> storage[0] toStorage(1, 5) => delay 2
//
// (set, idle, closed and first-choices only when they apply). Run with
// Config.Script set to a Schedule, a run takes every decision from it.
type Schedule struct {
	Seed         uint64
	Counts       map[string]int
	Delay        Distribution
	Faults       FaultPlan
	Limits       Limits
	Idle         IdleTicks
	Closed       *ClosedLoop
	FirstChoices bool
	Workload     Workload
	// Choices are the decisions in the order the run made them.
	Choices []Pin
	// Name is the file the schedule was parsed from, for errors.
	Name string
	// recorded holds a run's choices until Choices is first needed.
	recorded []Choice
}

// Pin is one choice line: a subject and its decision.
type Pin struct {
	Key      string
	Decision string
	Line     int // in the schedule file, when parsed
}

func newSchedule(cfg Config, record []Choice) *Schedule {
	s := &Schedule{
		Seed: cfg.Seed, Counts: cfg.Counts, Delay: DefaultDistribution, Faults: cfg.Faults,
		Limits: cfg.Limits.WithDefaults(), Idle: cfg.Idle, Closed: cfg.Closed,
		FirstChoices: cfg.FirstChoices, Workload: cfg.Workload, recorded: record,
	}
	if cfg.Delay != nil {
		s.Delay = *cfg.Delay
	}
	return s
}

func (s *Schedule) pins() []Pin {
	if s.Choices == nil && s.recorded != nil {
		s.Choices = make([]Pin, len(s.recorded))
		for i := range s.recorded {
			s.Choices[i] = Pin{Key: s.recorded[i].Key(), Decision: s.recorded[i].Decision()}
		}
		s.recorded = nil
	}
	return s.Choices
}

// Len is the number of choices.
func (s *Schedule) Len() int {
	if s.recorded != nil {
		return len(s.recorded)
	}
	return len(s.Choices)
}

// Config returns the configuration that replays the schedule.
func (s *Schedule) Config() Config {
	d := s.Delay
	return Config{
		Seed: s.Seed, Counts: s.Counts, Workload: s.Workload, Closed: s.Closed, Faults: s.Faults,
		Delay: &d, Limits: s.Limits, Idle: s.Idle, FirstChoices: s.FirstChoices, Script: s,
	}
}

func (s *Schedule) pinMap() (map[string]pinned, error) {
	m := make(map[string]pinned, s.Len())
	name := s.Name
	if name == "" {
		name = "schedule"
	}
	for _, p := range s.pins() {
		if prev, dup := m[p.Key]; dup {
			return nil, fmt.Errorf("%s:%d: choice %q is pinned twice (first at line %d)", name, p.Line, p.Key, prev.line)
		}
		m[p.Key] = pinned{source: name, line: p.Line, decision: p.Decision}
	}
	return m, nil
}

// ScheduleHeader is a schedule's first line (after a reproducer's comment
// header, if any).
const ScheduleHeader = "dsim schedule v1"

// String renders the schedule canonically.
func (s *Schedule) String() string {
	var b strings.Builder
	b.WriteString(ScheduleHeader + "\n")
	b.WriteString("seed " + strconv.FormatUint(s.Seed, 10) + "\n")
	if len(s.Counts) > 0 {
		names := make([]string, 0, len(s.Counts))
		for n := range s.Counts {
			names = append(names, n)
		}
		slices.Sort(names)
		b.WriteString("set")
		for _, n := range names {
			b.WriteString(" " + n + "=" + strconv.Itoa(s.Counts[n]))
		}
		b.WriteByte('\n')
	}
	b.WriteString("delay " + s.Delay.String() + "\n")
	b.WriteString("faults " + s.Faults.String() + "\n")
	l := s.Limits.WithDefaults()
	fmt.Fprintf(&b, "limits max-time=%d max-ticks=%d max-messages=%d max-facts=%d\n", l.MaxTime, l.MaxTicks, l.MaxMessages, l.MaxFacts)
	if s.Idle.P > 0 {
		b.WriteString("idle " + s.Idle.String() + "\n")
	}
	if s.Closed != nil {
		fmt.Fprintf(&b, "closed clients=%d requests=%d", s.Closed.Clients, s.Closed.Requests)
		if s.Closed.Relation != "" {
			b.WriteString(" relation=" + s.Closed.Relation)
		}
		b.WriteByte('\n')
	}
	if s.FirstChoices {
		b.WriteString("first-choices\n")
	}
	w := slices.Clone(s.Workload)
	w.Sort()
	for _, e := range w {
		b.WriteString("input " + e.String() + "\n")
	}
	for _, p := range s.pins() {
		b.WriteString("choice " + p.Key + " => " + p.Decision + "\n")
	}
	return b.String()
}

// ParseSchedule reads a schedule written by String. name is used in errors.
func ParseSchedule(name, text string) (*Schedule, error) {
	s := &Schedule{Delay: DefaultDistribution, Choices: []Pin{}, Name: name}
	lines := strings.Split(text, "\n")
	sawHeader := false
	errf := func(line int, msg, hint string) error {
		return &SpecError{Source: name, Line: line, Col: 1, Msg: msg, Hint: hint}
	}
	for i, raw := range lines {
		ln := i + 1
		line := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		if !sawHeader {
			if line != ScheduleHeader {
				return nil, errf(ln, "not a schedule file", "the first line must be `dsim schedule v1`")
			}
			sawHeader = true
			continue
		}
		switch word {
		case "seed":
			n, err := strconv.ParseUint(rest, 10, 64)
			if err != nil {
				return nil, errf(ln, "bad seed "+strconv.Quote(rest), "write seed N")
			}
			s.Seed = n
		case "set":
			s.Counts = map[string]int{}
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				if !ok || err != nil || n < 1 {
					return nil, errf(ln, "bad count "+strconv.Quote(kv), "write set comp=N")
				}
				s.Counts[k] = n
			}
		case "delay":
			d, err := ParseDistribution(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, ln, err)
			}
			s.Delay = d
		case "faults":
			f, err := ParseFaultPlan(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, ln, err)
			}
			s.Faults = f
		case "limits", "idle", "closed":
			kv, err := parseKeyValues(rest)
			if err != nil {
				return nil, errf(ln, err.Error(), "write name=value pairs separated by spaces")
			}
			switch word {
			case "limits":
				s.Limits = Limits{MaxTime: int64(kv.int("max-time")), MaxTicks: kv.int("max-ticks"), MaxMessages: kv.int("max-messages"), MaxFacts: kv.int("max-facts")}
			case "idle":
				p, _ := strconv.ParseFloat(kv.m["p"], 64)
				s.Idle = IdleTicks{P: p, PerNode: kv.int("per-node"), MaxGap: int64(kv.int("max-gap"))}
			case "closed":
				s.Closed = &ClosedLoop{Clients: kv.int("clients"), Requests: kv.int("requests"), Relation: kv.m["relation"]}
			}
			if kv.err != nil {
				return nil, errf(ln, kv.err.Error(), "")
			}
		case "first-choices":
			s.FirstChoices = true
		case "input":
			e, err := parseInputLine(name, ln, rest)
			if err != nil {
				return nil, err
			}
			s.Workload = append(s.Workload, e)
		case "choice":
			key, dec, ok := strings.Cut(rest, " => ")
			if !ok {
				return nil, errf(ln, "a choice line needs ` => `", "write choice SUBJECT => DECISION")
			}
			s.Choices = append(s.Choices, Pin{Key: key, Decision: dec, Line: ln})
		default:
			return nil, errf(ln, "unknown schedule line "+strconv.Quote(word), "lines are seed, set, delay, faults, limits, idle, closed, first-choices, input, choice")
		}
	}
	if !sawHeader {
		return nil, errf(1, "empty schedule", "the first line must be `dsim schedule v1`")
	}
	s.Workload.Sort()
	return s, nil
}

type keyValues struct {
	m   map[string]string
	err error
}

func (kv *keyValues) int(k string) int {
	v, ok := kv.m[k]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil && kv.err == nil {
		kv.err = fmt.Errorf("%s=%s is not an integer", k, v)
	}
	return n
}

func parseKeyValues(text string) (*keyValues, error) {
	kv := &keyValues{m: map[string]string{}}
	for _, f := range strings.Fields(text) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("expected name=value, found %q", f)
		}
		kv.m[k] = v
	}
	return kv, nil
}

// Replay runs prog under a schedule: every choice comes from it.
func Replay(prog *analysis.Program, s *Schedule) (*Result, error) {
	return Run(prog, s.Config())
}

// CheckDeterminism runs cfg twice and compares the traces, histories and
// schedules byte for byte; then replays the recorded schedule and compares
// again. It returns the first run's result, and an error describing the
// first difference.
func CheckDeterminism(prog *analysis.Program, cfg Config) (*Result, error) {
	cfg.Trace.Off = false
	a, err := Run(prog, cfg)
	if err != nil {
		return nil, err
	}
	b, err := Run(prog, cfg)
	if err != nil {
		return nil, err
	}
	if err := sameRun("second run", a, b); err != nil {
		return a, err
	}
	if cfg.Script == nil {
		rc := a.Schedule.Config()
		rc.Trace, rc.tick = cfg.Trace, cfg.tick
		c, err := Run(prog, rc)
		if err != nil {
			return a, fmt.Errorf("replaying the recorded schedule: %w", err)
		}
		if err := sameRun("replay of the recorded schedule", a, c); err != nil {
			return a, err
		}
	}
	return a, nil
}

func sameRun(what string, a, b *Result) error {
	if d := firstDiff(a.Trace.String(), b.Trace.String()); d != "" {
		return fmt.Errorf("nondeterminism: the %s has a different trace: %s", what, d)
	}
	if d := firstDiff(a.History.String(), b.History.String()); d != "" {
		return fmt.Errorf("nondeterminism: the %s has a different history: %s", what, d)
	}
	if d := firstDiff(a.Schedule.String(), b.Schedule.String()); d != "" && !strings.Contains(what, "replay") {
		return fmt.Errorf("nondeterminism: the %s has a different schedule: %s", what, d)
	}
	return nil
}

func firstDiff(a, b string) string {
	if a == b {
		return ""
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: %q vs %q", i+1, x, y)
		}
	}
	return "they differ"
}
