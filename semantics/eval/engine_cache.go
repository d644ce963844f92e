package eval

import (
	"sync"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// The simulator calls Tick thousands of times per run with tiny inputs, so
// compiling every rule's plans, creating every table and building its
// index layout on each tick would dominate. Engines are therefore pooled
// per (program, component): a pooled engine keeps its compiled plans, its
// tables and their indexes, and reset empties them for the next tick.
// Nothing a Result references is reused: reset drops the tables' rows and
// tuple storage (results share them) and keeps only the hash slots and
// index chains, which never leave the engine. Each Tick takes an engine
// from the pool and returns it, so concurrent ticks never share one.

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
func (e *engine) cachedPlan(r *analysis.Rule, pos int, compile func() (*plan, error)) (*plan, error) {
	k := planKey{rule: r, pos: pos}
	if pl := e.plans[k]; pl != nil {
		return pl, nil
	}
	pl, err := compile()
	if err != nil {
		return nil, err
	}
	e.plans[k] = pl
	return pl, nil
}

type engineKey struct {
	prog *analysis.Program
	comp string
}

// maxPooledPrograms bounds the pool registry; when it is full it is
// emptied (tools that analyse many programs just lose the reuse).
const maxPooledPrograms = 64

var enginePools struct {
	sync.Mutex
	m map[engineKey]*sync.Pool
}

// engineFor returns an engine for component comp of p and the pool to
// hand it back to once the tick is done with it.
func engineFor(p *analysis.Program, comp string) (*engine, *sync.Pool) {
	k := engineKey{prog: p, comp: comp}
	enginePools.Lock()
	pool := enginePools.m[k]
	if pool == nil {
		if enginePools.m == nil || len(enginePools.m) >= maxPooledPrograms {
			enginePools.m = map[engineKey]*sync.Pool{}
		}
		pool = &sync.Pool{}
		enginePools.m[k] = pool
	}
	enginePools.Unlock()
	e, _ := pool.Get().(*engine)
	if e == nil {
		e = &engine{comp: p.Component(comp), tables: map[string]*table{}, plans: map[planKey]*plan{}}
	}
	return e, pool
}

// reset prepares a (possibly used) engine for a tick in world w.
func (e *engine) reset(w *world) {
	e.w = w
	e.facts, e.derived = 0, 0
	e.lastTable = nil
	e.agg.trim()
	vals, rows := 0, 0
	for _, name := range e.order {
		v, r := e.tables[name].reset()
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
	tb.hint, tb.ownedHint = len(tb.rows), tb.owned
	tb.owned = 0
	if tb.hint > 0 {
		rows = max(2, min(tb.hint, 256))
	}
	if tb.ownedHint > 0 {
		vals = max(2, min(tb.ownedHint, 256)) * tb.arity
	}
	tb.rows, tb.arena = nil, nil
	tb.sortedN, tb.searchN = 0, 0
	tb.set.reset()
	for _, ix := range tb.idx {
		ix.head.reset()
		if cap(ix.next) > max(1024, 4*len(ix.next)) {
			ix.next = nil
		} else {
			ix.next = ix.next[:0]
		}
	}
	return vals, rows
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
