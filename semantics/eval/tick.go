package eval

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// engine is the state of one Tick: the tick's tables plus the tables of
// facts for the next tick and of messages to send.
type engine struct {
	w       *world
	comp    *analysis.Component
	tables  map[string]*table // this tick's facts; looked up, never iterated into results
	order   []*table          // the tables by name (loops over them need no look-ups; the tick's relSet is built in this order)
	out     outbox
	facts   int // facts stored across all tables (for MaxFacts)
	derived int
	plans   map[planKey]*plan // delta plans, compiled once per engine, reused by later ticks
	// fullPlans holds each rule's full plan by rule ID (see cachedPlan).
	fullPlans []*plan
	agg       aggScratch     // buffers of aggregate rules, reused
	slab      slab           // first storage of this tick's tables (see slab.go)
	strata    []*stratumPlan // per stratum, built on the first tick that evaluates it

	lastTable *table // addFact's table of the previous fact
	world     world  // e.w points here during a tick

	// The component's :+, persistence and :~ rules, split on the first
	// tick: persistence rules evaluated over sorted rows (persist.go),
	// and the rest, evaluated into the outbox.
	splitDone bool
	carry     []*carryRule
	toOutbox  []*analysis.Rule
	fed       fedPlan         // outbox rules fed by a change (fed.go)
	carried   []carriedRel    // this tick's carry results, one per carried relation; reused
	drops     [][]value.Tuple // this tick's dropped rows, cleared at its end (persist.go)
	runs      []int           // carriedByKeys's scratch; reused

	memo   *memoPlan  // the component's state-derived relations (memo.go); built on first use
	memoIn *stateMemo // the memo this tick loaded, nil when it evaluates their rules
	// growing holds, by position in memo.derived, the rows each base
	// relation gained since the older facts of a memo entry this tick
	// brings up to date (memo_grow.go); nil entries: none.
	growing []map[string][]value.Tuple

	incr     map[*analysis.Rule]*incrAgg // eligible aggregate rules (nil: not eligible); built on first use
	stIn     *State                      // the State this tick started from, when it is of this program
	incrDone []incrTick                  // this tick's eligible rules, in evaluation order

	// Maintained relations (maint.go): the component's, built on first
	// use; this tick's state; the changes of relations from the State to
	// the tick (dd1) and from the tick to the next State (dd2) that
	// incremental aggregates and maintained relations report.
	mplan    *maintPlan
	mt       maintTick
	dd1, dd2 map[string]dDelta
	diffs    map[string]dDelta // nextDiff's, this tick
	maintMin int               // Evaluator.maintMin
	tailMin  int               // Evaluator.tailMin
}

