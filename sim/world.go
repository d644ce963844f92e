package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// node is one component instance.
type node struct {
	idx      int
	addr     value.Addr
	comp     *analysis.Component
	evalNode eval.Node

	state   *eval.State  // carried into its next tick: an immutable value (nil: nothing)
	last    *eval.Result // its last tick's (nil: none yet); read through facts
	pending []value.Fact // delivered for the tick at the current time
	active  bool         // ticks at the current time
	ticks   int
	crashed bool
	faulty  bool
	idle    int // idle ticks injected so far

	fp Fingerprint // factSetFingerprint(carried()), when the world tracks fingerprints
}

// carried returns the facts the node carries into its next tick. The
// State makes them on the first call (eval.State.Facts), so only the
// hooks, fingerprints and reports that need them pay for them.
func (n *node) carried() eval.FactSet { return n.state.Facts() }

// facts returns the facts of the node's last tick (nil before its first).
func (n *node) facts() eval.FactSet {
	if n.last == nil {
		return nil
	}
	return n.last.Facts()
}

type omissionRule struct {
	nodes []bool // by node index
	p     float64
	until int64
}

type partitionRule struct {
	a, b     []bool
	from, to int64
}

type timerDecl struct {
	rel            string
	period, jitter int64
}

// world is the state of one run.
type world struct {
	prog *analysis.Program
	// cfg is shared with every snapshot and resumption of the run (they
	// only read it; Resume replaces it to change the hooks): copying it
	// by value made it a quarter of each clone's bytes.
	cfg   *Config
	step  StepFunc    // cfg.Step, or the hook Resume gave a copy
	cov   *covTracker // nil unless cfg.Coverage
	lim   Limits
	dist  Distribution
	tick  tickFunc
	nodes []*node
	addrs map[value.Addr]int
	topo  eval.Topology
	q     eventQueue
	or    oracle
	now   int64

	trace   *Trace
	tb      traceBuild // builds trace's tick events; a clone's starts empty
	dumpAll bool
	dump    map[string]bool
	hist    History

	omissions  []omissionRule
	partitions []partitionRule
	timers     map[string][]timerDecl // by component
	timerLast  map[timerKey]int64

	requests map[int64]int // request id (first int column) -> client
	closed   *closedLoop

	ticks, messages, deliveries, drops, dups, outputs int
	msgSeq, outSeq, inSeq                             int64
	violations                                        []ViolationReport
	stop                                              Stop
	stopped                                           bool

	// resumed: the run continues a snapshot, whose moment the Step hook
	// has already seen. mapsShared: requests and timerLast are shared
	// with a snapshot (ownMaps copies them before a write).
	resumed    bool
	mapsShared bool
	histShared bool // hist's slices may share arrays with a snapshot

	active   []int
	cur      *node // the node ticking, for language choices
	callSeq  int
	choiceEr error
}

type timerKey struct {
	node int
	rel  string
}

func newWorld(prog *analysis.Program, cfg Config) (*world, error) {
	if prog == nil {
		return nil, errors.New("sim: no program")
	}
	w := &world{
		prog:      prog,
		cfg:       &cfg,
		lim:       cfg.Limits.WithDefaults(),
		dist:      DefaultDistribution,
		tick:      cfg.tick,
		addrs:     map[value.Addr]int{},
		timers:    map[string][]timerDecl{},
		timerLast: map[timerKey]int64{},
	}
	if w.tick == nil {
		ev := cfg.Evaluator
		if ev == nil {
			var err error
			if ev, err = eval.Compile(prog); err != nil {
				return nil, err
			}
		} else if ev.Program() != prog {
			return nil, errors.New("sim: Config.Evaluator was compiled from another program")
		}
		w.tick = func(_ *analysis.Program, node eval.Node, in eval.Input, ch eval.Choices, lim eval.Limits) (*eval.Result, error) {
			return ev.Tick(node, in, ch, lim)
		}
	}
	if cfg.Delay != nil {
		w.dist = *cfg.Delay
	}
	w.presize()
	// Only a Step hook sees moments, so only then are fingerprints kept.
	w.q.track = cfg.Step != nil
	if cfg.TickCache != nil {
		cfg.TickCache.bind(prog, cfg.Counts)
	}
	w.or.pcg = rand.NewPCG(cfg.Seed, pcgStream)
	w.or.rng = rand.New(w.or.pcg)
	w.or.hook = cfg.Decide
	w.step = cfg.Step
	if cfg.Script != nil {
		pins, err := cfg.Script.pinMap()
		if err != nil {
			return nil, err
		}
		w.or.script = pins
	}
	if !cfg.Trace.Off {
		// Room for a typical run's events from the start: an Event is
		// ~280 bytes, and growing the slice from empty copied each one
		// about twice.
		w.trace = &Trace{Events: make([]Event, 0, min(traceEventsPerRequest*(w.presizeRequests()+1), maxTracePresize))}
	}
	for _, r := range cfg.Trace.Dump {
		if r == "*" {
			w.dumpAll = true
			continue
		}
		if w.dump == nil {
			w.dump = map[string]bool{}
		}
		w.dump[r] = true
	}
	if err := w.buildNodes(); err != nil {
		return nil, err
	}
	if err := w.applyFaults(); err != nil {
		return nil, err
	}
	if err := w.scheduleTimers(); err != nil {
		return nil, err
	}
	for _, e := range cfg.Workload {
		if err := checkInput(prog, w.topo.Counts, e); err != nil {
			return nil, err
		}
		w.pushInput(e)
	}
	if cfg.Closed != nil {
		if err := w.startClosedLoop(*cfg.Closed); err != nil {
			return nil, err
		}
	}
	// Every node ticks once at time 0, over its static facts: rules over
	// static facts alone must fire somewhere.
	for _, n := range w.nodes {
		w.q.push(event{time: 0, kind: evWake, node: n.idx})
	}
	return w, nil
}

