package eval

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// The tick's side of incremental aggregates (incragg.go): evaluating an
// eligible rule from its State's memo, and handing the next State its.

// incrTick is one eligible rule a tick evaluated from a memo, with its
// groups over the tick's relation.
type incrTick struct {
	ia *incrAgg
	m  *aggMemo
}

// incrAggregate evaluates aggregate rule r from the State's memo of it
// when it can, reporting whether it did.
func (e *engine) incrAggregate(r *analysis.Rule) (bool, error) {
	st := e.stIn
	if st == nil || (e.memo != nil && r.ID < len(e.memo.skip) && e.memo.skip[r.ID]) {
		return false, nil // memoised rules are skipped whole (memo.go)
	}
	if e.incr == nil {
		e.incr = map[*analysis.Rule]*incrAgg{}
	}
	ia, ok := e.incr[r]
	if !ok {
		ia = asIncrAgg(r)
		e.incr[r] = ia
	}
	if ia != nil && !ok {
		ia.lazy = lazyHead(e.w.prog, e.comp, r)
	}
	if ia == nil || (e.maintMin > 0 && st.Len() < e.maintMin) {
		// Below the size at which relations are maintained, keeping
		// groups costs more than aggregating the few rows again; the
		// memo is worked out from the State once it is large enough.
		return false, nil
	}
	// The relation's table starts with the State's rows, shared
	// (loadState); what follows them is new in this tick.
	var rows, loaded []value.Tuple
	if t := e.tables[ia.rel]; t != nil {
		t.force() // an aggregate's promised head rows (aggrows.go)
		rows, loaded = t.rows, t.loaded
	}
	old := st.relOf(ia.rel).rows // run and tail: the groups do not depend on the rows' order
	if len(old) > 0 && (len(loaded) != len(old) || &loaded[0] != &old[0]) {
		return false, nil
	}
	if len(rows)-len(old) > len(old) {
		// More new rows than carried ones (a relation the State does not
		// carry, like a per-tick join result): sorting them into groups
		// costs more than the full path's hashing, and there is little
		// to reuse.
		return false, nil
	}
	from := st.aggMemo(ia)
	if from == nil {
		return false, nil // a sum over a value that is not an int: the full path says so
	}
	m, d, ok := ia.applyDelta(from, rows[len(old):], nil, nil)
	if !ok {
		return false, nil
	}
	e.dd1[r.Head.Rel] = d // the change from the State's groups (maint.go)
	e.incrDone = append(e.incrDone, incrTick{ia: ia, m: m})
	if m.groups.Len() == 0 {
		return true, nil
	}
	e.w.fire(r) // the rule produced head tuples (Result.Fired)
	t, err := e.table(r.Head.Rel, len(r.Head.Args), r.Pos)
	if err != nil {
		return true, err
	}
	if t.size() > 0 {
		rows, _ := m.rowsOf(ia)
		for _, h := range rows {
			if err := e.insert(t, h, true); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	// Sorted and distinct, as loadSorted needs: the memo keeps its head
	// tuples in the head's layout and order (incragg.go).
	n := m.groups.Len()
	if ia.lazy {
		t.promise(n, func() []value.Tuple { rows, _ := m.rowsOf(ia); return rows })
	} else {
		rows, _ := m.rowsOf(ia)
		t.loadSorted(rows)
	}
	e.facts += n
	e.derived += n
	if e.facts > e.w.lim.MaxFacts {
		return true, e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
	}
	return true, nil
}

// carryAggs gives res.State the memo of every eligible rule over the
// next State's relation: the tick's own when the relation carried over
// unchanged, else updated from the rows it gained and lost, unless more
// changed than remains (then the first tick from the State builds it).
func (e *engine) carryAggs(facts relSet, res *Result) {
	if len(e.incrDone) == 0 {
		return
	}
	aggs := make(aggMemos, len(e.incrDone))
	for _, it := range e.incrDone { // evaluation order; each rule once
		next := res.State.rels.get(it.ia.rel)
		var m *aggMemo
		ok := true
		switch cur := facts.get(it.ia.rel); {
		case sameRel(cur, next):
			m = it.m
			e.dd2[it.ia.rule.Head.Rel] = dDelta{ok: true}
		default:
			added, removed := e.nextDiff(it.ia.rel, cur, next)
			if len(added)+len(removed) > len(next.rows) {
				// Cheaper to rebuild from next, and only if a tick
				// starts from the State (aggMemo): e.g. a GC rule that
				// dropped most of the relation.
				continue
			}
			var d dDelta
			m, d, ok = it.ia.applyDelta(it.m, added, removed, next.rows) // all: read in any order (recompute)
			e.dd2[it.ia.rule.Head.Rel] = d
		}
		if ok {
			aggs[it.ia.rule] = m
		}
	}
	res.State.aggs.Store(&aggs)
}

// aggMemos holds a State's aggregate memos by rule.
type aggMemos map[*analysis.Rule]*aggMemo

// aggMemo returns the memo of ia's rule over s's relation, building it
// and publishing it in s when no tick has yet (a State made by NewState
// or by a tick that could not keep it). Concurrent ticks may both build
// it; they build the same memo, and either may be kept. nil when it
// cannot be kept (a sum meets a value that is not an int).
func (s *State) aggMemo(ia *incrAgg) *aggMemo {
	cur := s.aggs.Load()
	if cur != nil {
		if m := (*cur)[ia.rule]; m != nil {
			return m
		}
	}
	m, ok := ia.apply(&aggMemo{}, s.relOf(ia.rel).rows, nil, nil)
	if !ok {
		return nil
	}
	for {
		next := aggMemos{ia.rule: m}
		if cur != nil {
			for r, x := range *cur { // copying a map: order-free
				next[r] = x
			}
		}
		if s.aggs.CompareAndSwap(cur, &next) {
			return m
		}
		cur = s.aggs.Load()
		if cur != nil && (*cur)[ia.rule] != nil {
			return (*cur)[ia.rule]
		}
	}
}