func (e *engine) tick(in Input) (*Result, error) {
	w := e.w
	e.out.init(w)
	e.out.slab = &e.slab
	carried := in.Carried
	e.memoIn = nil
	clear(e.growing)
	e.stIn, e.incrDone = nil, e.incrDone[:0]
	var memoFrom *State // the State whose memo this tick uses or makes
	var memoInputs []int
	if st := in.State; st != nil && st.prog == w.prog {
		// A State of this program is canonical and checked: its
		// relations are loaded whole, shared (see table.loadSorted).
		if err := e.loadState(st); err != nil {
			return nil, err
		}
		e.stIn = st
		if e.memo == nil {
			e.memo = planMemo(e.comp)
		}
		if e.memo.usable(in.Delivered) {
			memoFrom = st
			if m := st.memo.p.Load(); m != nil && m.fits(w.node) {
				e.memoIn = m
				if err := e.loadMemo(m); err != nil {
					return nil, err
				}
			}
		}
	} else {
		if st != nil {
			carried = st.Facts()
		}
		e.reserveCarried(carried)
	}
	e.startMaint(e.stIn, in.Delivered)
	if err := loadInputs(w, e.comp, carried, false, in.Delivered, e.addFact); err != nil {
		return nil, err
	}
	if memoFrom != nil && (e.memoIn == nil || !e.memoIn.complete()) {
		memoInputs = make([]int, len(e.memo.derived))
		for i, name := range e.memo.derived {
			if t := e.tables[name]; t != nil {
				memoInputs[i] = t.size()
			}
		}
	}
	for si := range e.comp.Strata {
		if err := e.stratum(si, &e.comp.Strata[si]); err != nil {
			return nil, err
		}
	}
	if err := e.splitRules(); err != nil {
		return nil, err
	}
	if err := e.outboxRules(); err != nil { // fed.go
		return nil, err
	}
	n := 0
	for _, t := range e.order {
		if t.size() > 0 {
			n++
		}
	}
	facts := newRelSet(n) // sized up front: growing a map costs more than counting
	for _, t := range e.order {
		switch {
		case t.size() == 0:
		case t.lazy != nil && !e.filtered(t.name):
			// Promised rows nobody read in the tick (aggrows.go): the
			// Result makes them if it is asked for its facts.
			facts.set(t.name, t.lazy.rel())
		case e.filtered(t.name):
			// A garbage-collection rule reads it in canonical order
			// (carryAll): sorted now, with room behind for the next
			// tick (sortedRows), rather than merged later without.
			facts.set(t.name, flatRel(t.sortedRows()))
		default:
			facts.set(t.name, t.relRows(e.tailMin))
		}
	}
	if err := e.carryAll(facts); err != nil {
		return nil, err
	}
	res, err := e.out.result(facts, e.carried, e.derived, e.stIn)
	if err == nil {
		e.unionDiffs()
		res.State.tips = e.nextTips(res.State.rels)
		e.carryAggs(facts, res)
		e.maintNext(facts, res)
		e.fedNext(res)
		e.nextIndexes(facts, res)
	}
	e.releaseDrops()
	if err != nil || memoFrom == nil {
		return res, err
	}
	m := e.memoIn
	if m == nil || memoInputs != nil {
		// Publish the relations the memo did not hold: the State's
		// memo grows from the one this tick loaded (any tick that
		// replaces it adds the same facts).
		m = e.makeMemo(e.memoIn, facts, memoInputs)
		memoFrom.memo.p.CompareAndSwap(e.memoIn, m)
	}
	if next := e.memo.carried(m, memoFrom.rels, res.State.rels); next != nil {
		res.State.memo.p.Store(next)
	}
	return res, nil
}

// splitRules sorts the component's non-Sync rules into carry rules and
// outbox rules, once per engine.
func (e *engine) splitRules() error {
	if e.splitDone {
		return nil
	}
	var carry []*carryRule
	var rest []*analysis.Rule
	for _, r := range e.comp.Rules {
		if r.Kind == analysis.Sync {
			continue
		}
		c, ok := asCarryRule(r)
		if !ok {
			rest = append(rest, r)
			continue
		}
		if err := e.compileCarry(c); err != nil {
			return err
		}
		c.slot = slices.IndexFunc(e.carried, func(p carriedRel) bool { return p.name == c.rel })
		if c.slot < 0 {
			c.slot = len(e.carried)
			e.carried = append(e.carried, carriedRel{name: c.rel})
		}
		carry = append(carry, c)
	}
	e.carry, e.toOutbox, e.splitDone = carry, rest, true
	return nil
}

// filtered reports whether a carry rule with a filter (a
// garbage-collection rule) carries relation name.
func (e *engine) filtered(name string) bool {
	for _, c := range e.carry {
		if c.pl != nil && c.rel == name {
			return true
		}
	}
	return false
}

// loadState loads a State's relations into this tick's tables.
func (e *engine) loadState(st *State) error {
	for _, ent := range st.rels.ents { // sorted by name
		name, r := ent.name, ent.r
		t, err := e.table(name, len(r.rows[0]), syntax.Pos{})
		if err != nil {
			return err
		}
		if len(r.rows) >= e.maintMin {
			t.loadIndexed(r, pixSource{holder: st.stateHolder(name)})
		} else {
			t.loadRel(r)
		}
		t.tip = st.tips[name]
		e.facts += len(r.rows)
		if e.facts > e.w.lim.MaxFacts {
			return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
		}
	}
	return nil
}

// table returns the table of relation name, creating it empty.
func (e *engine) table(name string, arity int, pos syntax.Pos) (*table, error) {
	if t := e.tables[name]; t != nil {
		if t.arity != arity {
			return nil, e.w.errorf(pos, "%s used with %d arguments, but it has %d", name, arity, t.arity)
		}
		return t, nil
	}
	if rel := e.w.prog.Relation(name); rel != nil && rel.Arity() != arity {
		return nil, e.w.errorf(pos, "%s used with %d arguments, but it has %d", name, arity, rel.Arity())
	}
	t := newTable(name, arity)
	t.slab = &e.slab
	e.tables[name] = t
	// In name order, so that the tick's facts (a relSet, sorted by
	// name) are built by appending; tables are made in an engine's
	// first ticks and kept, so the insertion is rare.
	i, _ := slices.BinarySearchFunc(e.order, name, func(t *table, n string) int { return strings.Compare(t.name, n) })
	e.order = slices.Insert(e.order, i, t)
	return t, nil
}

