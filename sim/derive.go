package sim

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Derivations after the fact (docs/CHECKING.md, "Why it diverged"): why a
// fact held at a node in a tick of a recorded run, as a tree of rules and
// facts back to inputs, timers, static facts and the messages that carried
// them. The run is replayed with every tick's facts dumped (TraceOptions
// Dump ["*"]); for the fact at (node, tick) Derive finds a rule instance
// whose head is the fact and whose body holds over that tick's facts
// (eval.Matches), and recurses: into a delivered message at its sender's
// tick, into a carried fact at the node's previous tick, into a derived
// fact in the same tick. The choice among several instances is the first
// in rule order and the evaluator's nested-loop order over sorted facts,
// so the tree is deterministic. The tree is bounded in depth and size
// (DeriveLimits), and a fact met twice is expanded once.

// DeriveLimits bound a derivation tree. Zero fields mean the defaults.
type DeriveLimits struct {
	MaxDepth int // default DefaultDeriveDepth
	MaxNodes int // default DefaultDeriveNodes
}

// The defaults of DeriveLimits, and the rows of an aggregate's group a
// derivation lists.
const (
	DefaultDeriveDepth = 32
	DefaultDeriveNodes = 200
	MaxDeriveGroupRows = 8
)

// Derivation is one node of a derivation tree: Fact held at Node in its
// tick Tick (virtual time Time) because of How.
type Derivation struct {
	Fact value.Fact
	Node value.Addr
	Time int64
	Tick int
	// Kind is how the fact came to hold: "input", "static", "timer",
	// "message" (delivered; Rule is the async rule of the sender, whose
	// body facts at the sender's tick are the children), "rule" (derived
	// in this tick by Rule), "carried" (derived for this tick by Rule, a
	// :+ rule, in the node's tick From), "persisted" (carried unchanged by
	// a persistence rule since tick From; the child explains it there),
	// "seen" (expanded elsewhere in the tree), "bound" (not expanded:
	// Note names the bound) or "unexplained" (Note says why).
	Kind string
	Rule string
	// From is the tick of the sender (message) or of the node (carried,
	// persisted) the fact came from, FromNode and FromTime where and when.
	From     int
	FromNode value.Addr
	FromTime int64
	Client   int      // input
	Absent   []string // negated literals the rule instance needed absent
	// Choice is, for a fact a choose() rule derived, the run's recorded
	// choice that picked its row ("choose KEY => PICK", as a schedule
	// file writes it), or "" when no choice was asked (one row).
	Choice   string
	Note     string
	Children []*Derivation
}

// Derive explains fact f at node in its tick tick of the run res, which
// must have been traced with every relation dumped (TraceOptions.Dump
// ["*"]).
func Derive(prog *analysis.Program, res *Result, f value.Fact, node value.Addr, tick int, lim DeriveLimits) (*Derivation, error) {
	tr := res.Trace
	if tr == nil {
		return nil, fmt.Errorf("derivation of %s: the run has no trace", f)
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = DefaultDeriveDepth
	}
	if lim.MaxNodes <= 0 {
		lim.MaxNodes = DefaultDeriveNodes
	}
	counts := map[string]int{}
	for _, n := range res.Nodes {
		counts[n.Addr.Comp]++
	}
	d := &deriver{prog: prog, tr: tr, lim: lim, topo: eval.Topology{Counts: counts}, ticks: map[value.Addr][]int{}, seen: map[string]bool{}, onPath: map[string]bool{}, facts: map[int]eval.FactSet{}, ms: map[[2]int][]eval.Match{}}
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == EvTick {
			d.ticks[e.Node] = append(d.ticks[e.Node], i)
		}
	}
	if d.event(node, tick) < 0 {
		return nil, fmt.Errorf("derivation of %s: the trace has no tick %d of %s", f, tick, node)
	}
	if res.Schedule != nil {
		d.choices = chooseChoices(res.Schedule.pins())
	}
	root := d.explain(f, node, tick, 0)
	if d.err != nil {
		return nil, d.err
	}
	return root, nil
}

type deriver struct {
	prog   *analysis.Program
	tr     *Trace
	topo   eval.Topology
	lim    DeriveLimits
	ticks  map[value.Addr][]int    // tick events of each node, in order
	facts  map[int]eval.FactSet    // event index -> the tick's facts
	ms     map[[2]int][]eval.Match // (event index, rule ID) -> the rule's matches in the tick
	seen   map[string]bool         // (node, tick, fact) expanded somewhere
	onPath map[string]bool         // (node, tick, fact) on the path being expanded
	nodes  int
	err    error
	// choices are the run's recorded choose() decisions, keyed by
	// node, tick and rule (chooseKey), so a chosen fact names its choice.
	choices map[string]Pin
}

