package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
)

// The next State's relation that a persistence rule carries and a :+ rule
// adds to (the voting leader's replied: `replied :+ reply` over
// `.persist replied`) is the union of the carried rows with the outbox's
// few new ones. A plain merge copies and compares every carried row per
// tick. unionNext instead
//
//   - appends in place when every new row sorts after the carried ones (a
//     log keyed by a growing id) and the State offers the room behind them
//     (a rowTip, claimed as a table claims one: rowtip.go), so the tick
//     costs what it adds; a later tick from the same State that adds the
//     same rows shares the claimer's (published) rows, as a table follows
//     its claimer;
//   - otherwise, when the new rows are few, finds each one's place by
//     bisection and copies the carried rows between them as blocks
//     (mergeSparse's way), into a slice with room behind it that the next
//     State offers to its first tick (outbox.grown, nextTips).

// unionNext returns the sorted, distinct union of carried (the rows a
// persistence rule keeps, sorted and distinct) and added (the outbox's
// rows of the same relation, sorted and distinct), capped, and when this
// tick made or extended its array with room behind it for the next State
// to offer, also the whole of it (own: the union's rows, then the room).
// tip is the room the State offers behind carried's rows (nil: none).
func unionNext(carried, added []value.Tuple, tip *rowTip) (rows, own []value.Tuple) {
	n, k := len(carried), len(added)
	if n == 0 || k == 0 {
		return unionSorted(carried, added), nil
	}
	if compareTuples(carried[n-1], added[0]) < 0 {
		if tip.claimFor(carried, k) {
			// The claim makes the room this tick's alone: no State holds
			// a slice of buf beyond n.
			own = tip.buf[:n+k]
			copy(own[n:], added)
			tip.pub.Store(int64(k)) // after the rows: followers read them
			return own[: n+k : n+k], own
		}
		if tip.follows(carried, added) {
			// Capped: the room stays the claimer's.
			return tip.buf[: n+k : n+k], nil
		}
	}
	if n < roomMin || k*sparseMerge > n {
		return unionSorted(carried, added), nil
	}
	out := make([]value.Tuple, 0, n+k+(n+k)/8)
	i := 0
	for _, t := range added {
		p, found := slices.BinarySearchFunc(carried[i:], t, compareTuples)
		out = append(out, carried[i:i+p]...)
		i += p
		if found {
			continue // carried's own row stays (equal rows are one)
		}
		out = append(out, t)
	}
	out = append(out, carried[i:]...)
	return out[:len(out):len(out)], out
}

// claimFor claims the room behind rows for k more rows when the tip
// offers it: rows are the State relation the tip was made for, over the
// same array, and nobody has claimed the room before.
func (tip *rowTip) claimFor(rows []value.Tuple, k int) bool {
	n := len(rows)
	if tip == nil || tip.at != n || len(tip.buf) < n+k || &tip.buf[0] != &rows[0] {
		return false
	}
	return tip.used.CompareAndSwap(int64(n), -1)
}

// follows reports whether the tip's claimer has published, right behind
// rows, rows equal to added: then a tick from the same State that adds
// the same rows (the checker ticking a snapshot again, a node's tick
// re-run) shares the claimer's rows instead of copying the relation.
func (tip *rowTip) follows(rows, added []value.Tuple) bool {
	n, k := len(rows), len(added)
	if tip == nil || tip.at != n || len(tip.buf) < n+k || &tip.buf[0] != &rows[0] {
		return false
	}
	// pub is loaded before the rows are read: the claimer stored it
	// after writing them.
	if tip.pub.Load() < int64(k) {
		return false
	}
	for j, t := range added {
		if !t.Equal(tip.buf[n+j]) {
			return false
		}
	}
	return true
}
