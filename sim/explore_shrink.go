package sim

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
)

// The shrinker turns a failing run into a smaller one that fails the same
// way (Failure.sameAs). A candidate is a configuration (workload, fault
// plan, delay distribution) plus pinned decisions: the failing run's
// choices, looked up by a subject that survives changes of timing (see
// shrinkKey). A candidate runs with a Decide hook that takes each pinned
// decision that still fits (a loss only where the fault plan allows a loss,
// a delay no longer than the distribution allows) and otherwise decides
// the least eventful thing: delay 1, no loss, no duplicate, the first
// candidate. Steps try, in order: fewer requests, fewer faults, a smaller
// delay distribution, then individual choices made tamer (delays to 1,
// losses to deliveries, duplicates removed). Each accepted step strictly
// shrinks Size, so the loop ends; it is also bounded by a number of runs.

// DefaultMaxShrinkAttempts bounds the runs one shrink may try.
const DefaultMaxShrinkAttempts = 500

// ShrinkStats say how a shrink went.
type ShrinkStats struct {
	Attempts    int      // runs tried
	MaxAttempts int      // the bound
	Exhausted   bool     // stopped at the bound rather than at a fixed point
	Accepted    []string // the steps that shrank the run, in order
	SizeBefore  int
	SizeAfter   int
}

// candidate is a configuration plus pinned decisions.
type candidate struct {
	cfg    Config
	order  []string          // pinned subjects in the order the run made them
	pins   map[string]Choice // subject -> decision
	inputs []HistoryInput    // what the pinned run received
	res    *Result           // that run (set once it ran)
}

// shrinkKey names the subject of a choice in a way that survives changes of
// timing: a message by sender, receiver, fact and occurrence (not by id or
// send time, which shift when an earlier delay changes), an output by
// node, client, fact and occurrence, an idle tick by node and occurrence.
func shrinkKey(c *Choice, seen map[string]int) string {
	var base string
	switch c.Kind {
	case ChoiceSend:
		base = "send " + c.From.String() + " -> " + c.To.String() + " " + c.Fact.String()
	case ChoiceOutput:
		base = "output " + c.From.String() + " -> client=" + strconv.Itoa(c.Client) + " " + c.Fact.String()
	case ChoiceIdle:
		base = "idle " + c.From.String()
	case ChoiceRequest:
		base = "request client=" + strconv.Itoa(c.Client) + " #" + strconv.FormatInt(c.ID, 10)
	default:
		base = c.Key()
	}
	seen[base]++
	return base + " ~" + strconv.Itoa(seen[base])
}

// candidateFrom pins every choice of a finished run.
func candidateFrom(cfg Config, record []Choice) candidate {
	cand := candidate{cfg: cfg, pins: make(map[string]Choice, len(record))}
	seen := map[string]int{}
	for i := range record {
		k := shrinkKey(&record[i], seen)
		cand.order = append(cand.order, k)
		cand.pins[k] = record[i]
	}
	return cand
}

// clampDelay keeps a pinned delay within what dist can draw.
func clampDelay(d int64, dist Distribution) int64 {
	hi := int64(GeometricCap)
	switch dist.Kind {
	case DelayUniform:
		hi = dist.Max
	case DelayHold:
		hi = dist.Hold
	}
	return max(1, min(d, hi))
}

// pinnedDecider is the Decide hook of a candidate run.
func pinnedDecider(cand *candidate, dist Distribution) DecideFunc {
	seen := map[string]int{}
	return func(c *Choice) error {
		p, ok := cand.pins[shrinkKey(c, seen)]
		switch c.Kind {
		case ChoiceSend:
			c.Delay = 1
			if !ok {
				return nil
			}
			if p.Drop {
				c.Drop = c.LossP > 0
				return nil
			}
			c.Delay = clampDelay(p.Delay, dist)
			if p.Dup > 0 && c.DupP > 0 {
				c.Dup = clampDelay(p.Dup, dist)
			}
		case ChoiceOutput:
			c.Delay = 1
			if ok {
				c.Delay = clampDelay(p.Delay, dist)
			}
		case ChoiceJitter, ChoiceIdle:
			if ok {
				c.Delay = p.Delay
			}
		case ChoiceChoose, ChoiceFaulty:
			if ok && p.Pick < c.N {
				c.Pick = p.Pick
			}
		case ChoiceOrder:
			if ok && len(p.Perm) == c.N {
				c.Perm = slices.Clone(p.Perm)
			} else {
				c.Perm = make([]int, c.N)
				for i := range c.Perm {
					c.Perm[i] = i
				}
			}
		case ChoiceRequest:
			if !ok || p.Request == nil {
				return fmt.Errorf("shrink: no request pinned for %s", c.Key())
			}
			r := *p.Request
			c.Request = &r
		}
		return nil
	}
}

