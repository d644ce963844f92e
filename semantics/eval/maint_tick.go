package eval

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// The tick's side of maintained relations (maint.go): pass 1 computes
// each maintained relation's tick value from its State's memo during the
// stratum loop; pass 2, once the Result is made, the next State's memo.

// maintMemos is what a State keeps of its maintained relations, for the
// node whose tick made it (the rules may read the node's address and
// topology through built-ins).
type maintMemos struct {
	node   value.Addr
	counts map[string]int
	rels   map[string]*cntMemo
	// fed has a bit set per pair of fed.go whose invariant the State
	// holds (its b's value is in its h).
	fed uint64
}

func (m *maintMemos) fits(node Node) bool {
	return m != nil && m.node == node.Addr && maps.Equal(m.counts, node.Topology.Counts)
}

// maintDeltaTicks counts the relations pass 1 took from a memo, and
// maintFullTicks those it evaluated in full, for the tests (they reach no
// result).
var maintDeltaTicks, maintFullTicks atomic.Int64

// maintTick is one tick's maintenance state.
type maintTick struct {
	on   bool        // maintenance runs this tick
	used bool        // pass 1 ran
	from *maintMemos // the State's memos (nil if none fit)
	tval []*cntMemo  // tick values with counts, by mRel.idx
	// the inputs' changes, by position in maintPlan.inputs, worked out
	// once per tick: pass 1 (State to tick) and pass 2 (tick to next State)
	d           [2][]dDelta
	have        [2][]bool
	in          []value.Fact        // the tick's deliveries
	memo        bool                // the state-derived memo is usable this tick
	acc         *table              // accumulator of the rule being evaluated
	accN        []int64             // its counts by row
	fire        []int64             // its rules' derivation counts
	ri          int                 // position of the rule being evaluated
	sign        int64               // sign of the rows being scanned
	full        bool                // maintFull is counting (MaxFacts is checked as rows are found)
	pub         map[string]*cntMemo // the State's values worked out backwards (nil: it has memos)
	facts, next relSet              // pass 2: the tick's facts and the next State's

	// scratch, reused across ticks (nothing a memo keeps)
	drives []drive
	ids    []int
	keys   []value.Tuple
	keysHi int // the longest keys got since startMaint (what to clear)
	cnt    []int64
}

// drive is a rule with its one changed literal (position j in lits).
type drive struct {
	mr *mRule
	ri int
	j  int
	d  dDelta
	// j2 is the rule's second changed literal (j2 > j), with its change
	// d2, when two changed (maint_pair.go); -1 otherwise.
	j2 int
	d2 dDelta
}

// startMaint prepares maintenance for a tick from State st (nil: none).
func (e *engine) startMaint(st *State, delivered []value.Fact) {
	mt := &e.mt
	*mt = maintTick{tval: mt.tval, d: mt.d, have: mt.have, on: st != nil && (e.maintMin == 0 || st.Len() >= e.maintMin), drives: mt.drives[:0], ids: mt.ids[:0], keys: clearTuples(mt.keys, mt.keysHi), cnt: mt.cnt[:0], accN: mt.accN[:0], fire: mt.fire[:0]}
	if e.dd1 == nil {
		e.dd1, e.dd2 = map[string]dDelta{}, map[string]dDelta{}
	}
	clear(mt.tval)
	for p := range mt.d {
		clear(mt.d[p])
		clear(mt.have[p])
	}
	clear(e.dd1)
	clear(e.dd2)
	clear(e.diffs)
	if !mt.on {
		return
	}
	if e.mplan == nil {
		e.mplan = planMaint(e.comp, e.memo, func(r *analysis.Rule) bool { return asIncrAgg(r) != nil })
		mt.tval = make([]*cntMemo, len(e.mplan.rels))
		for p := range mt.d {
			mt.d[p] = make([]dDelta, len(e.mplan.inputs))
			mt.have[p] = make([]bool, len(e.mplan.inputs))
		}
	}
	if len(e.mplan.rels) == 0 {
		mt.on = false
		return
	}
	for _, f := range delivered { // a delivered fact of a static relation: deltas unknown
		if _, ok := slices.BinarySearch(e.mplan.statics, f.Rel); ok {
			mt.on = false
			return
		}
	}
	switch m := st.maint.Load(); {
	case m.fits(e.w.node):
		mt.from = m
	case m == nil:
		mt.pub = map[string]*cntMemo{}
	}
	mt.in, mt.memo = delivered, e.memo.usable(delivered)
}