// event returns the trace index of node's tick number tick, or -1.
func (d *deriver) event(node value.Addr, tick int) int {
	ts := d.ticks[node]
	if tick < 1 || tick > len(ts) {
		return -1
	}
	if i := ts[tick-1]; d.tr.Events[i].Tick == tick {
		return i
	}
	for _, i := range ts {
		if d.tr.Events[i].Tick == tick {
			return i
		}
	}
	return -1
}

// tickAt returns the tick number of node's tick at virtual time t, or 0.
func (d *deriver) tickAt(node value.Addr, t int64) int {
	for _, i := range d.ticks[node] {
		if e := &d.tr.Events[i]; e.Time == t {
			return e.Tick
		}
	}
	return 0
}

func (d *deriver) factsOf(i int) eval.FactSet {
	if fs, ok := d.facts[i]; ok {
		return fs
	}
	fs := eval.FactSet{}
	for _, f := range d.tr.Events[i].Dump {
		fs[f.Rel] = append(fs[f.Rel], f.Tuple)
	}
	d.facts[i] = fs
	return fs
}

func holds(fs eval.FactSet, f value.Fact) bool {
	for _, t := range fs[f.Rel] {
		if t.Equal(f.Tuple) {
			return true
		}
	}
	return false
}

func key(f value.Fact, node value.Addr, tick int) string {
	return fmt.Sprintf("%s/%d/%s", node, tick, f)
}

// explain builds the node for f at (node, tick).
func (d *deriver) explain(f value.Fact, node value.Addr, tick int, depth int) *Derivation {
	i := d.event(node, tick)
	x := &Derivation{Fact: f, Node: node, Tick: tick}
	if i >= 0 {
		x.Time = d.tr.Events[i].Time
	}
	k := key(f, node, tick)
	switch {
	case d.err != nil:
		return x
	case d.seen[k]:
		x.Kind, x.Note = "seen", "explained above"
		return x
	case depth >= d.lim.MaxDepth:
		x.Kind, x.Note = "bound", fmt.Sprintf("not expanded: depth bound %d reached (sim.DeriveLimits.MaxDepth)", d.lim.MaxDepth)
		return x
	case d.nodes >= d.lim.MaxNodes:
		x.Kind, x.Note = "bound", fmt.Sprintf("not expanded: size bound %d nodes reached (sim.DeriveLimits.MaxNodes)", d.lim.MaxNodes)
		return x
	case i < 0:
		x.Kind, x.Note = "unexplained", "the trace has no such tick"
		return x
	}
	d.nodes++
	d.seen[k] = true
	d.onPath[k] = true
	defer delete(d.onPath, k)
	e := &d.tr.Events[i]
	comp := d.prog.Component(node.Comp)
	if comp == nil {
		x.Kind, x.Note = "unexplained", "the program has no component "+node.Comp
		return x
	}
	for _, s := range comp.Facts {
		if s.Compare(f) == 0 {
			x.Kind = "static"
			return x
		}
	}
	for _, c := range e.Consumed {
		if c.Compare(f) == 0 {
			d.delivered(x, i, depth)
			return x
		}
	}
	if !holds(d.factsOf(i), f) {
		x.Kind, x.Note = "unexplained", "not a fact of this tick"
		return x
	}
	if in, ok := d.find(f, node, tick, comp, analysis.Sync, value.Addr{}); ok {
		x.Kind, x.Rule, x.Absent = "rule", in.name, in.absent
		d.expand(x, in, node, tick, depth)
		return x
	}
	if d.carried(x, comp, depth) {
		return x
	}
	x.Kind, x.Note = "unexplained", "no rule instance derives it over this tick's facts without going round a cycle"
	return x
}

// delivered explains a fact consumed by the tick at event i: an input, a
// timer firing or a message, found among the deliveries to the node since
// its previous tick.
func (d *deriver) delivered(x *Derivation, i int, depth int) {
	for j := i - 1; j >= 0; j-- {
		e := &d.tr.Events[j]
		if e.Node != x.Node || e.Fact.Compare(x.Fact) != 0 {
			if e.Kind == EvTick && e.Node == x.Node {
				break
			}
			continue
		}
		switch e.Kind {
		case EvInput:
			x.Kind, x.Client = "input", e.Client
			return
		case EvTimer:
			x.Kind = "timer"
			return
		case EvDeliver:
			x.Kind, x.FromNode, x.FromTime = "message", e.Peer, e.SentAt
			x.From = d.tickAt(e.Peer, e.SentAt)
			comp := d.prog.Component(e.Peer.Comp)
			if d.event(e.Peer, x.From) < 0 || comp == nil {
				x.Note = "the sender's tick is not in the trace"
				return
			}
			in, ok := d.find(x.Fact, e.Peer, x.From, comp, analysis.Async, x.Node)
			if !ok {
				x.Note = "no async rule of the sender derives it over the sender's facts"
				return
			}
			x.Rule, x.Absent = in.name, in.absent
			d.expand(x, in, e.Peer, x.From, depth)
			return
		}
	}
	x.Kind, x.Note = "unexplained", "delivered, but the trace has no delivery, input or timer event for it"
}

