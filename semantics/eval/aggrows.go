package eval

import (
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// An aggregate memo's rows, made on demand. A group whose aggregate
// changes moves its head tuple in the middle of the sorted rows (the 2PC
// coordinator's numYes(count(src), id) goes from (1, id) to (2, id) to
// (3, id)), and an immutable contiguous slice changed in the middle can
// only be copied: at realnet's load that copy was a fifth of the
// coordinator's CPU (docs/PERFORMANCE.md). Yet the rules that read such
// a relation are usually maintained from the memo's delta (allYes,
// allVoted: maint.go), so in most ticks nobody reads the rows whole.
// So a memo keeps the patch it owes (memoPend) instead of applying it,
// and the tick's table holds the relation as a promise (lazyRows) that
// the first reader keeps: plan runs (plan.start), inserts, loads, sorts,
// indexes and the result's facts all force it first. A relation is
// loaded this way only when nothing outside the tick's plans reads it
// (lazyHead): not persisted, reported, sent or carried, not negated, and
// derived by its aggregate rule alone.

// memoPend is the patch a memo owes its rows: base (the rows it came
// from, with their room) with del taken out and add put in, or, when
// base was never made, the rows of the memo's groups.
type memoPend struct {
	hasBase  bool
	base     []value.Tuple
	baseTip  *memoTip
	del, add []value.Tuple
	done     atomic.Pointer[madeRows]
}

// madeRows is a memo's rows once made, and the room behind them.
type madeRows struct {
	rows []value.Tuple
	tip  *memoTip
}

// owe returns the pending rows of a memo made from m by removing del and
// adding add.
func (m *aggMemo) owe(del, add []value.Tuple) *memoPend {
	p := &memoPend{del: del, add: add}
	switch {
	case m.pend == nil:
		p.hasBase = true // the empty memo: no rows
	default:
		if made := m.pend.done.Load(); made != nil {
			p.hasBase, p.base, p.baseTip = true, made.rows, made.tip
		}
	}
	return p
}

// rowsOf returns m's rows (sorted, distinct, capped: the head tuples in
// the head's layout) and the room behind them, making them on the first
// call. Concurrent callers may both make them; they make the same rows,
// and the first stored is kept.
func (m *aggMemo) rowsOf(ia *incrAgg) ([]value.Tuple, *memoTip) {
	p := m.pend
	if p == nil {
		return nil, nil
	}
	if made := p.done.Load(); made != nil {
		return made.rows, made.tip
	}
	memoRowsMade.Add(1)
	var made madeRows
	if p.hasBase {
		made.rows, made.tip = patchRows(p.base, p.baseTip, p.del, p.add)
	} else {
		made.rows = ia.groupRows(m.groups)
	}
	if p.done.CompareAndSwap(nil, &made) {
		return made.rows, made.tip
	}
	made = *p.done.Load()
	return made.rows, made.tip
}

// memoRowsMade counts the owed rows made (for the tests; it reaches no
// result).
var memoRowsMade atomic.Int64

// groupRows returns the head tuples of groups in the head's layout,
// sorted and capped.
func (ia *incrAgg) groupRows(groups memoSeq[value.Tuple, aggAcc]) []value.Tuple {
	rows := make([]value.Tuple, 0, groups.Len())
	groups.Each(func(h value.Tuple, _ aggAcc) bool {
		rows = append(rows, ia.headRow(h))
		return true
	})
	if ia.apos != len(ia.keys) {
		// Groups are in key order; the head puts the aggregate before
		// some of the key, so its order is another.
		slices.SortFunc(rows, compareTuples)
	}
	return rows[:len(rows):len(rows)]
}

// lazyRows is a table's rows promised rather than loaded: n of them,
// made by rows.
type lazyRows struct {
	n    int
	rows func() []value.Tuple
}

// promise makes the empty table's rows the n rows that rows will make.
func (tb *table) promise(n int, rows func() []value.Tuple) {
	tb.lazy = &lazyRows{n: n, rows: rows}
}

// force loads the promised rows, if any (loadSorted).
func (tb *table) force() {
	if l := tb.lazy; l != nil {
		tb.lazy = nil
		tb.loadSorted(l.rows())
	}
}

// size is the number of rows, promised ones included.
func (tb *table) size() int {
	if tb.lazy != nil {
		return tb.lazy.n
	}
	return len(tb.rows)
}

// lazyRel is the rel of a promised table, for the tick's facts: its
// sorted form is the promise kept (rel.sorted).
func (l *lazyRows) rel() rel {
	return rel{flat: &flatRows{make: l.rows}}
}

// lazyHead reports whether rule r's head relation, derived by an
// incremental aggregate, may be promised (see the file comment).
func lazyHead(p *analysis.Program, comp *analysis.Component, r *analysis.Rule) bool {
	name := r.Head.Rel
	if rel := p.Relation(name); rel == nil || rel.Persist || rel.Output || rel.Invariant || rel.Final || rel.Async || rel.Input || rel.Timer != nil || rel.Static {
		return false
	}
	for _, o := range comp.Rules {
		if o != r && o.Head.Rel == name {
			return false
		}
		for i := range o.Body {
			l := &o.Body[i]
			if l.Rel != name {
				continue
			}
			if l.Kind != analysis.LitAtom || o.Kind != analysis.Sync {
				return false
			}
		}
	}
	return true
}
