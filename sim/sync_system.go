package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the two systems the synchronous model steps: a dsim
// program (one eval node per component instance) and a located program
// (one global eval node, Molly's semantics). The search in sync_search.go
// only sees the syncSystem interface.

// syncState is the state between two rounds: what each eval node carries
// into the next round and what is delivered to it there.
type syncState struct {
	carried []eval.FactSet
	inbox   [][]value.Fact
	// arrived lists the channels whose messages of the previous round
	// arrived; kept only for programs that read the clock relation, which
	// can see it.
	arrived []syncChan
	// kept holds snapshot facts (LocatedProgram.Snapshots), delivered in
	// every later round.
	kept []value.Fact
}

// syncChan is a directed channel between two locations (by index).
type syncChan struct{ from, to int }

// syncMsg is one message sent in a round.
type syncMsg struct {
	from, to int // locations
	node     int // eval node that receives it
	fact     value.Fact
}

// syncScenario is one choice of crashes: crashAt[loc] is the round the
// location crashes in, 0 when it does not.
type syncScenario struct {
	crashAt []int64
	crashes []SyncCrash
}

// silent reports whether loc has crashed by round t (it sends nothing
// that arrives from its crash round on).
func (sc *syncScenario) silent(loc int, t int64) bool {
	return sc.crashAt[loc] != 0 && sc.crashAt[loc] <= t
}

// roundOut is what one round produced.
type roundOut struct {
	carried []eval.FactSet
	facts   []eval.FactSet // every fact of the round, per eval node
	msgs    []syncMsg
	viols   []SyncViolation
	kept    []value.Fact // the state's kept facts plus this round's snapshots
}

type syncSystem interface {
	locations() []string
	start() *syncState
	// round evaluates round t over st. final says t is EOT (check the
	// .final relations). When tr is non-nil, tick events are appended.
	round(t int64, st *syncState, sc *syncScenario, final bool, tr *Trace) (roundOut, error)
	// readsClock reports whether losses on empty channels are visible.
	readsClock() bool
	// addr names a location in traces.
	addr(loc int) value.Addr
}

func finalRelations(p *analysis.Program) []string {
	var out []string
	for _, r := range p.Relations {
		if r.Final {
			out = append(out, r.Name)
		}
	}
	return out
}

func relFacts(fs eval.FactSet, rels []string) []value.Fact {
	var out []value.Fact
	for _, r := range rels {
		for _, t := range fs[r] {
			out = append(out, value.Fact{Rel: r, Tuple: t})
		}
	}
	return out
}

func syncTick(ev *eval.Evaluator, n eval.Node, in eval.Input, t int64) (*eval.Result, error) {
	res, err := ev.Tick(n, in, eval.FirstChoices{}, eval.Limits{})
	if err != nil {
		var le *eval.LimitError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("round %d at %s: %w", t, n.Addr, err)
		}
		return nil, fmt.Errorf("round %d at %s: %w", t, n.Addr, err)
	}
	return res, nil
}

// ---- dsim programs ----

type nodeSystem struct {
	prog   *analysis.Program
	ev     *eval.Evaluator
	nodes  []value.Addr
	names  []string
	idx    map[value.Addr]int
	topo   eval.Topology
	inputs []InputEvent
	final  []string
	timers [][]timerDecl // by node
}

func newNodeSystem(p *analysis.Program, counts map[string]int, inputs []InputEvent) (*nodeSystem, error) {
	ev, err := eval.Compile(p)
	if err != nil {
		return nil, err
	}
	s := &nodeSystem{prog: p, ev: ev, idx: map[value.Addr]int{}, topo: eval.Topology{Counts: map[string]int{}}, final: finalRelations(p)}
	for _, c := range p.Components {
		n := c.Count
		if k, ok := counts[c.Name]; ok {
			n = k
		}
		if n < 1 {
			return nil, fmt.Errorf("component %s needs at least one instance, got %d", c.Name, n)
		}
		s.topo.Counts[c.Name] = n
		var ts []timerDecl
		for _, r := range c.Timers {
			rel := p.Relation(r)
			ts = append(ts, timerDecl{rel: r, period: rel.Timer.Period})
		}
		for i := range n {
			a := value.Addr{Comp: c.Name, Instance: i}
			s.idx[a] = len(s.nodes)
			s.nodes = append(s.nodes, a)
			s.names = append(s.names, a.String())
			s.timers = append(s.timers, ts)
		}
	}
	for _, in := range inputs {
		if _, ok := s.idx[in.Node]; !ok {
			return nil, fmt.Errorf("input %s: no node %s", in.Fact, in.Node)
		}
		if in.Time < 1 {
			return nil, fmt.Errorf("input %s -> %s at @%d: the synchronous model's rounds start at 1", in.Fact, in.Node, in.Time)
		}
	}
	s.inputs = inputs
	return s, nil
}