// reserveCarried sizes the tables of carried relations for their facts,
// so loading them does not grow slices step by step. Relations that are
// unknown or used with the wrong arity are left to loadInputs to report.
func (e *engine) reserveCarried(carried FactSet) {
	// Map order only decides which table is sized first; it reaches no
	// result (loadInputs loads carried facts in name order).
	for name, rows := range carried {
		rel := e.w.prog.Relation(name)
		if len(rows) == 0 || rel == nil || rel.Arity() != len(rows[0]) {
			continue
		}
		if t, err := e.table(name, rel.Arity(), syntax.Pos{}); err == nil {
			t.reserve(len(rows))
		}
	}
}

// addFact stores an input fact (static, carried or delivered).
func (e *engine) addFact(f value.Fact) error {
	t := e.lastTable // facts come in runs of one relation
	if t == nil || t.name != f.Rel || t.arity != len(f.Tuple) {
		var err error
		if t, err = e.table(f.Rel, len(f.Tuple), syntax.Pos{}); err != nil {
			return err
		}
		e.lastTable = t
	}
	// Input tuples are shared, not copied: the caller's facts (carried
	// ones are usually the previous Result's) are never mutated.
	if !t.insertShared(f.Tuple) {
		return nil
	}
	return e.counted(false)
}

func (e *engine) insert(t *table, tuple value.Tuple, derived bool) error {
	if !t.insert(tuple) {
		return nil
	}
	return e.counted(derived)
}

// counted accounts for a fact just stored, enforcing MaxFacts.
func (e *engine) counted(derived bool) error {
	e.facts++
	if derived {
		e.derived++
	}
	if e.facts > e.w.lim.MaxFacts {
		return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
	}
	return nil
}

// stratumPlan is what stratum needs beyond the rules, worked out on the
// first tick that evaluates the stratum and reused by the engine's later
// ticks (the program does not change): the semi-naive delta plans, and the
// stratum's relations' tables with their sizes, kept in slices so that a
// round costs no map look-ups.
type stratumPlan struct {
	deltas []deltaPlan
	tables []*table // by position in Stratum.Relations; nil until created
	marks  []int    // sizes now
	prev   []int    // sizes at the start of the previous round
}

type deltaPlan struct {
	rel int // position in Stratum.Relations
	pl  *plan
}

// stratum evaluates one stratum's rules to a fixpoint, semi-naively.
func (e *engine) stratum(si int, s *analysis.Stratum) error {
	if si >= len(e.strata) {
		e.strata = append(e.strata, make([]*stratumPlan, si+1-len(e.strata))...)
	}
	if e.mt.on {
		if m := e.mplan.byStrat[si]; m != nil {
			return e.maintStratum(m)
		}
	}
	sp := e.strata[si]
	if sp == nil {
		if err := e.checkStratum(s); err != nil {
			return err
		}
	}
	// Round 0: aggregate rules (their inputs are complete, being in lower
	// strata), then every other rule over the full relations.
	for _, r := range s.Rules {
		if r.Head.HasAggregate {
			if err := e.evalOnce(r, false); err != nil {
				return err
			}
		}
	}
	if sp != nil {
		sp.mark(e, s)
		for _, r := range s.Rules {
			if r.Head.HasAggregate {
				continue
			}
			if err := e.evalOnce(r, false); err != nil {
				return err
			}
		}
	} else {
		sp = &stratumPlan{
			tables: make([]*table, len(s.Relations)),
			marks:  make([]int, len(s.Relations)),
			prev:   make([]int, len(s.Relations)),
		}
		// The stratum's tables exist from the start, so that mark finds
		// them without a look-up by name (a rule skipped for empty inputs
		// creates its head's table late).
		for i, name := range s.Relations {
			if rel := e.w.prog.Relation(name); rel != nil {
				if t, err := e.table(name, rel.Arity(), syntax.Pos{}); err == nil {
					sp.tables[i] = t
				}
			}
		}
		sp.mark(e, s)
		if err := e.firstRound(s, sp); err != nil {
			return err
		}
		e.strata[si] = sp // only once the delta plans all compiled
	}
	copy(sp.prev, sp.marks)
	for round := 1; ; round++ {
		// prev: sizes at the start of the previous round; marks: sizes
		// now. The previous round's new facts, rows [prev, marks), are
		// this round's delta.
		copy(sp.prev, sp.marks)
		if !sp.mark(e, s) {
			return nil
		}
		if round >= e.w.lim.MaxIterations {
			return e.w.limitErr("MaxIterations", e.w.lim.MaxIterations)
		}
		for _, d := range sp.deltas {
			lo, hi := sp.prev[d.rel], sp.marks[d.rel]
			if lo == hi || e.skips(d.pl.rule) {
				continue
			}
			d.pl.steps[0].lo, d.pl.steps[0].hi = lo, hi
			if err := d.pl.start(); err != nil {
				return err
			}
		}
	}
}

