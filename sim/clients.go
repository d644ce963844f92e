package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds what happens at the edges of the world: outputs reaching
// clients, closed-loop clients, timers, and fault setup.

// clientFor says which client an output answers: the client that sent the
// request whose first (int) column equals the output's first column;
// client 0 otherwise (docs/SEMANTICS.md, "Requests and answers").
func (w *world) clientFor(f value.Fact) int {
	if len(f.Tuple) > 0 && f.Tuple[0].K == value.KindInt {
		if c, ok := w.requests[f.Tuple[0].I]; ok {
			return c
		}
	}
	return 0
}

func (w *world) emitOutput(n *node, f value.Fact) error {
	w.outSeq++
	c := Choice{Kind: ChoiceOutput, ID: w.outSeq, From: n.addr, Client: w.clientFor(f), Fact: f, Time: w.now}
	if err := w.or.decide(&c, func(r *rand.Rand, c *Choice) { c.Delay = w.dist.draw(r) }); err != nil {
		return err
	}
	if c.Drop || c.Dup > 0 {
		return fmt.Errorf("schedule: %s: outputs are neither lost nor duplicated; give `delay D`", c.Key())
	}
	w.q.push(event{time: w.now + c.Delay, kind: evOutput, node: -1, from: n.idx, msg: c.ID, fact: f, sentAt: w.now, client: c.Client})
	return nil
}

func (w *world) arriveOutput(e event) error {
	w.outputs++
	from := w.nodes[e.from].addr
	w.hist.Outputs = append(w.hist.Outputs, HistoryOutput{Fact: e.fact, Client: e.client, Time: w.now})
	if w.trace != nil {
		w.emit(Event{Time: w.now, Kind: EvOutput, Node: from, Msg: e.msg, Client: e.client, Fact: e.fact, SentAt: e.sentAt})
	}
	if w.closed != nil {
		return w.closed.answered(w, e.client, e.fact)
	}
	return nil
}

// closedLoop tracks closed-loop clients.
type closedLoop struct {
	cfg         ClosedLoop
	rel         *analysis.Relation
	entry       []value.Addr // nodes where the relation enters
	issued      int
	outstanding []int64 // per client: id of the request awaiting an answer
	waiting     []bool  // per client: whether outstanding holds a request
	sent        []int64 // per client: requests sent so far
	gen         *valueGen
	// contents draws request contents from the workload stream, not the
	// oracle's, so that two programs with the same input relation, run
	// from one seed, are sent the same requests (the entry node is still
	// the oracle's choice).
	contents rand.PCG
}

func (w *world) startClosedLoop(cfg ClosedLoop) error {
	if cfg.Clients < 1 || cfg.Requests < 0 {
		return fmt.Errorf("closed loop: need at least one client and a non-negative number of requests (got %d clients, %d requests)", cfg.Clients, cfg.Requests)
	}
	rel, err := requestRelation(w.prog, cfg.Relation)
	if err != nil {
		return err
	}
	cl := &closedLoop{cfg: cfg, rel: rel, outstanding: make([]int64, cfg.Clients), waiting: make([]bool, cfg.Clients), sent: make([]int64, cfg.Clients)}
	cl.gen = newValueGen(w.prog, w.topo.Counts, cfg.Values, cfg.Repeats, w.allAddrs())
	cl.contents = *rand.NewPCG(w.cfg.Seed, workloadStream)
	for _, n := range w.nodes {
		if n.addr.Comp == rel.InputComponent {
			cl.entry = append(cl.entry, n.addr)
		}
	}
	if len(cl.entry) == 0 {
		return fmt.Errorf("closed loop: input %s enters at component %q, which has no instances", rel.Name, rel.InputComponent)
	}
	w.closed = cl
	for c := 0; c < cfg.Clients; c++ {
		if err := cl.issue(w, c); err != nil {
			return err
		}
	}
	return nil
}