// carried explains a fact carried into x's tick: derived by a :+ rule in
// the node's previous tick; a persistence rule is followed back to the
// tick where the fact came from otherwise.
func (d *deriver) carried(x *Derivation, comp *analysis.Component, depth int) bool {
	prev := x.Tick - 1
	pi := d.event(x.Node, prev)
	if pi < 0 {
		return false
	}
	in, ok := d.find(x.Fact, x.Node, prev, comp, analysis.NextTick, value.Addr{})
	if !ok {
		return false
	}
	x.Rule, x.From, x.FromNode, x.FromTime, x.Absent = in.name, prev, x.Node, d.tr.Events[pi].Time, in.absent
	if !in.persist {
		x.Kind = "carried"
		d.expand(x, in, x.Node, prev, depth)
		return true
	}
	// Follow the persistence rule back while the fact was carried in by
	// it and not also delivered or derived afresh.
	for !d.direct(x.Fact, x.Node, comp, x.From) {
		back, ok := d.find(x.Fact, x.Node, x.From-1, comp, analysis.NextTick, value.Addr{})
		if !ok || !back.persist {
			break
		}
		x.From, x.FromTime = x.From-1, d.tr.Events[d.event(x.Node, x.From-1)].Time
	}
	x.Kind = "persisted"
	x.Children = []*Derivation{d.explain(x.Fact, x.Node, x.From, depth+1)}
	return true
}

// direct reports whether f holds at node's tick without being carried
// in: static, delivered or derived in the tick by a rule.
func (d *deriver) direct(f value.Fact, node value.Addr, comp *analysis.Component, tick int) bool {
	i := d.event(node, tick)
	if i < 0 {
		return true // nothing further back to follow
	}
	for _, s := range comp.Facts {
		if s.Compare(f) == 0 {
			return true
		}
	}
	for _, c := range d.tr.Events[i].Consumed {
		if c.Compare(f) == 0 {
			return true
		}
	}
	_, ok := d.find(f, node, tick, comp, analysis.Sync, value.Addr{})
	return ok
}

// instance is a rule instance that derives a fact: the rule, the body
// facts it used (for an aggregate, its group's rows' facts, at most
// MaxDeriveGroupRows rows), and the negations it needed absent.
type instance struct {
	name    string
	persist bool
	support []value.Fact
	absent  []string
	more    int    // an aggregate's rows left out
	choice  string // the choose() decision that picked the row (Derivation.Choice)
}

// isPersist reports whether r only carries its head relation forward (a
// .persist line, or r :+ r with filters or negations that collect rows).
func isPersist(r *analysis.Rule) bool {
	if r.Kind == analysis.Persist || r.Source == nil {
		return true
	}
	if r.Kind != analysis.NextTick {
		return false
	}
	atoms := 0
	for i := range r.Body {
		if l := &r.Body[i]; l.Kind == analysis.LitAtom {
			if atoms++; l.Rel != r.Head.Rel {
				return false
			}
		}
	}
	return atoms == 1
}