// runCandidate runs cand; when it fails like want, it returns the run
// re-pinned with exactly the decisions it made.
func runCandidate(prog *analysis.Program, cand *candidate, want *Failure) (*candidate, *Result, bool) {
	cfg := cand.cfg
	dist := DefaultDistribution
	if cfg.Delay != nil {
		dist = *cfg.Delay
	}
	cfg.Script, cfg.Trace = nil, TraceOptions{Off: true}
	cfg.Decide = pinnedDecider(cand, dist)
	res, err := Run(prog, cfg)
	if err != nil {
		return nil, nil, false
	}
	fail, _ := checkRun(res, cfg.Faults.IsEmpty())
	if !want.sameAs(fail) {
		return nil, nil, false
	}
	next := candidateFrom(cand.cfg, res.Schedule.recorded)
	next.inputs = res.History.Inputs
	return &next, res, true
}

// Size measures a candidate: its configuration (ConfigSize) and every
// delay above 1, loss and duplicate among its pinned choices. Every
// accepted shrink step lowers it.
func (cand *candidate) Size() int {
	n := ConfigSize(cand.cfg)
	for _, k := range cand.order {
		p := cand.pins[k]
		if p.Kind != ChoiceSend && p.Kind != ChoiceOutput {
			continue
		}
		if p.Drop {
			n++
		}
		if p.Delay > 1 {
			n += int(min(p.Delay, 1_000_000) - 1)
		}
		if p.Dup > 0 {
			n++
		}
	}
	return n
}

// Shrink shrinks a failing run (its recorded schedule and failure) and
// returns the smallest reproducer it found within maxAttempts runs
// (<= 0: DefaultMaxShrinkAttempts). The reproducer's schedule replays the
// shrunk run exactly; its expected failure is that run's.
func Shrink(prog *analysis.Program, found *Schedule, want *Failure, maxAttempts int) (*Reproducer, error) {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxShrinkAttempts
	}
	if found.recorded == nil && found.Len() > 0 {
		return nil, fmt.Errorf("shrink: the schedule holds no recorded choices (shrink a run's own Result.Schedule before printing it)")
	}
	cfg := found.Config()
	cfg.Script = nil
	if ev, err := eval.Compile(prog); err == nil { // once for every candidate run
		cfg.Evaluator = ev
	}
	start := candidateFrom(cfg, found.recorded)
	cur, first, ok := runCandidate(prog, &start, want)
	if !ok {
		return nil, fmt.Errorf("shrink: replaying the failing run with its own decisions does not fail the same way (%s); this is a bug in the shrinker", want.Expect())
	}
	cur.res = first
	size := func(c *candidate) int { return c.Size() }
	stillFails := func(next *candidate) (*candidate, bool) {
		c, r, ok := runCandidate(prog, next, want)
		if ok {
			c.res = r
		}
		return c, ok
	}
	// The replay above counts as the first attempt.
	cur, stats := Reduce(cur, size, shrinkSteps(), stillFails, maxAttempts-1)
	stats.Attempts++
	stats.MaxAttempts, stats.SizeBefore = maxAttempts, start.Size()
	res := cur.res
	fail, _ := checkRun(res, cur.cfg.Faults.IsEmpty())
	sched := res.Schedule
	sched.pins() // fix the recorded choices as text
	return &Reproducer{Failure: fail, Schedule: sched, Inputs: res.History.Inputs, Shrink: &stats}, nil
}

// shrinkSteps are the reducer's configuration steps (ConfigSteps), lifted
// to candidates that keep their pins, then tamer pinned choices.
func shrinkSteps() []ReduceStep[*candidate] {
	var steps []ReduceStep[*candidate]
	for _, st := range ConfigSteps() {
		steps = append(steps, ReduceStep[*candidate]{Name: st.Name, Propose: func(cand *candidate) []*candidate {
			var out []*candidate
			for _, r := range st.Propose(ConfigRun{Config: cand.cfg, Inputs: cand.inputs}) {
				out = append(out, &candidate{cfg: r.Config, order: cand.order, pins: cand.pins, inputs: cand.inputs})
			}
			return out
		}})
	}
	return append(steps, ReduceStep[*candidate]{Name: "tamer choices", Propose: tamerChoices})
}

// tamerChoices proposes pinned schedules with delays set to 1, losses
// turned into deliveries and duplicates removed: all at once, by halves,
// then one choice at a time.
func tamerChoices(cand *candidate) []*candidate {
	var wild []string
	for _, k := range cand.order {
		p := cand.pins[k]
		if (p.Kind == ChoiceSend || p.Kind == ChoiceOutput) && (p.Drop || p.Delay > 1 || p.Dup > 0) {
			wild = append(wild, k)
		}
	}
	var out []*candidate
	for _, r := range chunks(len(wild)) {
		pins := make(map[string]Choice, len(cand.pins))
		for k, v := range cand.pins {
			pins[k] = v
		}
		for _, k := range wild[r[0]:r[1]] {
			p := pins[k]
			p.Drop, p.Delay, p.Dup = false, 1, 0
			pins[k] = p
		}
		out = append(out, &candidate{cfg: cand.cfg, order: cand.order, pins: pins})
	}
	return out
}