// checkStratum rejects a stratum that reads one of its own relations
// through negation or aggregation (analysis should have prevented it).
func (e *engine) checkStratum(s *analysis.Stratum) error {
	for _, r := range s.Rules {
		for i := range r.Body {
			l := &r.Body[i]
			if (l.Kind == analysis.LitNegated || r.Head.HasAggregate && l.Kind == analysis.LitAtom) && slices.Contains(s.Relations, l.Rel) {
				return e.w.errorf(l.Pos, "internal: %s is read through negation or aggregation in its own stratum", l.Rel)
			}
		}
	}
	return nil
}

// firstRound evaluates the non-aggregate rules of s over the full
// relations, compiling the delta plans of their atoms over s's relations.
func (e *engine) firstRound(s *analysis.Stratum, sp *stratumPlan) error {
	for _, r := range s.Rules {
		if r.Head.HasAggregate {
			continue
		}
		if err := e.evalOnce(r, false); err != nil {
			return err
		}
		for pi, li := range r.Plan {
			l := &r.Body[li]
			rel := slices.Index(s.Relations, l.Rel)
			if l.Kind != analysis.LitAtom || rel < 0 {
				continue
			}
			pl, err := e.cachedPlan(r, pi, func() (*plan, error) {
				order := append([]int{li}, r.Plan[:pi]...)
				order = append(order, r.Plan[pi+1:]...)
				pl, err := e.compilePlan(r, order, true)
				if err != nil {
					return nil, err
				}
				pl.sink, err = e.syncSink(pl)
				return pl, err
			})
			if err != nil {
				return err
			}
			sp.deltas = append(sp.deltas, deltaPlan{rel: rel, pl: pl})
		}
	}
	return nil
}

// mark records the current sizes of the stratum's relations and reports
// whether any grew since the last mark.
func (sp *stratumPlan) mark(e *engine, s *analysis.Stratum) (grew bool) {
	for i, t := range sp.tables {
		if t == nil {
			if t = e.tables[s.Relations[i]]; t == nil {
				if sp.marks[i] != 0 {
					grew = true
				}
				sp.marks[i] = 0
				continue
			}
			sp.tables[i] = t
		}
		if n := t.size(); n != sp.marks[i] {
			grew = true
			sp.marks[i] = n
		}
	}
	return grew
}

// evalOnce evaluates rule r over the current relations once, deriving
// into this tick's tables, or into the outbox (next tick's facts,
// messages) when toOutbox is set.
func (e *engine) evalOnce(r *analysis.Rule, toOutbox bool) error {
	pl, err := e.cachedPlan(r, fullPlan, func() (*plan, error) {
		return e.compilePlan(r, r.Plan, false)
	})
	if err != nil || e.skips(r) { // a skipped rule's facts are loaded from the memo
		return err
	}
	if adds := e.growthFor(r); adds != nil && !toOutbox {
		if e.growRule(r, adds) == nil {
			return nil
		}
		// An error: the full path meets it too, and reports the first
		// failing binding in plan order as it always does.
	}
	if !r.Head.HasAggregate {
		if pl.noBindings() {
			return nil
		}
		// A rule is evaluated here either always into the tables or
		// always into the outbox, so its sink is built once with the plan.
		if pl.sink == nil {
			if toOutbox {
				pl.sink = e.rowSink(pl, e.out.sinkFor(r))
			} else if pl.sink, err = e.syncSink(pl); err != nil {
				return err
			}
		}
		return pl.start()
	}
	if !toOutbox {
		if done, err := e.incrAggregate(r); done || err != nil {
			return err
		}
	}
	if pl.noBindings() {
		return nil // no rows, no groups (after incrAggregate, which keeps its groups)
	}
	var sink func(headOut) error
	if toOutbox {
		sink = e.out.sinkFor(r)
	} else {
		t, err := e.table(r.Head.Rel, len(r.Head.Args), r.Pos)
		if err != nil {
			return err
		}
		sink = func(o headOut) error { e.w.fire(r); return e.insert(t, o.Tuple, true) }
	}
	rows, err := e.collectRows(pl)
	if err != nil {
		return err
	}
	outs, err := e.aggregateHashed(r, rows)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if err := sink(o); err != nil {
			return err
		}
	}
	return nil
}

