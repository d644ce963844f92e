package eval

import (
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/value"
)

// A memo's derived rows (an aggregate's head tuples, a maintained
// relation's tuples) are one sorted slice, because a tick's table loads
// them as its rows and the persistent indexes, diffs and merges read them
// in order. A change in the middle copies them (patchSorted). But the
// common change is new rows past the last one: a new request id's
// allVoted(id, _), a new group numVotes(3, id, _) whose votes came in one
// tick, a coordinator's new transaction. Those are appended in place
// behind the rows when the memo they came from has room there and no
// other memo has taken it, as a State's relation is (rowtip.go): a memoTip
// records the room; the first patch from the memo claims it (used becomes
// -1, so a second patch from the same memo, as two ticks from one State
// make, copies instead); the new memo gets a tip of its own over the same
// array. Every copy (a change in the middle too) leaves an eighth of room
// behind, so a memo gaining k rows at its end per tick costs O(k) per
// tick amortised instead of O(n), and a tick that changes the middle
// costs one copy, not one for it and one for the append after it.
// Rows behind a slice's length are seen by nobody who holds the slice:
// every memo's rows are capped.

// memoTip is the room behind a memo's rows: buf is the whole backing
// array, used the length of the rows that may append there (-1 once
// claimed).
type memoTip struct {
	buf  []value.Tuple // len(buf) == cap(buf)
	used atomic.Int64
	// first is the first patch made from the memo (its change and
	// result), so that a second patch from the same memo with the same
	// change (a State ticked again with the same deliveries, as the
	// checker's snapshots are) shares that result instead of copying
	// the rows; nil until a patch is made.
	first atomic.Pointer[memoPatch]
}

// memoPatch is a patch of a memo's rows: del and add as the patch was
// given them (copies), and the rows it made (capped, never modified).
type memoPatch struct {
	del, add, rows []value.Tuple
	sortedN        int // rows[:sortedN] sorted, the rest a tail (patchTail)
}

// reuse returns the rows of the memo's first patch, and the length of
// their sorted run, when it made them from the same change, else nil.
func (tip *memoTip) reuse(del, add []value.Tuple) ([]value.Tuple, int) {
	if tip == nil {
		return nil, 0
	}
	p := tip.first.Load()
	if p == nil || !sameTuples(p.del, del) || !sameTuples(p.add, add) {
		return nil, 0
	}
	memoReused.Add(1)
	return p.rows, p.sortedN
}

// record makes rows (sorted up to sortedN) the memo's first patch (for
// del and add) unless another patch was recorded first.
func (tip *memoTip) record(del, add, rows []value.Tuple, sortedN int) {
	if tip != nil && tip.first.Load() == nil {
		tip.first.CompareAndSwap(nil, &memoPatch{del: slices.Clone(del), add: slices.Clone(add), rows: rows, sortedN: sortedN})
	}
}

// newMemoTip records the room behind buf[:n].
func newMemoTip(buf []value.Tuple, n int) *memoTip {
	t := &memoTip{buf: buf[:cap(buf)]}
	t.used.Store(int64(n))
	return t
}

// patchRows returns rows (sorted, distinct, capped; tip the room behind
// them or nil) with del taken out and add put in, as patchSorted does,
// and the room behind the result. rows is left unchanged for everyone
// who holds it.
func patchRows(rows []value.Tuple, tip *memoTip, del, add []value.Tuple) ([]value.Tuple, *memoTip) {
	if len(del) == 0 && len(add) == 0 {
		return rows, tip
	}
	if same, _ := tip.reuse(del, add); same != nil {
		// Shared, and without room: the room behind it is the first
		// patch's memo's.
		return same, nil
	}
	n := len(rows)
	if len(del) > 0 || (n > 0 && compareTuples(minTuple(add), rows[n-1]) <= 0) {
		m := n - len(del) + len(add)
		out := patchSortedRoom(rows, del, add, memoRoom(m))
		tip.record(del, add, out[:m:m], m)
		return out[:m:m], newMemoTip(out, m)
	}
	return appendMemoRows(rows, tip, add, n+len(add))
}

// appendMemoRows returns rows with add (none of them among rows) sorted
// behind them, in the room tip offers when the memo may claim it, else
// in a copy with room of its own; sortedN is the result's sorted run,
// recorded with the patch (memoTip.record).
func appendMemoRows(rows []value.Tuple, tip *memoTip, add []value.Tuple, sortedN int) ([]value.Tuple, *memoTip) {
	n := len(rows)
	sorted := slices.SortedFunc(slices.Values(add), compareTuples)
	k := len(sorted)
	if tip != nil && n > 0 && n+k <= len(tip.buf) && &tip.buf[0] == &rows[0] && tip.used.CompareAndSwap(int64(n), -1) {
		// The claim makes buf[n:] this patch's alone; the rows it
		// writes there are never changed again (the next memo's room
		// starts behind them), so later patches may share them.
		copy(tip.buf[n:], sorted)
		memoAppends.Add(1)
		out := tip.buf[: n+k : n+k]
		tip.record(nil, add, out, sortedN)
		return out, newMemoTip(tip.buf, n+k)
	}
	buf := make([]value.Tuple, n+k, n+k+memoRoom(n+k))
	copy(buf, rows)
	copy(buf[n:], sorted)
	tip.record(nil, add, buf[:n+k:n+k], sortedN)
	return buf[: n+k : n+k], newMemoTip(buf, n+k)
}

// memoAppends counts the patches appended in place, memoReused those
// that shared an earlier patch's rows, for the tests (they reach no
// result).
var memoAppends, memoReused atomic.Int64

// memoRoom is the room a copy of n rows leaves behind them: an eighth,
// as a table grows a loaded relation (table.nextCap).
func memoRoom(n int) int { return max(16, n/8) }

// minTuple is the least of ts (not empty).
func minTuple(ts []value.Tuple) value.Tuple {
	return slices.MinFunc(ts, compareTuples)
}

// patchTail is patchRows for rows kept as a sorted run and a tail
// (rows[:sortedN] sorted, the rest distinct from them and each other, in
// no order), as a maintained relation's are: rows that only come (no row
// goes) are appended behind the rows, in the room when the memo has it,
// even when they sort before the last one, until the tail outgrows
// tailMax; then, or when a row goes, the result is sorted again
// (patchRows over the merged rows). A coordinator's allYes gains ids that
// finished out of order, a little before its last ones: sorted rows
// would be copied whole for each (docs/PERFORMANCE.md).
func patchTail(rows []value.Tuple, sortedN int, tip *memoTip, del, add []value.Tuple) ([]value.Tuple, int, *memoTip) {
	if len(del) == 0 && len(add) == 0 {
		return rows, sortedN, tip
	}
	if same, sn := tip.reuse(del, add); same != nil {
		return same, sn, nil
	}
	n, k := len(rows), len(add)
	if len(del) == 0 && n-sortedN+k <= tailMax(n+k) && n > 0 && (sortedN < n || compareTuples(minTuple(add), rows[n-1]) <= 0) {
		out, outTip := appendMemoRows(rows, tip, add, sortedN)
		return out, sortedN, outTip
	}
	if sortedN < n {
		// Sorted again: the tail merged into the run, then patched (its
		// room is the patch's own).
		merged := make([]value.Tuple, n)
		mergeTail(merged, rows, sortedN)
		rows, tip = merged, nil
	}
	out, outTip := patchRows(rows, tip, del, add)
	return out, len(out), outTip
}
