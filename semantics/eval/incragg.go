package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Incremental aggregates. A rule `h(g.., agg(v)) :- r(x..)` (one positive
// atom of distinct variables and constants, plain group variables, one
// count/sum/min/max in any head position) is a function of r's rows alone
// (those matching the constants, like 2PC's `votes(src, id, "yes")`). A State keeps, per such rule,
// the rule's groups over the State's r (an aggMemo), so that a tick from
// it folds in only r's new rows (those its table gained beyond the
// State's) instead of re-aggregating all of r; the next State's memo is
// the tick's, unchanged when r carries over as it was, or updated from the
// rows r gained and lost on the way (a GC rule's retraction): count and
// sum subtract, min and max recompute only the groups that lost their
// extreme value. The tick then loads the groups' head tuples, already in
// canonical order, into h's table. Every other aggregate rule, and every
// tick that has no memo to start from, takes the full path
// (aggregateHashed).
//
// Internally a memo is laid out as the group values (in head order, the
// aggregate left out) then the aggregate, so that its groups sort by key
// whatever the head's layout; when the aggregate is not the last head
// column (the corpus's `numVotes(count(src), id, payload)`), the memo
// also keeps the head tuples in the head's own layout and order, patched
// from the groups that changed rather than re-sorted every tick.

// incrAgg is an eligible rule, compiled once per engine.
type incrAgg struct {
	rule *analysis.Rule
	rel  string
	keys []int // columns of r giving the group values, in head order
	vcol int   // column of r of the aggregated variable (-1 for count(*))
	apos int   // head position of the aggregate (len(keys): last)
	fn   syntax.AggFunc
	cols []int         // columns of r the body fixes to a constant
	cons []value.Value // and those constants; rows that differ do not count
	// lazy: the head relation may be promised to the tick's table
	// rather than loaded (lazyHead, aggrows.go).
	lazy bool
}

// matches reports whether row is one the rule reads (its constants).
func (ia *incrAgg) matches(row value.Tuple) bool {
	for i, c := range ia.cols {
		if row[c] != ia.cons[i] { // as a plan step compares constants
			return false
		}
	}
	return true
}

// aggMemo is one rule's groups over one relation's rows: groups maps
// each group's head (group values, then the aggregate; compared on the
// group values) to its accumulator, in a persistent sequence so that a
// tick copies only the chunks of the groups it changed; its rows (the
// head tuples in the head's layout, sorted, as a tick's table loads them)
// are made when first read (rowsOf). Immutable once made, but for that
// one-time making; States and Results share it.
type aggMemo struct {
	groups memoSeq[value.Tuple, aggAcc]
	// pend is the patch that makes the rows, owed until someone reads
	// them (rowsOf, aggrows.go); nil for the empty memo a build starts
	// from, whose rows are none.
	pend *memoPend
}

type aggAcc struct {
	n   int64       // rows in the group
	sum int64       // sum of v (sum only; wraps like aggValue)
	ext value.Value // min or max of v
}

// asIncrAgg reports whether r is an aggregate rule aggMemo can maintain.
func asIncrAgg(r *analysis.Rule) *incrAgg {
	h := &r.Head
	if r.Kind != analysis.Sync || !h.HasAggregate || h.At != nil || len(r.Body) != 1 || len(h.Args) == 0 {
		return nil
	}
	l := &r.Body[0]
	if l.Kind != analysis.LitAtom {
		return nil
	}
	col := make([]int, len(r.Vars))
	for i := range col {
		col[i] = -1
	}
	ia := &incrAgg{rule: r, rel: l.Rel, vcol: -1, apos: -1}
	inKey := make([]bool, len(l.Args)) // group or constant columns
	for i, t := range l.Args {
		if t.Op == analysis.TermConst {
			ia.cols, ia.cons = append(ia.cols, i), append(ia.cons, t.Const)
			inKey[i] = true // one value in every row read, like a group column
			continue
		}
		if t.Op != analysis.TermVar || col[t.Var] >= 0 {
			return nil
		}
		col[t.Var] = i
	}
	var ag *analysis.Agg
	for i, a := range h.Args {
		if a.Agg != nil {
			if ag != nil {
				return nil // two aggregates: the full path
			}
			ag, ia.apos = a.Agg, i
			continue
		}
		if a.Term == nil || a.Term.Op != analysis.TermVar || col[a.Term.Var] < 0 {
			return nil
		}
		ia.keys = append(ia.keys, col[a.Term.Var])
		inKey[col[a.Term.Var]] = true
	}
	if ag == nil {
		return nil
	}
	ia.fn = ag.Func
	switch ag.Func {
	case syntax.AggCount:
		if ag.Star {
			return ia
		}
		// count(v) counts distinct v; it is the group's row count only
		// when v is the one column outside the group key (rows are
		// distinct, so their v then are too).
		if len(ag.Vars) != 1 || inKey[col[ag.Vars[0]]] {
			return nil
		}
		for c := range l.Args {
			if !inKey[c] && c != col[ag.Vars[0]] {
				return nil
			}
		}
		return ia
	case syntax.AggSum, syntax.AggMin, syntax.AggMax:
		if len(ag.Vars) != 1 {
			return nil
		}
		ia.vcol = col[ag.Vars[0]]
		return ia
	}
	return nil
}

// aggChange is one row entering (+1) or leaving (-1) a group.
type aggChange struct {
	key  value.Tuple
	v    value.Value
	sign int8
}

// apply returns m with added rows entering and removed rows leaving it;
// all is the relation's rows afterwards (read only to recompute a min or
// max group that lost its extreme value). ok is false when a sum meets a
// value that is not an int: the full path reports that error.
func (ia *incrAgg) apply(m *aggMemo, added, removed []value.Tuple, all []value.Tuple) (*aggMemo, bool) {
	out, _, ok := ia.applyDelta(m, added, removed, all)
	return out, ok
}

// applyDelta is apply that also reports how the head tuples changed (for
// the maintained relations that read them, maint.go).
func (ia *incrAgg) applyDelta(m *aggMemo, added, removed []value.Tuple, all []value.Tuple) (*aggMemo, dDelta, bool) {
	if len(added) == 0 && len(removed) == 0 {
		return m, dDelta{ok: true}, true
	}
	ch := make([]aggChange, 0, len(added)+len(removed))
	// The changes' keys share one buffer: they live only in this call
	// (head copies a key into the group's new head tuple).
	kbuf := make([]value.Value, 0, len(ia.keys)*(len(added)+len(removed)))
	for ri, rows := range [2][]value.Tuple{added, removed} {
		sign := int8(1)
		if ri == 1 {
			sign = -1
		}
		for _, row := range rows {
			if !ia.matches(row) {
				continue
			}
			at := len(kbuf)
			for _, col := range ia.keys {
				kbuf = append(kbuf, row[col])
			}
			c := aggChange{key: kbuf[at:len(kbuf):len(kbuf)], sign: sign}
			if ia.vcol >= 0 {
				c.v = row[ia.vcol]
				if ia.fn == syntax.AggSum && c.v.K != value.KindInt {
					return nil, dDelta{}, false
				}
			}
			ch = append(ch, c)
		}
	}
	// Additions before removals within a group keep n above zero while
	// a min/max is updated; the order of the groups is the key order.
	slices.SortStableFunc(ch, func(a, b aggChange) int { return compareTuples(a.key, b.key) })
	k := len(ia.keys)
	byKey := ia.byKey()
	// One entry per changed group, in key order: its head before (nil: a
	// new group) and its accumulator after.
	type change struct {
		key   value.Tuple
		old   value.Tuple
		acc   aggAcc
		stale bool // a min/max that lost its extreme value: recomputed from all
	}
	var changes []change
	for j := 0; j < len(ch); {
		c := change{key: ch[j].key}
		c.old, c.acc, _ = m.groups.find(c.key, byKey)
		for ; j < len(ch) && compareTuples(ch[j].key, c.key) == 0; j++ {
			x := &ch[j]
			if x.sign > 0 {
				if ia.minMax() && (c.acc.n == 0 || ia.better(x.v, c.acc.ext)) {
					c.acc.ext = x.v
				}
				c.acc.n++
				c.acc.sum += x.v.I
				continue
			}
			c.acc.n--
			c.acc.sum -= x.v.I
			if ia.minMax() && x.v.Compare(c.acc.ext) == 0 {
				c.stale = true
			}
		}
		if c.acc.n > 0 || c.old != nil {
			changes = append(changes, c)
		}
	}
	var stale []int // positions in changes of live groups to recompute
	for i, c := range changes {
		if c.stale && c.acc.n > 0 {
			stale = append(stale, i)
		}
	}
	if len(stale) > 0 {
		exts := ia.recompute(stale, func(i int) value.Tuple { return changes[i].key }, all)
		for p, i := range stale {
			changes[i].acc.ext = exts[p]
		}
	}
	// The changed groups' new head tuples share one allocation.
	hbuf := make([]value.Value, 0, len(changes)*(k+1))
	upds := make([]memoUpd[value.Tuple, aggAcc], 0, len(changes))
	d := dDelta{ok: true}
	for _, c := range changes {
		if c.acc.n <= 0 { // the group is gone
			upds = append(upds, memoUpd[value.Tuple, aggAcc]{key: c.old, del: true})
			d.del = append(d.del, ia.headRow(c.old))
			continue
		}
		at := len(hbuf)
		hbuf = ia.appendHead(hbuf, c.key, c.acc)
		h := hbuf[at:len(hbuf):len(hbuf)]
		upds = append(upds, memoUpd[value.Tuple, aggAcc]{key: h, pay: c.acc})
		switch {
		case c.old == nil:
			d.add = append(d.add, ia.headRow(h))
		case !c.old.Equal(h):
			d.del, d.add = append(d.del, ia.headRow(c.old)), append(d.add, ia.headRow(h))
		}
	}
	out := &aggMemo{groups: m.groups.with(upds, byKey)}
	out.pend = m.owe(d.del, d.add)
	return out, d, true
}

// byKey compares two heads (or a head and a group key) on their group
// values, the memo's order.
func (ia *incrAgg) byKey() func(a, b value.Tuple) int {
	k := len(ia.keys)
	return func(a, b value.Tuple) int { return compareTuples(a[:k], b[:k]) }
}

// headRow returns the head tuple of group h (group values, then the
// aggregate): h itself when the aggregate is the head's last column.
func (ia *incrAgg) headRow(h value.Tuple) value.Tuple {
	k := len(ia.keys)
	if ia.apos == k {
		return h
	}
	t := make(value.Tuple, 0, k+1)
	t = append(t, h[:ia.apos]...)
	t = append(t, h[k])
	return append(t, h[ia.apos:k]...)
}

// patchSorted returns the sorted, distinct rows with del taken out and
// add put in (del among rows; add, distinct, not among them once del is
// out), leaving rows unchanged: each change is found by bisection and
// the rows between changes copied as blocks, not compared one by one.
func patchSorted(rows, del, add []value.Tuple) []value.Tuple {
	return patchSortedRoom(rows, del, add, 0)
}

// patchSortedRoom is patchSorted leaving room for extra more rows behind
// the result (memorows.go).
func patchSortedRoom(rows, del, add []value.Tuple, extra int) []value.Tuple {
	del = slices.SortedFunc(slices.Values(del), compareTuples)
	add = slices.SortedFunc(slices.Values(add), compareTuples)
	out := make([]value.Tuple, 0, len(rows)-len(del)+len(add)+extra)
	pos, i, j := 0, 0, 0 // rows[pos:] not yet copied
	for i < len(del) || j < len(add) {
		if j == len(add) || (i < len(del) && compareTuples(del[i], add[j]) <= 0) {
			p, found := slices.BinarySearchFunc(rows[pos:], del[i], compareTuples)
			out = append(out, rows[pos:pos+p]...)
			pos += p
			if found {
				pos++ // del[i] is rows[pos]: skipped
			}
			i++
			continue
		}
		p, _ := slices.BinarySearchFunc(rows[pos:], add[j], compareTuples)
		out = append(append(out, rows[pos:pos+p]...), add[j])
		pos += p
		j++
	}
	return append(out, rows[pos:]...)
}

// recompute returns the min or max over all, the relation's rows, of
// the groups at positions pos (sorted by the group keys that key gives;
// every such group has a row in all).
func (ia *incrAgg) recompute(pos []int, key func(int) value.Tuple, all []value.Tuple) []value.Value {
	exts := make([]value.Value, len(pos))
	seen := make([]bool, len(pos))
	rk := make(value.Tuple, len(ia.keys)) // scratch: only searched for
	for _, row := range all {
		if !ia.matches(row) {
			continue
		}
		for i, c := range ia.keys {
			rk[i] = row[c]
		}
		p, found := slices.BinarySearchFunc(pos, rk, func(at int, rk value.Tuple) int { return compareTuples(key(at), rk) })
		if !found {
			continue
		}
		if !seen[p] || ia.better(row[ia.vcol], exts[p]) {
			exts[p], seen[p] = row[ia.vcol], true
		}
	}
	return exts
}

func (ia *incrAgg) minMax() bool { return ia.fn == syntax.AggMin || ia.fn == syntax.AggMax }

// better reports whether v replaces the group's min (max) ext.
func (ia *incrAgg) better(v, ext value.Value) bool {
	switch ia.fn {
	case syntax.AggMin:
		return v.Compare(ext) < 0
	case syntax.AggMax:
		return v.Compare(ext) > 0
	}
	return false
}

// appendHead appends a group's head tuple (key, then the aggregate) to
// buf.
func (ia *incrAgg) appendHead(buf []value.Value, key value.Tuple, acc aggAcc) []value.Value {
	buf = append(buf, key...)
	switch ia.fn {
	case syntax.AggCount:
		return append(buf, value.Int(acc.n))
	case syntax.AggSum:
		return append(buf, value.Int(acc.sum))
	}
	return append(buf, acc.ext)
}

// diffSorted returns the rows of b not in a and of a not in b, for two
// sorted, distinct relations.
func diffSorted(a, b []value.Tuple) (added, removed []value.Tuple) {
	if len(a) == 0 || len(b) == 0 {
		return b, a // shared: callers only read them
	}
	// Shared rows (identity.go) are equal without a comparison: the two
	// versions of a large relation mostly share their rows.
	i := sharedPrefix(a, b)
	j := i
	for i < len(a) && j < len(b) {
		if sameRow(a[i], b[j]) {
			i, j = i+1, j+1
			continue
		}
		switch c := compareTuples(a[i], b[j]); {
		case c < 0:
			removed = append(removed, a[i])
			i++
		case c > 0:
			added = append(added, b[j])
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return append(added, b[j:]...), append(removed, a[i:]...)
}