// maintStratum evaluates maintained relation m's stratum (pass 1).
func (e *engine) maintStratum(m *mRel) error {
	mt := &e.mt
	mt.used = true
	r0 := m.rules[0].rule
	t, err := e.table(m.rel, len(r0.Head.Args), r0.Pos)
	if err != nil {
		return err
	}
	var from *cntMemo
	if mt.from != nil {
		from = mt.from.rels[m.rel]
	}
	if len(t.rows) > 0 { // delivered facts of it: not maintained this tick
		for _, mr := range m.rules {
			if err := e.evalOnce(mr.rule, false); err != nil {
				return err
			}
		}
		return nil
	}
	var tv *cntMemo
	d := dDelta{}
	if from != nil {
		// An error on the delta path is met again on the full path,
		// which reports it as the rest of the evaluator would (the
		// first binding in plan order that fails): the bindings the
		// delta path visits are a subset of the tick's.
		if tv, d, err = e.maintDelta(m, from, 0, false); err != nil {
			tv = nil
		} else if tv != nil {
			maintDeltaTicks.Add(1)
		}
	}
	if tv == nil {
		maintFullTicks.Add(1)
		if tv, err = e.maintFull(m); err != nil {
			return err
		}
		switch {
		case from != nil:
			d.add, d.del = diffRels(from.rel(), tv.rel())
			d.ok = true
		case mt.pub != nil:
			// The State has no memos: its value of m is the tick's
			// less what the inputs' changes from the State brought,
			// the same driver plans run backwards. Published in the
			// State once the tick is done, for the ticks that follow
			// from it (the checker starts many from one snapshot).
			sv, back, err := e.maintDelta(m, tv, 0, true)
			if err == nil && sv != nil {
				mt.pub[m.rel] = sv
				d = dDelta{ok: true, add: back.del, del: back.add}
			}
		}
	}
	e.dd1[m.rel] = d
	mt.tval[m.idx] = tv
	for i, n := range tv.fired {
		if n > 0 {
			e.w.fire(m.rules[i].rule)
		}
	}
	if len(tv.rows) == 0 {
		return nil
	}
	switch {
	case len(tv.rows) < e.maintMin || from == nil || !d.ok:
		// Small, or a value no State keeps (none to derive its tries
		// from, and perhaps none to pass them on to): indexed per tick.
		t.loadRel(tv.rel())
	case from == tv:
		t.loadIndexed(tv.rel(), pixSource{holder: &tv.ix}) // the State's own value
		t.pixMaint = true
	default:
		t.loadIndexed(tv.rel(), pixSource{holder: &tv.ix, from: &from.ix, fromRows: from.rows, add: d.add, del: d.del})
		t.pixMaint = true
	}
	e.facts += len(tv.rows)
	e.derived += len(tv.rows)
	if e.facts > e.w.lim.MaxFacts {
		return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
	}
	return nil
}

// maintFull evaluates m's rules over the tick's relations, counting
// derivations.
func (e *engine) maintFull(m *mRel) (*cntMemo, error) {
	e.startAcc(m)
	for ri, mr := range m.rules {
		if mr.full == nil {
			pl, err := e.compilePlan(mr.rule, mr.rule.Plan, false)
			if err != nil {
				return nil, err
			}
			pl.sink = e.countSink(pl, mr)
			mr.full = pl
		}
		e.mt.ri, e.mt.sign, e.mt.full = ri, 1, true
		err := mr.full.start()
		e.mt.full = false
		if err != nil {
			return nil, err
		}
	}
	keys, cnt := e.accSorted()
	return &cntMemo{rows: slices.Clip(slices.Clone(keys)), sortedN: len(keys), cnt: newMemoSeq(keys, cnt), fired: slices.Clone(e.mt.fire)}, nil
}