func (s *nodeSystem) locations() []string     { return s.names }
func (s *nodeSystem) readsClock() bool        { return false }
func (s *nodeSystem) addr(loc int) value.Addr { return s.nodes[loc] }

func (s *nodeSystem) start() *syncState {
	return &syncState{carried: make([]eval.FactSet, len(s.nodes)), inbox: make([][]value.Fact, len(s.nodes))}
}

func (s *nodeSystem) round(t int64, st *syncState, sc *syncScenario, final bool, tr *Trace) (roundOut, error) {
	out := roundOut{carried: make([]eval.FactSet, len(s.nodes)), facts: make([]eval.FactSet, len(s.nodes))}
	for i, a := range s.nodes {
		delivered := slices.Clone(st.inbox[i])
		for _, in := range s.inputs {
			if in.Time == t && in.Node == a {
				delivered = append(delivered, in.Fact)
			}
		}
		for _, td := range s.timers[i] {
			if t%td.period == 0 {
				delivered = append(delivered, value.Fact{Rel: td.rel, Tuple: value.Tuple{value.Int(t / td.period)}})
			}
		}
		res, err := syncTick(s.ev, eval.Node{Addr: a, Topology: s.topo}, eval.Input{Carried: st.carried[i], Delivered: delivered}, t)
		if err != nil {
			return out, err
		}
		out.carried[i] = res.Next()
		out.facts[i] = res.Facts()
		for _, m := range res.Sends {
			to, ok := s.idx[m.To]
			if !ok {
				continue // eval resolves addresses modulo counts; an unknown one goes nowhere
			}
			out.msgs = append(out.msgs, syncMsg{from: i, to: to, node: to, fact: m.Fact})
		}
		// A crashed node's state is invisible (it sends nothing that
		// arrives): its facts are not checked, as for a crash-stop.
		alive := !sc.silent(i, t)
		if alive {
			for _, f := range res.Violations {
				out.viols = append(out.viols, SyncViolation{Node: s.names[i], Time: t, Fact: f, Kind: "invariant"})
			}
			if final {
				for _, f := range relFacts(res.Facts(), s.final) {
					out.viols = append(out.viols, SyncViolation{Node: s.names[i], Time: t, Fact: f, Kind: "final"})
				}
			}
		}
		if tr != nil {
			tr.Events = append(tr.Events, Event{Time: t, Kind: EvTick, Node: a, Tick: int(t),
				Consumed: sortedDistinct(delivered), Produced: factSetDiff(res.Next(), st.carried[i]),
				Outputs: slices.Clone(res.Outputs), Sends: len(res.Sends)})
		}
	}
	return out, nil
}

// ---- located programs ----

type locatedSystem struct {
	lp    *LocatedProgram
	ev    *eval.Evaluator
	locs  map[string]int
	node  eval.Node
	final []string
}

func newLocatedSystem(lp *LocatedProgram) (*locatedSystem, error) {
	if lp.Prog == nil || lp.Prog.Component(analysis.MainComponent) == nil || len(lp.Prog.Components) != 1 {
		return nil, fmt.Errorf("a located program has exactly one component, %s", analysis.MainComponent)
	}
	if len(lp.Locations) == 0 {
		return nil, fmt.Errorf("no nodes: name them with %s a,b,c", OptSyncNodes)
	}
	ev, err := eval.Compile(lp.Prog)
	if err != nil {
		return nil, err
	}
	s := &locatedSystem{lp: lp, ev: ev, locs: map[string]int{}, final: finalRelations(lp.Prog),
		node: eval.Node{Addr: value.Addr{Comp: analysis.MainComponent}, Topology: eval.Topology{Counts: map[string]int{analysis.MainComponent: 1}}}}
	for i, l := range lp.Locations {
		if _, dup := s.locs[l]; dup {
			return nil, fmt.Errorf("node %q is listed twice", l)
		}
		s.locs[l] = i
	}
	return s, nil
}