// presize gives the queue and the history room for what a run of this
// configuration holds at least, so that the common runs (a few requests,
// dozens of messages) do not grow them from empty, element by element.
// Capped: a huge workload still grows as it goes.
func (w *world) presize() {
	reqs := w.presizeRequests()
	w.q.items = make([]event, 0, initialQueue)
	w.hist.Inputs = make([]HistoryInput, 0, reqs)
	w.hist.Outputs = make([]HistoryOutput, 0, reqs)
	w.requests = make(map[int64]int, reqs)
}

// presizeRequests is the requests a run's workload and closed loop make,
// capped at maxPresize.
func (w *world) presizeRequests() int {
	reqs := len(w.cfg.Workload)
	if w.cfg.Closed != nil {
		reqs += max(w.cfg.Closed.Requests, 0)
	}
	return min(reqs, maxPresize)
}

const (
	initialQueue = 32   // events in flight in a small protocol's run
	maxPresize   = 1024 // requests presized for, at most
)

// buildNodes creates one node per component instance, in component
// declaration order then instance order (the language's global numbering).
func (w *world) buildNodes() error {
	counts := map[string]int{}
	for _, c := range w.prog.Components {
		counts[c.Name] = c.Count
	}
	names := make([]string, 0, len(w.cfg.Counts))
	for name := range w.cfg.Counts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		n := w.cfg.Counts[name]
		if _, ok := counts[name]; !ok {
			return fmt.Errorf("%s %s=%d: the program has no component %s (components: %s)", OptCounts, name, n, name, componentNames(w.prog))
		}
		if n < 1 || n > value.MaxInstances {
			return fmt.Errorf("%s %s=%d: a component needs between 1 and %d instances", OptCounts, name, n, value.MaxInstances)
		}
		counts[name] = n
	}
	w.topo = eval.Topology{Counts: counts}
	if w.cfg.Coverage {
		w.cov = &covTracker{cov: newCoverage(w.prog, w.cfg.CoverageDetail), prog: w.prog, arrival: map[[2]int]int64{}}
	}
	for _, c := range w.prog.Components {
		for i := 0; i < counts[c.Name]; i++ {
			a := value.Addr{Comp: c.Name, Instance: i}
			n := &node{idx: len(w.nodes), addr: a, comp: c, evalNode: eval.Node{Addr: a, Topology: w.topo}}
			w.addrs[a] = n.idx
			w.nodes = append(w.nodes, n)
		}
	}
	if len(w.nodes) == 0 {
		return errors.New("sim: the program has no components")
	}
	return nil
}

func componentNames(p *analysis.Program) string {
	s := ""
	for i, c := range p.Components {
		if i > 0 {
			s += ", "
		}
		s += c.Name
	}
	return s
}

// nodeIndex resolves an address from a fault plan or workload.
func (w *world) nodeIndex(a value.Addr, what string) (int, error) {
	if i, ok := w.addrs[a]; ok {
		return i, nil
	}
	if n, ok := w.topo.Counts[a.Comp]; ok {
		return 0, fmt.Errorf("%s: no node %s (%s has %d instances; change it with %s %s=N)", what, a, a.Comp, n, OptCounts, a.Comp)
	}
	return 0, fmt.Errorf("%s: no component %s (components: %s)", what, a.Comp, componentNames(w.prog))
}

func (w *world) emit(e Event) {
	if w.trace != nil {
		w.trace.Events = append(w.trace.Events, e)
	}
}

func (w *world) halt(reason StopReason, msg string) {
	if !w.stopped {
		w.stopped = true
		w.stop = Stop{Reason: reason, Bound: reason.bound(), Message: msg}
	}
}

