package eval

import (
	"fmt"
	"sync"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// An Evaluator is one analysed program compiled for ticking: callers (a
// simulated world, a realnet node, the checker) hold one per program and
// call its Tick for every tick of every node. It is safe for concurrent
// use: each Tick takes a scratch engine of the node's component from the
// evaluator's pool and hands it back, so concurrent ticks never share one.
//
// An engine keeps, across the ticks that use it, its compiled plans (full
// and semi-naive delta plans, with their sinks), its tables' hash slots
// and index layouts and its aggregation buffers: compiling and allocating
// them on every tick would dominate the simulator's thousands of tiny
// ticks. Nothing a Result references is reused (see engine.reset).
type Evaluator struct {
	prog  *analysis.Program
	pools map[string]*sync.Pool // by component name; filled by Compile, read-only after
	// maintMin is the least number of facts a State must hold for ticks
	// from it to maintain relations by derivation counts (maint.go) and
	// aggregates per group (incragg_tick.go): below it the bookkeeping
	// costs more than evaluating the rules over so little. Both ways
	// give the same Results; tests set it to 0 to cover both on small
	// states.
	maintMin int
	// tailMin is the least number of rows a State's relation must have
	// for the next State to keep it with a tail (rel.go): merging a
	// smaller one costs less than the tail's bookkeeping. Both ways give
	// the same Results; tests set it low to make tails on small states.
	tailMin int
}

// defaultMaintMin is Evaluator.maintMin unless a test sets it.
const defaultMaintMin = 256

// defaultTailMin is Evaluator.tailMin unless a test sets it.
const defaultTailMin = 256

// Compile prepares p for ticking. p must not be modified afterwards.
func Compile(p *analysis.Program) (*Evaluator, error) {
	if p == nil {
		return nil, fmt.Errorf("eval: nil program")
	}
	ev := &Evaluator{prog: p, pools: make(map[string]*sync.Pool, len(p.Components)), maintMin: defaultMaintMin, tailMin: defaultTailMin}
	for _, c := range p.Components {
		ev.pools[c.Name] = &sync.Pool{}
	}
	return ev, nil
}

// Program returns the program ev evaluates.
func (ev *Evaluator) Program() *analysis.Program { return ev.prog }

// Tick evaluates one tick of node: a pure function of its arguments (two
// calls with equal arguments give equal Results, whatever ran before or
// runs concurrently). ch may be nil (FirstChoices is used); zero Limits
// fields take their defaults.
//
// The node's carried facts come either from in.State (the previous
// Result's State) or from in.Carried, not both. The Result may share
// tuples with in (input facts are stored, not copied): like a Result's,
// they must not be modified afterwards.
func (ev *Evaluator) Tick(node Node, in Input, ch Choices, lim Limits) (*Result, error) {
	pool := ev.pools[node.Addr.Comp]
	if pool == nil {
		_, err := newWorld(ev.prog, node, ch, lim) // reports the bad node
		return nil, err
	}
	if in.State != nil && in.Carried != nil {
		return nil, fmt.Errorf("eval: node %s: Input has both State and Carried (give one)", node.Addr)
	}
	e, _ := pool.Get().(*engine)
	if e == nil {
		e = &engine{comp: ev.prog.Component(node.Addr.Comp), tables: map[string]*table{}, plans: map[planKey]*plan{}}
	}
	defer pool.Put(e)
	if err := e.world.init(ev.prog, node, ch, lim); err != nil {
		return nil, err
	}
	e.reset(&e.world)
	e.maintMin, e.tailMin = ev.maintMin, ev.tailMin
	res, err := e.tick(in)
	return res, err
}

// Tick evaluates one tick of node under program p: Compile(p) then
// Evaluator.Tick. It compiles p on every call, so callers that tick one
// program many times should hold an Evaluator instead.
func Tick(p *analysis.Program, node Node, in Input, ch Choices, lim Limits) (*Result, error) {
	ev, err := Compile(p)
	if err != nil {
		return nil, err
	}
	return ev.Tick(node, in, ch, lim)
}

// planKey names one compiled plan of a rule: the full plan or the delta
// plan with the atom at position pos of r.Plan first.
type planKey struct {
	rule *analysis.Rule
	pos  int
}

const fullPlan = -1

// cachedPlan returns the engine's plan for key (rule, pos), compiling it
// with compile on first use. Failed compilations are not cached, so the
// error recurs on every tick.
//
// Full plans, looked up for every rule on every tick, are kept in a slice
// by rule ID (IDs are dense in the program); delta plans, looked up once
// per engine (stratumPlan keeps them), in a map.
func (e *engine) cachedPlan(r *analysis.Rule, pos int, compile func() (*plan, error)) (*plan, error) {
	if pos == fullPlan && r.ID >= 0 && r.ID < len(e.fullPlans) {
		if pl := e.fullPlans[r.ID]; pl != nil {
			return pl, nil
		}
	} else if pos != fullPlan {
		if pl := e.plans[planKey{rule: r, pos: pos}]; pl != nil {
			return pl, nil
		}
	}
	pl, err := compile()
	if err != nil {
		return nil, err
	}
	if pos == fullPlan && r.ID >= 0 {
		if r.ID >= len(e.fullPlans) {
			e.fullPlans = append(e.fullPlans, make([]*plan, r.ID+1-len(e.fullPlans))...)
		}
		e.fullPlans[r.ID] = pl
		return pl, nil
	}
	e.plans[planKey{rule: r, pos: pos}] = pl
	return pl, nil
}

// reset prepares a (possibly used) engine for a tick in world w.
func (e *engine) reset(w *world) {
	e.w = w
	e.facts, e.derived = 0, 0
	e.lastTable = nil
	e.agg.trim()
	vals, rows := 0, 0
	for _, t := range e.order {
		v, r := t.reset()
		vals, rows = vals+v, rows+r
	}
	v, r := e.out.resetTables()
	e.slab.reset(vals+v, rows+r)
}

// reset empties the table for a new tick. Rows and tuple storage may be
// shared with a previous Result, so they are dropped, never overwritten.
// Hash slots and index chains stay (cleared) for the next tick. It returns
// the values and rows the table's first storage will take from the slab
// if the next tick is like this one.
func (tb *table) reset() (vals, rows int) {
	if tb.idle() {
		return 0, 0 // reset would change nothing
	}
	tb.hint, tb.ownedHint = len(tb.rows), tb.owned
	tb.owned = 0
	// A table that began with rows loaded whole (a State's relation, a
	// memo's) takes none of its first storage from the slab: it gets its
	// rows again next tick, and grows by an eighth of them (nextCap),
	// which a large one's share of the slab could not hold.
	if tb.hint > 0 && (len(tb.loaded) == 0 || len(tb.loaded) < slabMaxRows/8) {
		rows = max(2, min(tb.hint, 256))
	}
	if tb.ownedHint > 0 {
		vals = max(2, min(tb.ownedHint, 256)) * tb.arity
	}
	tb.rows, tb.arena, tb.loaded, tb.tip, tb.lazy = nil, nil, nil, nil, nil
	tb.claimed, tb.follow, tb.sorted = nil, nil, nil
	tb.loadedRel = rel{}
	tb.pix, tb.pixMaint = pixSource{}, false
	tb.sortedN, tb.searchN = 0, 0
	tb.set.reset()
	for _, ix := range tb.idx {
		ix.pst, ix.base, ix.hasPst, ix.lazy = ptrie{}, 0, false, nil
		ix.lastProbes, ix.probes, ix.ticked = ix.probes, 0, true
		ix.head.reset()
		if cap(ix.next) > max(1024, 4*len(ix.next)) {
			ix.next = nil
		} else {
			ix.next = ix.next[:0]
		}
	}
	return vals, rows
}

// idle reports whether the table is as reset leaves it, with nothing to
// carry as a hint: empty in this tick and the last. Most of a small
// component's tables are, on most ticks, and resetting each of them (its
// indexes included) on every tick was a fixed cost of its own.
func (tb *table) idle() bool {
	if tb.rows != nil || tb.lazy != nil || tb.hint != 0 || tb.owned != 0 || tb.ownedHint != 0 || tb.arena != nil || tb.loaded != nil ||
		tb.pix.holder != nil || tb.pix.from != nil || tb.pix.fromRows != nil || tb.pix.add != nil || tb.pix.del != nil || tb.pixMaint ||
		tb.sortedN != 0 || tb.searchN != 0 || tb.set.n != 0 {
		return false
	}
	for _, ix := range tb.idx {
		if ix.pst != (ptrie{}) || ix.base != 0 || ix.hasPst || ix.lazy != nil || ix.probes != 0 || ix.lastProbes != 0 ||
			!ix.ticked || ix.head.n != 0 || len(ix.next) != 0 {
			return false
		}
	}
	return true
}

// reset empties the set. Slots are kept (cleared) when this tick filled a
// fair share of them, and dropped otherwise: clearing a huge table left by
// one big tick would tax every small tick after it.
func (s *openSet) reset() {
	if len(s.slots) > max(1024, 8*s.n) {
		s.slots = nil
	} else {
		clear(s.slots)
	}
	s.n = 0
}