// syncSink derives a Sync rule's head into this tick's tables.
func (e *engine) syncSink(pl *plan) (func() error, error) {
	r := pl.rule
	t, err := e.table(r.Head.Rel, len(r.Head.Args), r.Pos)
	if err != nil {
		return nil, err
	}
	buf := make(value.Tuple, 0, len(r.Head.Args))
	return func() error {
		tuple, ok, err := e.w.headTuple(r, pl.env, buf)
		if !ok || err != nil {
			return err
		}
		if t.arity != len(tuple) {
			return e.w.errorf(r.Pos, "%s derived with %d arguments, but it has %d", r.Head.Rel, len(tuple), t.arity)
		}
		e.w.fire(r)
		return e.insert(t, tuple, true)
	}, nil
}

// rowSink turns each body binding into a head tuple (and destination) for
// a non-aggregate :+ or :~ rule.
func (e *engine) rowSink(pl *plan, sink func(headOut) error) func() error {
	r := pl.rule
	buf := make(value.Tuple, 0, len(r.Head.Args))
	return func() error {
		var o headOut
		if r.Head.At != nil {
			to, ok, err := e.w.destination(r.Head.At, pl.env)
			if !ok || err != nil {
				return err
			}
			o.To = to
		}
		tuple, ok, err := e.w.headTuple(r, pl.env, buf)
		if !ok || err != nil {
			return err
		}
		o.Tuple = tuple
		return sink(o)
	}
}

// checkFact checks f against its relation's arity and column types; at
// and from say where it came from ("node a[0]: " and "carried"; at is a
// func so that the common case, no error, formats nothing).
func checkFact(p *analysis.Program, f value.Fact, at func() string, from string) error {
	rel := p.Relation(f.Rel)
	if rel == nil {
		return fmt.Errorf("eval: %s%s fact %s: the program has no relation %q", at(), from, f, f.Rel)
	}
	if rel.Arity() != len(f.Tuple) {
		return fmt.Errorf("eval: %s%s fact %s: %s has %d columns", at(), from, f, f.Rel, rel.Arity())
	}
	for i, c := range rel.Columns {
		if c.Type != value.KindInvalid && f.Tuple[i].K != c.Type {
			return fmt.Errorf("eval: %s%s fact %s: column %d is a %s, got %s", at(), from, f, i+1, c.Type, f.Tuple[i].K)
		}
	}
	return nil
}

// loadInputs feeds the tick's starting facts to add: the component's
// static facts, the carried facts (in relation-name order) and the
// delivered facts. Unknown relations and arity mismatches are errors;
// carried facts are not checked when checked says a tick of this program
// made them.
func loadInputs(w *world, comp *analysis.Component, carried FactSet, checked bool, delivered []value.Fact, add func(value.Fact) error) error {
	at := func() string { return "node " + w.node.Addr.String() + ": " }
	check := func(f value.Fact, from string) error {
		if err := checkFact(w.prog, f, at, from); err != nil {
			return err
		}
		return add(f)
	}
	for _, f := range comp.Facts {
		if err := check(f, "static"); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(carried) {
		for _, t := range carried[name] {
			f := value.Fact{Rel: name, Tuple: t}
			if checked {
				if err := add(f); err != nil {
					return err
				}
				continue
			}
			if err := check(f, "carried"); err != nil {
				return err
			}
		}
	}
	for _, f := range delivered {
		if err := check(f, "delivered"); err != nil {
			return err
		}
	}
	return nil
}