// requestRelation finds the relation requests are made of: the named one,
// or the first .input relation by name. Its first column must be an int,
// which carries the request id.
func requestRelation(prog *analysis.Program, name string) (*analysis.Relation, error) {
	if name == "" {
		names := inputNames(prog)
		if len(names) == 0 {
			return nil, fmt.Errorf("the program has no .input relation to send requests to")
		}
		name = names[0]
	}
	rel := findRelation(prog, name)
	if rel == nil || !rel.Input {
		return nil, fmt.Errorf("%s is not an .input relation of the program", name)
	}
	if len(rel.Columns) == 0 || rel.Columns[0].Type != value.KindInt {
		return nil, fmt.Errorf("requests of %s need an int first column to carry the request id (docs/SEMANTICS.md, Requests and answers)", name)
	}
	return rel, nil
}

// issue sends client c's next request, if any remain.
func (cl *closedLoop) issue(w *world, c int) error {
	if cl.issued >= cl.cfg.Requests {
		return nil
	}
	cl.issued++
	cl.sent[c]++
	ch := Choice{Kind: ChoiceRequest, Client: c, ID: cl.sent[c], Time: w.now}
	err := w.or.decide(&ch, func(r *rand.Rand, ch *Choice) {
		ch.Request = &InputEvent{Fact: value.Fact{Rel: cl.rel.Name, Tuple: cl.gen.tuple(rand.New(&cl.contents), cl.rel)}, Node: cl.entry[r.IntN(len(cl.entry))]}
	})
	if err != nil {
		return err
	}
	if ch.Request == nil { // a Decide hook that made no request (it may return ErrUseSeed)
		return fmt.Errorf("schedule: %s: no request decided", ch.Key())
	}
	e := *ch.Request
	e.Time, e.Client = w.now, c
	if err := checkInput(w.prog, w.topo.Counts, e); err != nil {
		return fmt.Errorf("schedule: %s: %w", ch.Key(), err)
	}
	if e.Fact.Tuple[0].K == value.KindInt {
		cl.outstanding[c], cl.waiting[c] = e.Fact.Tuple[0].I, true
		w.ownMaps()
		w.requests[e.Fact.Tuple[0].I] = c
	}
	w.pushInput(e)
	return nil
}

// answered lets client c send its next request when f answers its
// outstanding one.
func (cl *closedLoop) answered(w *world, c int, f value.Fact) error {
	if c >= len(cl.outstanding) || !cl.waiting[c] {
		return nil
	}
	if len(f.Tuple) == 0 || f.Tuple[0].K != value.KindInt || f.Tuple[0].I != cl.outstanding[c] {
		return nil
	}
	cl.waiting[c] = false
	return cl.issue(w, c)
}

func (w *world) allAddrs() []value.Addr {
	out := make([]value.Addr, len(w.nodes))
	for i, n := range w.nodes {
		out[i] = n.addr
	}
	return out
}