// run processes events in time order until the world stops.
func (w *world) run() error {
	for !w.stopped {
		t, ok := w.q.peekTime()
		if !ok {
			w.halt(Quiescent, fmt.Sprintf("quiescent at virtual time %d", w.now))
			break
		}
		if t > w.lim.MaxTime {
			w.halt(TimeLimit, fmt.Sprintf("stopped: virtual time %d reached (MaxTime); raise "+BoundMaxTime.Field(), w.lim.MaxTime))
			break
		}
		w.now = t
		if w.resumed {
			w.resumed = false
		} else if w.step != nil {
			if err := w.step(Moment{w}); err != nil {
				return err
			}
		}
		for {
			t2, ok := w.q.peekTime()
			if !ok || t2 != t {
				break
			}
			if err := w.handle(w.q.pop()); err != nil {
				return err
			}
		}
		slices.Sort(w.active)
		for _, i := range w.active {
			n := w.nodes[i]
			n.active = false
			if w.stopped || n.crashed {
				n.pending = n.pending[:0]
				continue
			}
			if err := w.tickNode(n); err != nil {
				return err
			}
		}
		w.active = w.active[:0]
	}
	return nil
}

func (w *world) activate(n *node) {
	if !n.active && !n.crashed {
		n.active = true
		w.active = append(w.active, n.idx)
	}
}

// handle applies one event at the current time.
func (w *world) handle(e event) error {
	switch e.kind {
	case evCrash:
		n := w.nodes[e.node]
		if !n.crashed {
			n.crashed = true
			w.emit(Event{Time: w.now, Kind: EvCrash, Node: n.addr})
		}
	case evWake:
		w.activate(w.nodes[e.node])
	case evDeliver:
		n := w.nodes[e.node]
		from := w.nodes[e.from].addr
		if n.crashed {
			w.drops++
			w.emit(Event{Time: w.now, Kind: EvDrop, Node: n.addr, Peer: from, Msg: e.msg, Fact: e.fact, SentAt: e.sentAt, Dup: e.dup, Reason: "crashed"})
			return nil
		}
		w.deliveries++
		if w.trace != nil {
			w.emit(Event{Time: w.now, Kind: EvDeliver, Node: n.addr, Peer: from, Msg: e.msg, Fact: e.fact, SentAt: e.sentAt, Dup: e.dup})
		}
		n.pending = append(n.pending, e.fact)
		w.activate(n)
	case evInput:
		n := w.nodes[e.node]
		w.hist.Inputs = append(w.hist.Inputs, HistoryInput{Fact: e.fact, Node: n.addr, Time: w.now, Client: e.client})
		w.receive(n, Event{Time: w.now, Kind: EvInput, Node: n.addr, Msg: e.msg, Fact: e.fact, Client: e.client})
	case evTimer:
		return w.fireTimer(e)
	case evOutput:
		return w.arriveOutput(e)
	}
	return nil
}

func (w *world) pushInput(e InputEvent) {
	w.inSeq++
	idx := w.addrs[e.Node]
	if len(e.Fact.Tuple) > 0 && e.Fact.Tuple[0].K == value.KindInt {
		if _, seen := w.requests[e.Fact.Tuple[0].I]; !seen {
			w.ownMaps()
			w.requests[e.Fact.Tuple[0].I] = e.Client
		}
	}
	w.q.push(event{time: e.Time, kind: evInput, node: idx, msg: w.inSeq, fact: e.Fact, client: e.Client})
}

func (w *world) result() *Result {
	if w.histShared {
		// Sorting works in place: never in an array a snapshot shares.
		w.hist.Inputs, w.hist.Outputs = slices.Clone(w.hist.Inputs), slices.Clone(w.hist.Outputs)
	}
	w.hist.sort()
	r := &Result{
		Trace:      w.trace,
		History:    &w.hist,
		Stop:       w.stop,
		Time:       w.now,
		Ticks:      w.ticks,
		Messages:   w.messages,
		Deliveries: w.deliveries,
		Drops:      w.drops,
		Duplicates: w.dups,
		Outputs:    w.outputs,
		Violations: w.violations,
		Final:      finalReports(w.prog, w.nodes, w.stop, w.now),
		Coverage:   w.coverage(),
		Schedule:   newSchedule(*w.cfg, w.or.recorded()),
	}
	if r.Trace == nil {
		r.Trace = &Trace{}
	}
	for _, n := range w.nodes {
		r.Nodes = append(r.Nodes, NodeState{Addr: n.addr, Ticks: n.ticks, Crashed: n.crashed, Faulty: n.faulty, Facts: n.facts(), Carried: n.carried()})
	}
	return r
}
