package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
)

// Putting a tick's results in canonical order is a large share of a big
// tick, so Tick avoids sorting what is already sorted (carried facts arrive
// sorted, and many derivations append in order) and radix-sorts all-integer
// relations. Naive keeps using sortedCopy, a plain comparison sort, so the
// differential tests check these shortcuts against it.

// sortedRows returns the table's rows in canonical order. The table keeps
// its rows distinct, so there is nothing to deduplicate: the sorted prefix
// is merged with the sorted rest. The result may share the table's row
// slice (capped, so appending to it copies); tuples are never mutated once
// stored.
//
// A State's relation that gained rows (loaded) and is not kept with a
// tail (table.relRows: a tail too long, a garbage-collection rule's) is
// sorted into a new slice with room behind it, like a grown table's (nextCap): when it is
// carried as it is, the next State offers that room to its first tick
// (nextTips, rowtip.go), which then appends in place instead of copying
// the relation into a grown slice before sorting it again. The room is
// sized to what the tick added (roomFor), not to the relation: a
// relation that gains rows in the middle is copied here every tick
// anyway, so room beyond the next tick's rows is allocated, cleared and
// dropped unused.
func (tb *table) sortedRows() []value.Tuple {
	tb.force()
	n := len(tb.rows)
	if tb.sortedN == n {
		return tb.rows[:n:n]
	}
	// One allocation (mergeTail).
	room := 0
	if len(tb.loaded) >= roomMin {
		room = roomFor(n, n-len(tb.loaded))
	}
	out := make([]value.Tuple, n, n+room)
	if room > 0 {
		tb.sorted = out
	}
	mergeTail(out[:n], tb.rows, tb.sortedN)
	return out[:n:n]
}

// mergeTail writes rows in canonical order into out (len(out) ==
// len(rows)): rows[:sortedN] are sorted, the rest (distinct from them)
// are sorted at the end of out, then merged forward with the sorted
// prefix (which stays in rows; the write position never overtakes the
// rest's next unread row).
func mergeTail(out, rows []value.Tuple, sortedN int) {
	a := rows[:sortedN]
	copy(out[len(a):], rows[len(a):])
	mergeRest(out, a)
}

// mergeRest sorts out[len(a):] (rows distinct from a and from each
// other) and merges the sorted a forward into out.
func mergeRest(out, a []value.Tuple) {
	sortTuples(out[len(a):])
	if (len(out)-len(a))*sparseMerge <= len(a) {
		mergeSparse(out, a)
	} else {
		mergeFront(out, a)
	}
}

// roomMin is the smallest loaded relation sortedRows leaves room behind:
// copying a smaller one costs less than the rowTip a State keeps for the
// room (a map and a record per tick).
const roomMin = 256

// roomFor is the room sortedRows leaves behind n sorted rows of which
// added were added by the tick: enough for the next tick to append
// roomGrowth times as many (a node's batches vary), at least roomFloor,
// at most n/8 (what growing a loaded relation takes, nextCap). When the
// tick added rows, at least the tail the next States may keep before
// the next merge (tailMax, rel.go) plus this tick's rows: the sorted
// copy is the new run, and the ticks after it append their rows behind
// it until the tail is merged again, so with less room the first of
// them to run out would copy the whole relation once more (growRows)
// between two merges.
func roomFor(n, added int) int {
	room := min(n/8, max(roomFloor, roomGrowth*added))
	if added > 0 {
		room = max(room, tailMax(n)+added)
	}
	return room
}

// roomFloor and roomGrowth size the room behind a sorted copy (roomFor).
const (
	roomFloor  = 64
	roomGrowth = 4
)

// sparseMerge: a rest at most 1/sparseMerge of the sorted prefix (a few
// rows added to a large loaded relation) is merged by bisection
// (mergeSparse), which costs about log2(prefix) comparisons per added row
// instead of one per row of the prefix.
const sparseMerge = 16

// mergeSparse is mergeFront for a short rest: each rest row's place in a
// is found by bisection and the rows of a before it are copied as a
// block. The blocks end before the rest's next unread row, as in
// mergeFront.
func mergeSparse(out, a []value.Tuple) {
	k, i := 0, 0
	for j := len(a); j < len(out); j++ {
		t := out[j]
		p, _ := slices.BinarySearchFunc(a[i:], t, compareTuples)
		k += copy(out[k:], a[i:i+p])
		i += p
		out[k] = t
		k++
	}
	copy(out[k:], a[i:])
}

// mergeFront merges the sorted a into out, whose last len(out)-len(a)
// entries are sorted; the sorted sequences are distinct and share none.
// Writing at k = i + (j - len(a)) <= j never clobbers an unread out[j].
func mergeFront(out, a []value.Tuple) {
	i, j, k := 0, len(a), 0
	for ; i < len(a); k++ {
		if j < len(out) && compareTuples(out[j], a[i]) < 0 {
			out[k] = out[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
	}
}

// radixMin is the number of tuples from which radix sorting pays off.
const radixMin = 64

// sortTuples sorts tuples in place in canonical order.
func sortTuples(ts []value.Tuple) {
	if len(ts) < radixMin || !allIntsSameArity(ts) {
		slices.SortFunc(ts, compareTuples)
		return
	}
	radixSortInts(ts)
}

func allIntsSameArity(ts []value.Tuple) bool {
	arity := len(ts[0])
	for _, t := range ts {
		if len(t) != arity {
			return false
		}
		for i := range t {
			if t[i].K != value.KindInt {
				return false
			}
		}
	}
	return true
}

// keyed is one tuple's position and the sort key of the current column.
type keyed struct {
	key uint64
	pos int32
}

// radixSortInts sorts tuples of integers of one arity: a stable LSD radix
// sort by bytes, last column first, skipping the byte positions where every
// key agrees (small integers need two passes per column, not eight).
func radixSortInts(ts []value.Tuple) {
	n := len(ts)
	cur := make([]keyed, n)
	tmp := make([]keyed, n)
	for i := range cur {
		cur[i].pos = int32(i)
	}
	var counts [8][256]int
	for c := len(ts[0]) - 1; c >= 0; c-- {
		counts = [8][256]int{}
		for i := range cur {
			// Flipping the sign bit orders int64s as unsigned keys.
			k := uint64(ts[cur[i].pos][c].I) ^ (1 << 63)
			cur[i].key = k
			for b := 0; b < 8; b++ {
				counts[b][byte(k>>(8*b))]++
			}
		}
		for b := 0; b < 8; b++ {
			cnt := &counts[b]
			if cnt[byte(cur[0].key>>(8*b))] == n {
				continue // every key has the same byte here
			}
			sum := 0
			for d := range cnt {
				cnt[d], sum = sum, sum+cnt[d]
			}
			shift := 8 * b
			for _, e := range cur {
				d := byte(e.key >> shift)
				tmp[cnt[d]] = e
				cnt[d]++
			}
			cur, tmp = tmp, cur
		}
	}
	sorted := make([]value.Tuple, n)
	for i, e := range cur {
		sorted[i] = ts[e.pos]
	}
	copy(ts, sorted)
}