func (s *locatedSystem) locations() []string     { return s.lp.Locations }
func (s *locatedSystem) readsClock() bool        { return s.lp.ClockRel != "" }
func (s *locatedSystem) addr(loc int) value.Addr { return value.Addr{Comp: s.lp.Locations[loc]} }

func (s *locatedSystem) start() *syncState {
	return &syncState{carried: make([]eval.FactSet, 1), inbox: make([][]value.Fact, 1)}
}

// locOf returns the location index of a fact's first column, or -1.
func (s *locatedSystem) locOf(t value.Tuple) int {
	if len(t) == 0 || t[0].K != value.KindString {
		return -1
	}
	if i, ok := s.locs[t[0].S()]; ok {
		return i
	}
	return -1
}

func (s *locatedSystem) round(t int64, st *syncState, sc *syncScenario, final bool, tr *Trace) (roundOut, error) {
	delivered := slices.Concat(st.inbox[0], st.kept)
	for _, f := range s.lp.Facts {
		if f.Time == 0 || f.Time == t {
			delivered = append(delivered, f.Fact)
		}
	}
	if s.lp.CrashRel != "" {
		for _, c := range sc.crashes {
			for _, obs := range s.lp.Locations {
				delivered = append(delivered, value.Fact{Rel: s.lp.CrashRel, Tuple: value.Tuple{value.Str(obs), value.Str(c.Node), value.Int(c.Time)}})
			}
		}
	}
	if s.lp.ClockRel != "" && t > 1 {
		for _, ch := range st.arrived {
			delivered = append(delivered, value.Fact{Rel: s.lp.ClockRel, Tuple: value.Tuple{
				value.Str(s.lp.Locations[ch.from]), value.Str(s.lp.Locations[ch.to]), value.Int(t - 1)}})
		}
	}
	res, err := syncTick(s.ev, s.node, eval.Input{Carried: st.carried[0], Delivered: delivered}, t)
	if err != nil {
		return roundOut{}, err
	}
	out := roundOut{carried: []eval.FactSet{res.Next()}, facts: []eval.FactSet{res.Facts()}, kept: st.kept}
	for _, sn := range s.lp.Snapshots {
		if sn.Round == t {
			out.kept = slices.Clone(out.kept)
			for _, tu := range res.Facts()[sn.Rel] {
				out.kept = append(out.kept, value.Fact{Rel: sn.As, Tuple: tu})
			}
		}
	}
	for _, a := range s.lp.Async {
		for _, tu := range res.Facts()[a.Outbox] {
			from, to := s.locOf(tu), s.locOf(tu[1:])
			if from < 0 || to < 0 {
				continue // Molly's clock has no channel for a location that is not a node
			}
			out.msgs = append(out.msgs, syncMsg{from: from, to: to, fact: value.Fact{Rel: a.Rel, Tuple: tu[1:]}})
		}
	}
	for _, f := range res.Violations {
		out.viols = append(out.viols, SyncViolation{Time: t, Fact: f, Kind: "invariant"})
	}
	if final {
		for _, f := range relFacts(res.Facts(), s.final) {
			out.viols = append(out.viols, SyncViolation{Time: t, Fact: f, Kind: "final"})
		}
	}
	if tr != nil {
		consumed := make([][]value.Fact, len(s.lp.Locations))
		for _, f := range sortedDistinct(delivered) {
			if l := s.locOf(f.Tuple); l >= 0 {
				consumed[l] = append(consumed[l], f)
			}
		}
		produced := make([][]value.Fact, len(s.lp.Locations))
		for _, f := range factSetDiff(res.Next(), st.carried[0]) {
			if l := s.locOf(f.Tuple); l >= 0 {
				produced[l] = append(produced[l], f)
			}
		}
		sends := make([]int, len(s.lp.Locations))
		for _, m := range out.msgs {
			sends[m.from]++
		}
		for l := range s.lp.Locations {
			tr.Events = append(tr.Events, Event{Time: t, Kind: EvTick, Node: s.addr(l), Tick: int(t),
				Consumed: consumed[l], Produced: produced[l], Sends: sends[l]})
		}
	}
	return out, nil
}