// scheduleTimers plans the first firing of every timer on every node of
// its component.
func (w *world) scheduleTimers() error {
	for _, r := range w.prog.Relations {
		if r.Timer == nil || r.Timer.Period <= 0 {
			continue
		}
		// The parser bounds period and jitter by syntax.MaxTimerSpan; clamp
		// the jitter again for hand-built programs, so 2*jitter+1 below
		// cannot overflow.
		jitter := min(max(r.Timer.Jitter, 0), syntax.MaxTimerSpan)
		w.timers[r.TimerComponent] = append(w.timers[r.TimerComponent], timerDecl{rel: r.Name, period: r.Timer.Period, jitter: jitter})
	}
	for _, n := range w.nodes {
		for _, t := range w.timers[n.addr.Comp] {
			if err := w.planFiring(n, t, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// planFiring queues firing k of timer t at node n: at k*period, moved by
// a seeded jitter in [-jitter, jitter], and always after the previous
// firing.
func (w *world) planFiring(n *node, t timerDecl, k int64) error {
	if k > (math.MaxInt64-t.jitter)/t.period {
		// Firing k would lie past any representable time, so it never
		// comes: stop this timer rather than let k*period wrap.
		return nil
	}
	at := k * t.period
	if t.jitter > 0 {
		c := Choice{Kind: ChoiceJitter, From: n.addr, Fact: value.Fact{Rel: t.rel}, ID: k}
		err := w.or.decide(&c, func(r *rand.Rand, c *Choice) { c.Delay = r.Int64N(2*t.jitter+1) - t.jitter })
		if err != nil {
			return err
		}
		at += c.Delay
	}
	key := timerKey{n.idx, t.rel}
	if last, ok := w.timerLast[key]; ok && at <= last {
		at = last + 1
	}
	if at < 1 {
		at = 1
	}
	w.ownMaps()
	w.timerLast[key] = at
	w.q.push(event{time: at, kind: evTimer, node: n.idx, n: k, fact: value.Fact{Rel: t.rel, Tuple: value.Tuple{value.Int(k)}}})
	return nil
}

// receive records ev, a fact arriving at n from outside its rules (a
// client's input, a timer), and queues ev.Fact for n's next tick; at a
// crashed node the event is recorded as dropped ("crashed") and false is
// returned.
func (w *world) receive(n *node, ev Event) bool {
	if n.crashed {
		ev.Reason = "crashed"
		w.emit(ev)
		return false
	}
	w.emit(ev)
	n.pending = append(n.pending, ev.Fact)
	w.activate(n)
	return true
}

func (w *world) fireTimer(e event) error {
	n := w.nodes[e.node]
	if !w.receive(n, Event{Time: w.now, Kind: EvTimer, Node: n.addr, Fact: e.fact}) {
		return nil // a crashed node's timers stop
	}
	for _, t := range w.timers[n.addr.Comp] {
		if t.rel == e.fact.Rel {
			if err := w.planFiring(n, t, e.n+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyFaults resolves the fault plan against the nodes: omission sets
// (picking random faulty nodes from the oracle), partitions and crashes.
func (w *world) applyFaults() error {
	plan := w.cfg.Faults
	picks := int64(0)
	for _, o := range plan.Omissions {
		rule := omissionRule{nodes: make([]bool, len(w.nodes)), p: o.P, until: o.Until}
		for _, a := range o.Nodes {
			i, err := w.nodeIndex(a, "fault plan: "+o.String())
			if err != nil {
				return err
			}
			rule.nodes[i] = true
			w.nodes[i].faulty = true
		}
		for k := 0; k < o.Random; k++ {
			var cands []int
			for _, n := range w.nodes {
				if !n.faulty {
					cands = append(cands, n.idx)
				}
			}
			if len(cands) == 0 {
				return fmt.Errorf("fault plan: %s: only %d nodes exist", o, len(w.nodes))
			}
			picks++
			c := Choice{Kind: ChoiceFaulty, ID: picks, N: len(cands)}
			if err := w.or.decide(&c, func(r *rand.Rand, c *Choice) { c.Pick = r.IntN(c.N) }); err != nil {
				return err
			}
			i := cands[c.Pick]
			rule.nodes[i] = true
			w.nodes[i].faulty = true
		}
		w.omissions = append(w.omissions, rule)
	}
	for _, p := range plan.Partitions {
		rule := partitionRule{a: make([]bool, len(w.nodes)), b: make([]bool, len(w.nodes)), from: p.From, to: p.To}
		for _, side := range []struct {
			addrs []value.Addr
			set   []bool
		}{{p.A, rule.a}, {p.B, rule.b}} {
			for _, a := range side.addrs {
				i, err := w.nodeIndex(a, "fault plan: "+p.String())
				if err != nil {
					return err
				}
				side.set[i] = true
			}
		}
		w.partitions = append(w.partitions, rule)
	}
	for _, c := range plan.Crashes {
		i, err := w.nodeIndex(c.Node, "fault plan: "+c.String())
		if err != nil {
			return err
		}
		w.q.push(event{time: c.At, kind: evCrash, node: i})
	}
	return nil
}
