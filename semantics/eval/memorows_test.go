package eval

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// seqGroupsSrc keeps a large garbage-collected relation whose aggregate
// groups change on most ticks: new keys past the last one (appended to
// the memos' rows), rows added to and retracted from groups in the middle
// (a count moves its head from one place in numOf's order to another),
// groups that go (done), for each of count (not the head's last column),
// sum, min and max, and relations maintained from the aggregates (a
// threshold, a negation) whose tuples come and go.
const seqGroupsSrc = `.input add(k: int, v: int)
.input drop(k: int, v: int)
.input done(k: int)
.output ready(k: int)
.decl items(k: int, v: int)
items(k, v) :- add(k, v).
items(k, v) :+ items(k, v), !drop(k, v), !done(k).
numOf(count(v), k) :- items(k, v).
tot(k, sum(v)) :- items(k, v).
lo(k, min(v)) :- items(k, v).
hi(max(v), k) :- items(k, v).
ready(k) :- numOf(n, k), (n >= 3).
big(k, s) :- tot(k, s), !done(k), (s > 12).
spread(k) :- lo(k, a), hi(b, k), (b - a > 5).`

// checkCntMemos fails unless every maintained relation's memo in st is
// well formed: rows sorted, distinct and capped, the counts' keys exactly
// the rows with positive counts, and the room behind the rows (if any)
// over the rows' own array.
func checkCntMemos(t fataler, st *State) {
	t.Helper()
	mm := st.maint.Load()
	if mm == nil {
		return
	}
	for _, name := range sortedKeys(mm.rels) {
		m := mm.rels[name]
		if cap(m.rows) != len(m.rows) {
			t.Fatalf("%s: rows not capped (%d of %d)", name, len(m.rows), cap(m.rows))
		}
		if m.sortedN < 0 || m.sortedN > len(m.rows) || len(m.rows)-m.sortedN > tailMax(len(m.rows)) {
			t.Fatalf("%s: run of %d in %d rows", name, m.sortedN, len(m.rows))
		}
		for i := 1; i < m.sortedN; i++ {
			if compareTuples(m.rows[i-1], m.rows[i]) >= 0 {
				t.Fatalf("%s: run not increasing at %d", name, i)
			}
		}
		// The rows in canonical order (run and tail merged) are exactly
		// the keys with positive counts.
		rows := m.rel().sorted()
		for i := 1; i < len(rows); i++ {
			if compareTuples(rows[i-1], rows[i]) >= 0 {
				t.Fatalf("%s: rows not distinct at %d", name, i)
			}
		}
		i := 0
		m.cnt.Each(func(k value.Tuple, n int64) bool {
			if i >= len(rows) || !k.Equal(rows[i]) || n <= 0 {
				t.Fatalf("%s: count %d of %v does not match row %d of %d", name, n, k, i, len(rows))
			}
			i++
			return true
		})
		if i != len(rows) {
			t.Fatalf("%s: %d counts for %d rows", name, i, len(rows))
		}
		if m.tip != nil && len(m.rows) > 0 && &m.tip.buf[0] != &m.rows[0] {
			t.Fatalf("%s: room behind another array", name)
		}
	}
}

// TestMemoGroupsChangingMatchNaive ticks seqGroupsSrc through random
// sequences over hundreds of keys (so the memos span many chunks) and
// compares every tick with Naive; a tick from the same State runs first
// now and then (it claims the room behind the memos' rows: the tick
// after must copy), and now and then a tick starts from an older State.
// Now and then the very tick runs first from the same State (its patches
// of the memos' rows are then shared by the tick after). Every State's
// aggregate memos must equal rebuilds, its maintained memos be well
// formed, and the sequences must have appended to memo rows in place,
// shared earlier patches and carried memos of more than one chunk.
func TestMemoGroupsChangingMatchNaive(t *testing.T) {
	p := load(t, seqGroupsSrc)
	appends0, reused0 := memoAppends.Load(), memoReused.Load()
	var chunked int
	rapid.Check(t, func(rt *rapid.T) {
		ev, err := Compile(p)
		if err != nil {
			rt.Fatal(err)
		}
		if rapid.Bool().Draw(rt, "maintainSmall") {
			ev.maintMin = 0
		}
		node := node0("main")
		var st *State
		var history []*State
		next := 0 // the next new key: past every key so far
		ticks := rapid.IntRange(1, 30).Draw(rt, "ticks")
		for i := range ticks {
			if len(history) > 0 && rapid.IntRange(0, 9).Draw(rt, "back") == 0 {
				st = history[rapid.IntRange(0, len(history)-1).Draw(rt, "older")]
			}
			var in []value.Fact
			// A batch of new keys (the first tick: hundreds of them).
			fresh := rapid.IntRange(0, 4).Draw(rt, "fresh")
			if i == 0 {
				fresh = rapid.IntRange(0, 200).Draw(rt, "first")
			}
			for range fresh {
				for v := range rapid.IntRange(1, 3).Draw(rt, "rows") {
					in = append(in, fact("add", next, v))
				}
				next++
			}
			if next > 0 {
				for range rapid.IntRange(0, 6).Draw(rt, "middle") {
					k := rapid.IntRange(0, next-1).Draw(rt, "k")
					v := rapid.IntRange(0, 9).Draw(rt, "v")
					if rapid.Bool().Draw(rt, "up") {
						in = append(in, fact("add", k, v))
					} else {
						in = append(in, fact("drop", k, v))
					}
				}
				if rapid.IntRange(0, 2).Draw(rt, "gc") == 0 {
					in = append(in, fact("done", rapid.IntRange(0, next-1).Draw(rt, "done")))
				}
			}
			what := fmt.Sprintf("tick %d", i)
			if rapid.IntRange(0, 4).Draw(rt, "twice") == 0 {
				tickMatchingNaive(rt, ev, node, st, []value.Fact{fact("add", next, 1), fact("add", 0, 7)}, what+" (sibling)")
			}
			if rapid.IntRange(0, 3).Draw(rt, "again") == 0 {
				// The same tick first: the tick after shares its patches.
				tickMatchingNaive(rt, ev, node, st, in, what+" (the same, before)")
			}
			res := tickMatchingNaive(rt, ev, node, st, in, what)
			checkAggMemos(rt, res.State)
			checkCntMemos(rt, res.State)
			if a := res.State.aggs.Load(); a != nil {
				for _, m := range *a { // counting: order-free
					if len(m.groups.chunks) > 1 {
						chunked++
					}
				}
			}
			history = append(history, st)
			st = res.State
		}
	})
	if memoAppends.Load() == appends0 || memoReused.Load() == reused0 || chunked == 0 {
		t.Fatalf("the sequences appended to memo rows in place %d times, shared an earlier patch %d times and carried %d memos of several chunks: the representation was not exercised", memoAppends.Load()-appends0, memoReused.Load()-reused0, chunked)
	}
	t.Logf("%d in-place appends, %d shared patches, %d memos of several chunks", memoAppends.Load()-appends0, memoReused.Load()-reused0, chunked)
}