// find returns the first rule instance of the given kind in comp that
// derives f (sent to to, for async rules) over the facts of node's tick,
// avoiding instances that lean on a fact being explained (a cycle).
func (d *deriver) find(f value.Fact, node value.Addr, tick int, comp *analysis.Component, kind analysis.RuleKind, to value.Addr) (instance, bool) {
	i := d.event(node, tick)
	if i < 0 {
		return instance{}, false
	}
	fs := d.factsOf(i)
	en := eval.Node{Addr: node, Topology: d.topo}
	for _, r := range comp.Rules {
		k := r.Kind
		if k == analysis.Persist {
			k = analysis.NextTick
		}
		if k != kind || r.Head.Rel != f.Rel {
			continue
		}
		ms, err := d.matches(i, en, fs, r)
		if err != nil {
			d.err = err
			return instance{}, false
		}
		if r.Head.HasAggregate {
			rows, ok, err := eval.GroupMatches(d.prog, en, r, ms, to, f.Tuple)
			if err != nil {
				d.err = err
				return instance{}, false
			}
			if !ok {
				continue
			}
			in := instance{name: RuleName(d.prog, r), persist: isPersist(r), choice: d.chosen(r, node, tick, f)}
			for j, m := range rows {
				if j == MaxDeriveGroupRows {
					in.more = len(rows) - j
					break
				}
				in.support = appendDistinct(in.support, eval.Support(r, fs, m)...)
			}
			return in, true
		}
		for _, m := range ms {
			if len(m.Blocked) > 0 {
				continue
			}
			dest, t, ok, err := eval.Head(d.prog, en, r, m.Env)
			if err != nil {
				d.err = err
				return instance{}, false
			}
			if !ok || dest != to || !t.Equal(f.Tuple) {
				continue
			}
			sup := eval.Support(r, fs, m)
			cyclic := false
			for _, s := range sup {
				if d.onPath[key(s, node, tick)] {
					cyclic = true
				}
			}
			if cyclic {
				continue
			}
			return instance{name: RuleName(d.prog, r), persist: isPersist(r), support: sup, absent: eval.Absent(r, m)}, true
		}
	}
	return instance{}, false
}

func (d *deriver) matches(i int, en eval.Node, fs eval.FactSet, r *analysis.Rule) ([]eval.Match, error) {
	k := [2]int{i, r.ID}
	if ms, ok := d.ms[k]; ok {
		return ms, nil
	}
	ms, _, err := eval.Matches(d.prog, en, fs, r, 0)
	if err == nil {
		d.ms[k] = ms
	}
	return ms, err
}

func appendDistinct(fs []value.Fact, more ...value.Fact) []value.Fact {
	for _, f := range more {
		dup := false
		for _, g := range fs {
			if g.Compare(f) == 0 {
				dup = true
				break
			}
		}
		if !dup {
			fs = append(fs, f)
		}
	}
	return fs
}

// expand fills x's children: the instance's body facts at (node, tick).
func (d *deriver) expand(x *Derivation, in instance, node value.Addr, tick int, depth int) {
	for _, s := range in.support {
		x.Children = append(x.Children, d.explain(s, node, tick, depth+1))
	}
	if len(in.support) == 0 {
		x.Note = "its body has no relation atoms (built-ins only)"
	}
	if in.more > 0 {
		x.Note = fmt.Sprintf("and %d more rows of the group (at most %d listed)", in.more, MaxDeriveGroupRows)
	}
	x.Choice = in.choice
}

// chooseKey identifies a choose() decision by what Choice.Key writes
// first: node, local tick, rule, and the group.
func chooseKey(node value.Addr, tick, rule int, group value.Tuple) string {
	return fmt.Sprintf("%s tick=%d rule=%d group=%s", node, tick, rule, group)
}

// chooseChoices indexes a schedule's choose() pins by chooseKey (the
// call number, which Key also writes, is left out: one rule asks once per
// group in a tick).
func chooseChoices(pins []Pin) map[string]Pin {
	out := map[string]Pin{}
	for _, p := range pins {
		var node, group string
		var tick, call, rule, n int
		rest, ok := strings.CutPrefix(p.Key, ChoiceChoose.String()+" ")
		if !ok {
			continue
		}
		// NODE tick=T call=C rule=R group=G n=N; the group may hold spaces.
		if _, err := fmt.Sscanf(rest, "%s tick=%d call=%d rule=%d", &node, &tick, &call, &rule); err != nil {
			continue
		}
		i, j := strings.Index(rest, " group="), strings.LastIndex(rest, " n=")
		if i < 0 || j < i {
			continue
		}
		group = rest[i+len(" group=") : j]
		if _, err := fmt.Sscanf(rest[j:], " n=%d", &n); err != nil {
			continue
		}
		out[fmt.Sprintf("%s tick=%d rule=%d group=%s", node, tick, rule, group)] = p
	}
	return out
}

// chosen returns the recorded choice behind fact f of choose() rule r at
// node's tick, rendered as a schedule line, or "".
func (d *deriver) chosen(r *analysis.Rule, node value.Addr, tick int, f value.Fact) string {
	has := false
	for _, a := range r.Head.Args {
		has = has || a.Agg != nil && a.Agg.Func == syntax.AggChoose
	}
	if !has || d.choices == nil {
		return ""
	}
	group := make(value.Tuple, 0, len(r.Head.GroupBy))
	for _, i := range r.Head.GroupBy {
		if i < len(f.Tuple) {
			group = append(group, f.Tuple[i])
		}
	}
	p, ok := d.choices[chooseKey(node, tick, r.ID, group)]
	if !ok {
		return ""
	}
	return p.Key + " => " + p.Decision
}
