package eval

import (
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/value"
)

// Appending in place to a State's relation. A State's relation is a
// capped slice, shared by every tick from the State and by the States
// after it, so a tick that adds rows to it must not write into its
// backing array where another slice sees them. But the slice a tick
// hands to the next State usually has room behind it (a table's row
// slice grows ahead of its rows), and rows added behind the last row any
// State holds are seen by nobody. A rowTip records that room: buf is the
// whole backing array and used the length of the longest State relation
// over it. The first tick from a State whose relation ends at used
// claims the room (used becomes -1, so no other tick may write there:
// two ticks from one State, a tick from an older State) and appends in
// place; if its Result hands the grown slice on, the next State gets a
// rowTip of its own over the same array. A claim is never released: a
// tick that fails, or whose relation does not carry over as it grew,
// leaves the room unused, and later ticks copy as they would without it.
//
// So a relation that gains k rows at its end per tick (a log, votes in
// order of arrival) costs O(k) per tick, and a copy of the relation only
// when the room runs out (amortised over the ticks that fill it: nextCap
// grows a loaded relation by an eighth).
//
// Ticks from the same State after the claim (the checker's snapshots,
// a node's tick re-run) follow the claimer where they add the same rows:
// the claimer publishes how many rows it has written behind at (pub,
// stored after each write, and a written row is never changed), and a
// tick that would append row at+j, when the claimer's row at+j is
// published and equal, takes the claimer's slice up to it (capped, so it
// never writes there) instead of copying the relation. The first row
// that differs copies, as before.
type rowTip struct {
	buf  []value.Tuple // len(buf) == cap(buf)
	used atomic.Int64  // -1: claimed
	at   int           // the State relation's length (immutable)
	pub  atomic.Int64  // rows the claimer has written at buf[at:]
}

// claimTip gives the table, whose rows are exactly the loaded State
// relation and full, the room behind them when its rowTip still offers
// it, and reports whether it did.
func (tb *table) claimTip() bool {
	tip := tb.tip
	tb.tip = nil // one attempt per tick
	n := len(tb.rows)
	if tip == nil || n == 0 || n != len(tb.loaded) || len(tip.buf) <= n || &tip.buf[0] != &tb.rows[0] {
		return false
	}
	if !tip.used.CompareAndSwap(int64(n), -1) {
		tb.follow = tip
		return false
	}
	tb.rows = tip.buf[:n]
	tb.claimed = tip
	return true
}

// publish records, after the claimer's row was written, how many rows it
// has at the tip (none once its rows moved to a larger array).
func (tb *table) publish() {
	tip := tb.claimed
	if cap(tb.rows) != len(tip.buf) || &tb.rows[0] != &tip.buf[0] {
		tb.claimed = nil // grown away: later rows are not at the tip
		return
	}
	tip.pub.Store(int64(len(tb.rows) - tip.at))
}

// followTip makes t the next row by taking the claimer's equal row at the
// same place, when it is published; it reports whether it did (the caller
// adds the row to the indexes).
func (tb *table) followTip(t []value.Value) bool {
	tip := tb.follow
	id := len(tb.rows)
	if tip == nil || id < tip.at || id == 0 || len(tb.loaded) != tip.at || &tb.rows[0] != &tip.buf[0] {
		tb.follow = nil
		return false
	}
	// pub is loaded before buf[id] is read: the claimer stored it after
	// writing the row (the atomic orders the two for the race detector
	// and the memory model alike).
	if int64(id-tip.at) >= tip.pub.Load() || !value.Tuple(t).Equal(tip.buf[id]) {
		tb.follow = nil // one difference: this tick's rows part from the claimer's
		return false
	}
	tb.rows = tip.buf[: id+1 : id+1]
	return true
}

// nextTips returns the rowTips of the next State's relations that are
// the rows of a table of this tick (or the sorted copy sortedRows made of
// them), in its own backing array with room behind it. The engine drops its tables' rows on reset and capped
// slices of them are all anyone else holds, so the room belongs to the
// next State alone.
func (e *engine) nextTips(next relSet) map[string]*rowTip {
	var tips map[string]*rowTip
	// Only a carried relation's rows go to the next State as the tick's
	// table had them (the outbox's tables are others).
	for _, p := range e.carried {
		t := e.tables[p.name]
		if t == nil {
			continue
		}
		own := t.rows // the rows, or their sorted copy (sortedRows)
		if t.sorted != nil {
			own = t.sorted
		}
		n := len(own)
		if n == 0 {
			continue
		}
		if rows := next.rowsOf(t.name); len(rows) != n || &rows[0] != &own[0] {
			continue
		}
		var tip *rowTip
		switch {
		case cap(own) > n:
			tip = &rowTip{buf: own[:cap(own)], at: n}
			tip.used.Store(int64(n))
		case t.tip != nil && t.tip.at == n && &t.tip.buf[0] == &own[0]:
			// The relation carried over unchanged, its rows the loaded
			// ones, and this tick never tried the room its State
			// offered: the next State offers the same room (whichever
			// State's tick claims it first gets it), so a tick that
			// adds nothing to a relation does not cost the tick after
			// it a copy of it.
			tip = t.tip
		default:
			continue // no room behind
		}
		if tips == nil {
			tips = map[string]*rowTip{}
		}
		tips[t.name] = tip
	}
	// The unions result made with room (unionNext): their arrays are
	// this tick's, or a claimed tip's extended by this tick.
	for _, g := range e.out.grown {
		own, n := g.own, len(g.own)
		if rows := next.rowsOf(g.name); cap(own) == n || len(rows) != n || &rows[0] != &own[0] {
			continue
		}
		if tips == nil {
			tips = map[string]*rowTip{}
		}
		tip := &rowTip{buf: own[:cap(own)], at: n}
		tip.used.Store(int64(n))
		tips[g.name] = tip
	}
	return tips
}