// maintDelta computes m's value from from, its value before, and the
// changes of its rules' inputs as delta reports them. It returns nil (no
// error) when a change is not known, a rule has more than two changed
// literals, or two of which one is negated.
func (e *engine) maintDelta(m *mRel, from *cntMemo, pass int, invert bool) (*cntMemo, dDelta, error) {
	drives := e.mt.drives[:0]
	for ri, mr := range m.rules {
		changed, changed2 := -1, -1
		var cd, cd2 dDelta
		for j := range mr.lits {
			d := e.inDelta(pass, mr.in[j])
			if invert {
				d.add, d.del = d.del, d.add
			}
			if !d.ok || !d.empty() && changed2 >= 0 {
				return nil, dDelta{}, nil
			}
			switch {
			case d.empty():
			case changed < 0:
				changed, cd = j, d
			default:
				changed2, cd2 = j, d
			}
		}
		if changed < 0 {
			continue
		}
		if changed2 >= 0 {
			if !pairDrivable(mr, changed, changed2) {
				return nil, dDelta{}, nil
			}
			drives = append(drives, drive{mr: mr, ri: ri, j: changed, d: cd, j2: changed2, d2: cd2})
			continue
		}
		if l := &mr.rule.Body[mr.lits[changed]]; !canDrive(l) {
			var ok bool
			if cd, ok = e.keyFlips(pass, invert, l, mr.kinds[changed], cd); !ok {
				return nil, dDelta{}, nil
			}
		}
		drives = append(drives, drive{mr: mr, ri: ri, j: changed, d: cd, j2: -1})
	}
	e.mt.drives = drives
	if len(drives) == 0 {
		return from, dDelta{ok: true}, nil
	}
	e.startAcc(m)
	// The tables hold the new values of the inputs in pass 0 forwards,
	// the old ones otherwise (pass 1, and pass 0 run backwards).
	tablesNew := pass == 0 && !invert
	for _, dr := range drives {
		if dr.j2 >= 0 {
			if err := e.drivePair(dr, tablesNew); err != nil {
				return nil, dDelta{}, err
			}
			continue
		}
		pl, err := e.driverPlan(dr.mr, dr.j)
		if err != nil {
			return nil, dDelta{}, err
		}
		e.mt.ri = dr.ri
		if err := e.runDriver(pl, dr.d, 1); err != nil {
			return nil, dDelta{}, err
		}
	}
	keys, dc := e.accSorted()
	next, add, del, ok := mergeCounts(from, keys, dc)
	if !ok {
		return nil, dDelta{}, nil
	}
	fired := from.fired
	for i, n := range e.mt.fire {
		if n != 0 {
			if &fired[0] == &from.fired[0] {
				fired = slices.Clone(from.fired)
			}
			fired[i] += n
		}
	}
	next.fired = fired
	return next, dDelta{ok: true, add: add, del: del}, nil
}

// driverPlan returns mr's plan with literal j first, scanning given rows.
func (e *engine) driverPlan(mr *mRule, j int) (*plan, error) {
	if mr.driver == nil {
		mr.driver = make([]*plan, len(mr.lits))
	}
	if pl := mr.driver[j]; pl != nil {
		return pl, nil
	}
	r, li := mr.rule, mr.lits[j]
	order := []int{li}
	for _, x := range r.Plan {
		if x != li {
			order = append(order, x)
		}
	}
	pl, err := e.compilePlanX(r, order, true, r.Body[li].Kind == analysis.LitNegated)
	if err != nil {
		return nil, err
	}
	pl.sink = e.countSink(pl, mr)
	mr.driver[j] = pl
	return pl, nil
}

// countSink adds the current sign to the count of the head tuple of each
// binding (and to the rule's derivations).
func (e *engine) countSink(pl *plan, mr *mRule) func() error {
	r := pl.rule
	return func() error {
		tuple, ok, err := e.w.headTuple(r, pl.env, mr.buf[:0])
		if !ok || err != nil {
			return err
		}
		mr.buf = tuple[:0]
		mt := &e.mt
		if mt.acc.arity != len(tuple) {
			return e.w.errorf(r.Pos, "%s derived with %d arguments, but it has %d", r.Head.Rel, len(tuple), mt.acc.arity)
		}
		row := mt.acc.find(tuple)
		if row < 0 {
			if mt.full && e.facts+len(mt.acc.rows) >= e.w.lim.MaxFacts {
				// As the full path's insert would: the limit
				// is met at the same binding.
				return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
			}
			row = len(mt.acc.rows)
			mt.acc.insert(tuple)
			mt.accN = append(mt.accN, 0)
		}
		mt.accN[row] += mt.sign
		mt.fire[mt.ri] += mt.sign
		return nil
	}
}

// startAcc empties the accumulator for relation m.
func (e *engine) startAcc(m *mRel) {
	mt := &e.mt
	if m.acc == nil {
		m.acc = newTable(m.rel, len(m.rules[0].rule.Head.Args))
	}
	m.acc.reset() // its rows may live on in a memo: dropped, never reused
	mt.acc = m.acc
	mt.accN = mt.accN[:0]
	mt.fire = slices.Grow(mt.fire[:0], len(m.rules))[:len(m.rules)]
	clear(mt.fire)
}

// accSorted returns the accumulator's tuples in order with their nonzero
// counts.
func (e *engine) accSorted() ([]value.Tuple, []int64) {
	mt := &e.mt
	ids := mt.ids[:0]
	for i, n := range mt.accN {
		if n != 0 {
			ids = append(ids, i)
		}
	}
	if len(ids) > 1 {
		slices.SortFunc(ids, func(a, b int) int { return compareTuples(mt.acc.rows[a], mt.acc.rows[b]) })
	}
	keys, cnt := mt.keys[:0], mt.cnt[:0]
	for _, i := range ids {
		keys, cnt = append(keys, mt.acc.rows[i]), append(cnt, mt.accN[i])
	}
	mt.ids, mt.keys, mt.cnt = ids, keys, cnt
	mt.keysHi = max(mt.keysHi, len(keys))
	return keys, cnt
}

