package sim

import (
	"fmt"
	"math/bits"
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

// Size measures a candidate: requests, fault clauses and faulty nodes,
// halvings of their durations, the distribution's bound, and every delay above 1, loss and duplicate
// among its pinned choices. Every accepted shrink step lowers it.
func (cand *candidate) Size() int {
	cfg := cand.cfg
	n := len(cfg.Workload)
	if cfg.Closed != nil {
		// A closed loop weighs one more than the same requests as fixed
		// inputs, so that turning it into them is a shrink.
		n += cfg.Closed.Requests + cfg.Closed.Clients
	}
	f := cfg.Faults
	for _, o := range f.Omissions {
		n += 1 + len(o.Nodes) + o.Random + bits.Len64(uint64(o.Until))
	}
	n += len(f.Crashes)
	for _, q := range f.Partitions {
		n += 1 + bits.Len64(uint64(q.To-q.From))
	}
	if f.Duplicate != nil {
		n += 1 + bits.Len64(uint64(f.Duplicate.Until))
	}
	if d := cfg.Delay; d != nil {
		switch d.Kind {
		case DelayUniform:
			n += int(min(d.Max, 1_000_000))
		case DelayHold:
			n += int(min(d.Hold, 1_000_000))
		}
	}
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

// step is one way of shrinking: it proposes candidates, best first.
type step struct {
	name    string
	propose func(c *candidate) []candidate
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
	stats := ShrinkStats{MaxAttempts: maxAttempts, SizeBefore: start.Size()}
	cur, res, ok := runCandidate(prog, &start, want)
	stats.Attempts++
	if !ok {
		return nil, fmt.Errorf("shrink: replaying the failing run with its own decisions does not fail the same way (%s); this is a bug in the shrinker", want.Expect())
	}
	steps := shrinkSteps()
	for improved := true; improved && !stats.Exhausted; {
		improved = false
		for _, st := range steps {
			for _, next := range st.propose(cur) {
				if stats.Attempts >= maxAttempts {
					stats.Exhausted = true
					break
				}
				if next.Size() >= cur.Size() {
					continue
				}
				stats.Attempts++
				if c, r, ok := runCandidate(prog, &next, want); ok && c.Size() < cur.Size() {
					cur, res, improved = c, r, true
					stats.Accepted = append(stats.Accepted, st.name)
					break
				}
			}
			if improved || stats.Exhausted {
				break
			}
		}
	}
	stats.SizeAfter = cur.Size()
	fail, _ := checkRun(res, cur.cfg.Faults.IsEmpty())
	sched := res.Schedule
	sched.pins() // fix the recorded choices as text
	return &Reproducer{Failure: fail, Schedule: sched, Inputs: res.History.Inputs, Shrink: &stats}, nil
}

func shrinkSteps() []step {
	return []step{
		{"fewer requests", fewerRequests},
		{"fewer faults", fewerFaults},
		{"smaller delay distribution", smallerDistribution},
		{"tamer choices", tamerChoices},
	}
}

// withConfig copies c with a new configuration and the same pins.
func (cand *candidate) withConfig(cfg Config) candidate {
	return candidate{cfg: cfg, order: cand.order, pins: cand.pins, inputs: cand.inputs}
}

func fewerRequests(cand *candidate) []candidate {
	var out []candidate
	cfg := cand.cfg
	if cl := cfg.Closed; cl != nil {
		for _, k := range []int{cl.Requests / 2, cl.Requests - 1} {
			if k >= 0 && k < cl.Requests {
				c := cfg
				c.Closed = &ClosedLoop{Clients: cl.Clients, Requests: k, Relation: cl.Relation}
				out = append(out, cand.withConfig(c))
			}
		}
		if cl.Clients > 1 {
			c := cfg
			c.Closed = &ClosedLoop{Clients: cl.Clients - 1, Requests: cl.Requests, Relation: cl.Relation}
			out = append(out, cand.withConfig(c))
		}
		// The requests the run sent, as a fixed workload at the same
		// times: the same run, but now single requests can be dropped
		// (the failing one need not be the first).
		c := cfg
		c.Closed = nil
		c.Workload = make(Workload, 0, len(cand.inputs))
		for _, in := range cand.inputs {
			c.Workload = append(c.Workload, InputEvent{Time: in.Time, Fact: in.Fact, Node: in.Node, Client: in.Client})
		}
		c.Workload.Sort()
		out = append(out, cand.withConfig(c))
	}
	w := cfg.Workload
	for _, drop := range chunks(len(w)) {
		c := cfg
		c.Workload = make(Workload, 0, len(w))
		for i, e := range w {
			if i < drop[0] || i >= drop[1] {
				c.Workload = append(c.Workload, e)
			}
		}
		out = append(out, cand.withConfig(c))
	}
	return out
}

// chunks lists index ranges [lo, hi) to try removing from n items: the
// whole, then halves, then each item alone (delta debugging, coarse first).
func chunks(n int) [][2]int {
	if n == 0 {
		return nil
	}
	out := [][2]int{{0, n}}
	if n > 2 {
		out = append(out, [2]int{0, n / 2}, [2]int{n / 2, n})
	}
	if n > 1 {
		for i := 0; i < n; i++ {
			if r := [2]int{i, i + 1}; !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func fewerFaults(cand *candidate) []candidate {
	var out []candidate
	f := cand.cfg.Faults
	with := func(g FaultPlan) {
		c := cand.cfg
		c.Faults = g
		out = append(out, cand.withConfig(c))
	}
	for i := range f.Omissions {
		g := f
		g.Omissions = slices.Delete(slices.Clone(f.Omissions), i, i+1)
		with(g)
	}
	for i := range f.Crashes {
		g := f
		g.Crashes = slices.Delete(slices.Clone(f.Crashes), i, i+1)
		with(g)
	}
	for i := range f.Partitions {
		g := f
		g.Partitions = slices.Delete(slices.Clone(f.Partitions), i, i+1)
		with(g)
	}
	if f.Duplicate != nil {
		g := f
		g.Duplicate = nil
		with(g)
	}
	for i, o := range f.Omissions {
		edit := func(o2 Omission) {
			g := f
			g.Omissions = slices.Clone(f.Omissions)
			g.Omissions[i] = o2
			with(g)
		}
		for j := range o.Nodes {
			if len(o.Nodes) > 1 {
				o2 := o
				o2.Nodes = slices.Delete(slices.Clone(o.Nodes), j, j+1)
				edit(o2)
			}
		}
		if o.Random > 1 {
			o2 := o
			o2.Random--
			edit(o2)
		}
		if o.Until > 0 {
			o2 := o
			o2.Until /= 2
			edit(o2)
		}
	}
	for i, q := range f.Partitions {
		if q.To-q.From > 1 {
			g := f
			g.Partitions = slices.Clone(f.Partitions)
			g.Partitions[i].To = q.From + (q.To-q.From)/2
			with(g)
		}
	}
	if d := f.Duplicate; d != nil && d.Until > 0 {
		g := f
		g.Duplicate = &Duplication{P: d.P, Until: d.Until / 2}
		with(g)
	}
	return out
}

func smallerDistribution(cand *candidate) []candidate {
	d := DefaultDistribution
	if cand.cfg.Delay != nil {
		d = *cand.cfg.Delay
	}
	var smaller []Distribution
	switch d.Kind {
	case DelayUniform:
		for _, m := range []int64{1, d.Max / 2, d.Max - 1} {
			if m >= 1 && m < d.Max {
				smaller = append(smaller, Distribution{Kind: DelayUniform, Max: m})
			}
		}
	case DelayHold:
		for _, h := range []int64{2, d.Hold / 2, d.Hold - 1} {
			if h >= 2 && h < d.Hold {
				smaller = append(smaller, Distribution{Kind: DelayHold, P: d.P, Hold: h})
			}
		}
	}
	var out []candidate
	for _, s := range smaller {
		c := cand.cfg
		c.Delay = &s
		out = append(out, cand.withConfig(c))
	}
	return out
}

// tamerChoices proposes pinned schedules with delays set to 1, losses
// turned into deliveries and duplicates removed: all at once, by halves,
// then one choice at a time.
func tamerChoices(cand *candidate) []candidate {
	var wild []string
	for _, k := range cand.order {
		p := cand.pins[k]
		if (p.Kind == ChoiceSend || p.Kind == ChoiceOutput) && (p.Drop || p.Delay > 1 || p.Dup > 0) {
			wild = append(wild, k)
		}
	}
	var out []candidate
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
		out = append(out, candidate{cfg: cand.cfg, order: cand.order, pins: pins})
	}
	return out
}
