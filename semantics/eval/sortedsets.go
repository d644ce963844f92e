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
//   - otherwise, when the new rows are few, finds the ones the carried
//     rows lack by bisection (and through a hash set over the carried
//     relation's tail, when it has one: rel.go) and merges them in, into
//     a slice with room behind it that the next State offers to its
//     first tick (outbox.grown, nextTips).
//
// Either way it knows the rows the union added (fresh), which with the
// rows the persistence rule dropped is the relation's change from the
// tick to the next State (engine.unionDiffs): no scan of both versions.
//
// Keeping every union as a run and a tail, as a table keeps its relation
// (table.relRows), was tried (2026-12-07) and dropped. Its readers first
// merged the tail every tick (the voting leader's tick at 3,000
// allocated 86 KB instead of 34); with them made to read a run and a
// tail (diffRels, relContainsAll, keyCounter) it still allocated more
// than the flat union (39 KB against 34, the 2PC coordinator's at 10,000
// 125 KB against 107): the hash set over the tail, built every tick. So
// a union gets a tail only when its new rows land among the carried ones
// and the State offers room behind them (ids that finished out of order:
// BenchmarkTickSequence2PC/shuffled), where the alternative is a copy of
// every row; rows that come in order keep the run whole, as before.

// unionNext returns the union of carried (the rows a persistence rule
// keeps: a rel, run and tail) and added (the outbox's rows of the same
// relation, sorted and distinct) as a rel, and when this tick made or
// extended an array with room behind it for the next State to offer, also
// the whole of it (own: the union's rows, then the room). tip is the room
// the State offers behind carried's rows (nil: none). fresh lists, sorted,
// the rows of added that carried lacked, when known (a small relation's
// plain merge does not work them out).
func unionNext(carried rel, added []value.Tuple, tip *rowTip) (out rel, own, fresh []value.Tuple, known bool) {
	rows := carried.rows
	n, k := len(rows), len(added)
	if n == 0 || k == 0 {
		return flatRel(unionSorted(carried.sorted(), added)), nil, nil, false
	}
	if carried.flat == nil && compareTuples(rows[n-1], added[0]) < 0 {
		if all, own := appendRows(rows, added, tip); all != nil {
			return flatRel(all), own, added, true
		}
	}
	if n < roomMin {
		return flatRel(unionSorted(carried.sorted(), added)), nil, nil, false
	}
	fresh = freshRows(carried, added)
	if len(fresh) == 0 {
		return carried, nil, nil, true
	}
	m := n + len(fresh)
	if n-carried.sortedN+len(fresh) <= tailMax(m) {
		// Rows among the carried ones (ids that finished out of order):
		// behind them, as a tail, in the room the State offers, rather
		// than merged into a copy of them all.
		if all, own := appendRows(rows, fresh, tip); all != nil {
			return tailRel(all, carried.sortedN), own, fresh, true
		}
	}
	// Merged into the run (the rows after the run, then the fresh ones,
	// sorted at the end of buf, then the run merged forward into them).
	run := rows[:carried.sortedN]
	buf := make([]value.Tuple, m, m+roomFor(m, len(fresh)))
	copy(buf[len(run):], rows[len(run):])
	copy(buf[n:], fresh)
	mergeRest(buf[:m], run)
	return flatRel(buf[:m:m]), buf, fresh, true
}

// appendRows returns rows with more behind them in the room tip offers
// behind rows, claiming it (own: the array with the room that is left),
// or sharing the claimer's rows when it published the same ones (own
// nil); nil when neither applies.
func appendRows(rows, more []value.Tuple, tip *rowTip) (all, own []value.Tuple) {
	n, k := len(rows), len(more)
	if tip.claimFor(rows, k) {
		// The claim makes the room this tick's alone: no State holds
		// a slice of buf beyond n.
		own = tip.buf[:n+k]
		copy(own[n:], more)
		tip.pub.Store(int64(k)) // after the rows: followers read them
		return own[: n+k : n+k], own
	}
	if tip.follows(rows, more) {
		// Capped: the room stays the claimer's.
		return tip.buf[: n+k : n+k], nil
	}
	return nil, nil
}

// freshRows returns the rows of added (sorted, distinct) that carried
// does not hold.
func freshRows(carried rel, added []value.Tuple) []value.Tuple {
	in := lookupIn(carried)
	var fresh []value.Tuple
	for _, t := range added {
		if !in.has(t) {
			fresh = append(fresh, t)
		}
	}
	return fresh
}

// relLookup finds rows in a rel without its sorted form: bisecting the
// run, and through a hash set over the tail (at most tailMax rows).
type relLookup struct {
	run, tail []value.Tuple
	set       openSet // tag to row number+1 in tail
}

func lookupIn(r rel) relLookup {
	l := relLookup{run: r.rows[:r.sortedN], tail: r.rows[r.sortedN:]}
	for i, t := range l.tail {
		l.set.add(tagOf(hashTuple(t)), i)
	}
	return l
}

// has reports whether t is one of the rel's rows.
func (l *relLookup) has(t value.Tuple) bool {
	if _, found := slices.BinarySearchFunc(l.run, t, compareTuples); found {
		return true
	}
	return l.set.n > 0 && l.set.lookup(tagOf(hashTuple(t)), l.tail, t) >= 0
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