// inDelta returns input i's change in the given pass, working it out on
// first use in the tick.
func (e *engine) inDelta(pass, i int) dDelta {
	mt := &e.mt
	if !mt.have[pass][i] {
		in := &e.mplan.inputs[i]
		if pass == 0 {
			mt.d[0][i] = e.delta1(in.rel, in.kind)
		} else {
			mt.d[1][i] = e.delta2(in.rel, in.kind)
		}
		mt.have[pass][i] = true
	}
	return mt.d[pass][i]
}

// delta1 is a relation's change from the State to the tick (pass 1).
func (e *engine) delta1(rel string, k mKind) dDelta {
	switch k {
	case kStatic:
		return dDelta{ok: true} // startMaint checked the deliveries
	case kState:
		return dDelta{ok: e.mt.memo}
	case kAgg, kMaint:
		return e.dd1[rel] // absent: not known
	}
	old := e.stIn.relOf(rel).rows
	t := e.tables[rel]
	if t == nil {
		return dDelta{ok: len(old) == 0}
	}
	if len(old) > 0 && (len(t.loaded) != len(old) || &t.loaded[0] != &old[0]) || len(old) == 0 && len(t.loaded) > 0 {
		return dDelta{}
	}
	return dDelta{ok: true, add: t.rows[len(old):]}
}

// delta2 is a relation's change from the tick to the next State (pass 2).
func (e *engine) delta2(rel string, k mKind) dDelta {
	mt := &e.mt
	switch k {
	case kStatic:
		return dDelta{ok: true}
	case kState:
		i, _ := slices.BinarySearch(e.memo.derived, rel)
		return dDelta{ok: mt.memo && e.memo.carriesRel(i, e.stIn.rels, mt.next)}
	case kAgg, kMaint:
		return e.dd2[rel]
	}
	cur, next := mt.facts.get(rel), mt.next.get(rel)
	if sameRel(cur, next) {
		return dDelta{ok: true}
	}
	add, del := e.nextDiff(rel, cur, next)
	return dDelta{ok: true, add: add, del: del}
}

// maintNext runs pass 2: the next State's memos, from the tick's values
// and the changes from the tick (facts) to the next State.
func (e *engine) maintNext(facts relSet, res *Result) {
	mt := &e.mt
	if !mt.on || !mt.used {
		return
	}
	mt.facts, mt.next = facts, res.State.rels
	var next map[string]*cntMemo
	same := mt.from != nil // every memo as the State's: share its maintMemos
	for _, m := range e.mplan.rels {
		tv := mt.tval[m.idx]
		if tv == nil {
			same = false
			continue
		}
		nv, d, err := e.maintDelta(m, tv, 1, false)
		if err != nil || nv == nil {
			same = false
			continue // the next State has no memo of m: its first tick counts in full
		}
		e.dd2[m.rel] = d
		if next == nil {
			next = make(map[string]*cntMemo, len(e.mplan.rels))
		}
		next[m.rel] = nv
		same = same && mt.from.rels[m.rel] == nv
	}
	mt.facts, mt.next = relSet{}, relSet{}
	switch {
	case same && len(next) == len(mt.from.rels):
		res.State.maint.Store(mt.from)
	case len(next) > 0:
		res.State.maint.Store(e.newMaintMemos(next))
	}
	if len(mt.pub) > 0 {
		// Ticks from one State may run at once: the first to publish
		// wins; they worked out the same values.
		e.stIn.maint.CompareAndSwap(nil, e.newMaintMemos(mt.pub))
	}
}

func (e *engine) newMaintMemos(rels map[string]*cntMemo) *maintMemos {
	m := &maintMemos{node: e.w.node.Addr, counts: e.w.node.Topology.Counts, rels: rels}
	if from := e.mt.from; from != nil && maps.Equal(from.counts, m.counts) {
		m.counts = from.counts // shared: never modified
	} else {
		m.counts = maps.Clone(m.counts)
	}
	return m
}

// clearTuples empties a scratch slice of tuples, dropping its references
// (they belong to memos and results): the first n, all it held since it
// was last cleared. Clearing all of its capacity instead cost a large
// tick's worth on every later small one.
func clearTuples(ts []value.Tuple, n int) []value.Tuple {
	clear(ts[:n])
	return ts[:0]
}

// nextDiff is diffSorted(cur, next) for relation rel's tick rows and the
// next State's, worked out once per tick (incremental aggregates and
// maintained relations over rel both need it).
func (e *engine) nextDiff(name string, cur, next rel) (added, removed []value.Tuple) {
	if d, ok := e.diffs[name]; ok {
		if checkCarryDiffs.Load() {
			checkDiff(name, d, cur.sorted(), next.sorted())
		}
		return d.add, d.del
	}
	added, removed = diffRels(cur, next)
	if e.diffs == nil {
		e.diffs = map[string]dDelta{}
	}
	e.diffs[name] = dDelta{ok: true, add: added, del: removed}
	return added, removed
}
