package eval

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// seqTailSrc keeps relations that gain rows in the middle (keys drawn at
// random, not in order of arrival), so that the States' relations carry
// tails (rel.go): one persisted whole (log), one garbage-collected
// (open), one a :+ rule adds to (notes), read by a count, a negation, a
// join and a self-join.
const seqTailSrc = `.input add(k: int, v: int)
.input done(k: int)
.input note(k: int)
.output seen(k: int, n: int)
.decl log(k: int, v: int)
.decl open(k: int, v: int)
.decl notes(k: int)
.persist log
.persist notes
log(k, v) :- add(k, v).
open(k, v) :- add(k, v).
open(k, v) :+ open(k, v), !done(k).
notes(k) :+ note(k).
n(k, count(v)) :- log(k, v).
seen(k, n) :- n(k, n), !done(k).
both(k, v) :- log(k, v), open(k, v).
pair(k) :- log(k, v), log(k, w), (v < w).
lonely(k) :- notes(k), !log(k, _).`

// checkRels fails unless every relation of st is a well-formed rel: a
// strictly increasing run, a tail of distinct rows none of which is in
// the run, a cache exactly when there is a tail, and a sorted form that
// is the rows in canonical order.
func checkRels(t fataler, st *State) {
	for _, e := range st.rels.ents {
		name, r := e.name, e.r
		if len(r.rows) == 0 || r.sortedN < 0 || r.sortedN > len(r.rows) || (r.flat != nil) != (r.sortedN < len(r.rows)) {
			t.Fatalf("%s: malformed rel: %d rows, run %d, cache %v", name, len(r.rows), r.sortedN, r.flat != nil)
		}
		for i := 1; i < r.sortedN; i++ {
			if compareTuples(r.rows[i-1], r.rows[i]) >= 0 {
				t.Fatalf("%s: run not increasing at %d", name, i)
			}
		}
		want := sortedCopy(r.rows)
		if len(want) != len(r.rows) {
			t.Fatalf("%s: %d rows, %d distinct", name, len(r.rows), len(want))
		}
		if !sameRows(want, r.sorted()) {
			t.Fatalf("%s: sorted form %v, want %v", name, r.sorted(), want)
		}
	}
}

// TestTailedRelationsMatchNaive ticks seqTailSrc through random
// sequences (rows added in the middle, garbage collection, :+ additions,
// ticks from older States, two ticks from one State) and compares every
// tick with Naive's over the canonical facts. It also checks each State's
// rels are well formed, and that the sequences did exercise the
// representation: States with tails, and tails merged into the run.
func TestTailedRelationsMatchNaive(t *testing.T) {
	checkCarryDiffs.Store(true)
	defer checkCarryDiffs.Store(false)
	p := load(t, seqTailSrc)
	var tails, merges atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		ev, err := Compile(p)
		if err != nil {
			rt.Fatal(err)
		}
		if rapid.Bool().Draw(rt, "maintain") {
			ev.maintMin = 0
		}
		ev.tailMin = rapid.SampledFrom([]int{1, 16, defaultTailMin}).Draw(rt, "tailMin")
		node := node0("main")
		var st *State
		var history []*State
		keys := rapid.IntRange(4, 200).Draw(rt, "keys")
		ticks := rapid.IntRange(1, 80).Draw(rt, "ticks")
		for i := range ticks {
			if len(history) > 0 && rapid.IntRange(0, 9).Draw(rt, "back") == 0 {
				st = history[rapid.IntRange(0, len(history)-1).Draw(rt, "older")]
			}
			var in []value.Fact
			for range rapid.IntRange(0, 8).Draw(rt, "adds") {
				in = append(in, fact("add", rapid.IntRange(0, keys-1).Draw(rt, "k"), rapid.IntRange(0, 3).Draw(rt, "v")))
			}
			if rapid.IntRange(0, 3).Draw(rt, "gc") == 0 {
				in = append(in, fact("done", rapid.IntRange(0, keys-1).Draw(rt, "done")))
			}
			if rapid.Bool().Draw(rt, "note") {
				in = append(in, fact("note", rapid.IntRange(0, keys-1).Draw(rt, "note")))
			}
			what := fmt.Sprintf("tick %d", i)
			if rapid.IntRange(0, 4).Draw(rt, "twice") == 0 {
				// A tick from the same State first, with other
				// deliveries: it may claim the room behind the
				// State's relations; the tick below must not see
				// its rows.
				tickMatchingNaive(rt, ev, node, st, []value.Fact{fact("add", keys, 0)}, what+" (sibling)")
			}
			res := tickMatchingNaive(rt, ev, node, st, in, what)
			checkRels(rt, res.State)
			for _, name := range []string{"log", "notes"} {
				next, prev := res.State.relOf(name), st.relOf(name)
				if next.flat != nil {
					tails.Add(1)
				}
				if prev.flat != nil && next.flat == nil && len(next.rows) > len(prev.rows) {
					merges.Add(1)
				}
			}
			history = append(history, st)
			st = res.State
		}
	})
	if tails.Load() == 0 || merges.Load() == 0 {
		t.Fatalf("the sequences made %d relations with tails and merged %d: the representation was not exercised", tails.Load(), merges.Load())
	}
	t.Logf("%d relations with tails, %d merged", tails.Load(), merges.Load())
}

// TestTailedRelationShared checks the point of the representation: a
// relation that gains a row in the middle goes to the next State as the
// tick's rows (same array, the run unchanged, the row in the tail), not
// as a sorted copy; Facts lists it in canonical order.
func TestTailedRelationShared(t *testing.T) {
	ev, err := Compile(load(t, seqTailSrc))
	if err != nil {
		t.Fatal(err)
	}
	node := node0("main")
	var in []value.Fact
	for k := range 1000 {
		in = append(in, fact("add", 2*k, 0))
	}
	res := tickMatchingNaive(t, ev, node, nil, in, "tick 1")
	st := res.State
	before := st.relOf("log")
	if before.flat != nil || len(before.rows) != 1000 {
		t.Fatalf("log after tick 1: %d rows, tail %v", len(before.rows), before.flat != nil)
	}
	for i := range 3 {
		res = tickMatchingNaive(t, ev, node, st, []value.Fact{fact("add", 2*i+1, 0)}, fmt.Sprintf("tick %d", i+2))
		st = res.State
		after := st.relOf("log")
		if len(after.rows) != 1001+i || after.sortedN != 1000 || after.flat == nil {
			t.Fatalf("log after tick %d: %d rows, run %d, tail %v; want %d rows, the run of 1000, a tail", i+2, len(after.rows), after.sortedN, after.flat != nil, 1001+i)
		}
		if i > 0 && &after.rows[0] != &before.rows[0] {
			t.Fatalf("tick %d: log was copied (the room behind it should have taken the row)", i+2)
		}
		before = after
	}
	want := []value.Tuple{fact("log", 0, 0).Tuple, fact("log", 1, 0).Tuple, fact("log", 2, 0).Tuple, fact("log", 3, 0).Tuple}
	if d := cmp.Diff(want, st.Facts()["log"][:4]); d != "" {
		t.Fatalf("State.Facts() log starts (-want +got):\n%s", d)
	}
}

// TestTailedStateSharedAcrossGoroutines ticks from, lists and compares one
// State with tails from many goroutines at once (run it with -race): the
// sorted forms are made lazily and cached, and the first tick from the
// State may append behind its relations in place.
func TestTailedStateSharedAcrossGoroutines(t *testing.T) {
	ev, err := Compile(load(t, seqTailSrc))
	if err != nil {
		t.Fatal(err)
	}
	node := node0("main")
	var in []value.Fact
	for k := range 500 {
		in = append(in, fact("add", 2*k, 0))
	}
	res := tickMatchingNaive(t, ev, node, nil, in, "tick 1")
	res = tickMatchingNaive(t, ev, node, res.State, []value.Fact{fact("add", 1, 0), fact("note", 3)}, "tick 2")
	st := res.State
	if st.relOf("log").flat == nil {
		t.Fatal("log has no tail: the test would test nothing")
	}
	deliveries := func(i int) []value.Fact { return []value.Fact{fact("add", 2*i+3, i%2), fact("done", 2*i)} }
	want := make([]*Result, 8)
	for i := range want {
		want[i] = tickMatchingNaive(t, ev, node, st, deliveries(i), fmt.Sprintf("sequential %d", i))
	}
	// A fresh State with the same rows (no cached sorted forms yet, no
	// memos or indexes: the goroutines make and publish them).
	rels := newRelSet(st.rels.len())
	for _, e := range st.rels.ents {
		name, r := e.name, e.r
		if r.flat != nil {
			r.flat = &flatRows{}
		}
		rels.set(name, r)
	}
	fresh := &State{rels: rels, prog: st.prog}
	got := make([]*Result, len(want))
	errs := make([]error, len(want))
	facts := make([]FactSet, len(want))
	var wg sync.WaitGroup
	for i := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			facts[i] = fresh.Facts()
			if !fresh.Equal(st) {
				errs[i] = fmt.Errorf("goroutine %d: State not Equal to itself", i)
				return
			}
			got[i], errs[i] = ev.Tick(node, Input{State: fresh, Delivered: deliveries(i)}, nil, Limits{})
		}()
	}
	wg.Wait()
	for i := range want {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d := cmp.Diff(want[i], got[i], resultOpt); d != "" {
			t.Fatalf("input %d: concurrent tick differs (-sequential +concurrent):\n%s", i, d)
		}
		if d := cmp.Diff(st.Facts(), facts[i]); d != "" {
			t.Fatalf("goroutine %d: Facts differ (-want +got):\n%s", i, d)
		}
	}
}

// TestDiffRels: diffRels gives what diffSorted gives on the sorted forms,
// for a later version that extends the older one in its own array (rows
// appended behind it: in order, keeping the run; out of order, as a
// tail) and for unrelated versions.
func TestDiffRels(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		base := pairRows(rt, "base", 60, 2)
		var more []value.Tuple
		for _, t := range pairRows(rt, "more", 60, 2) {
			if _, found := searchRows(base, t); !found {
				more = append(more, t)
			}
		}
		inOrder := rapid.Bool().Draw(rt, "inOrder")
		if inOrder {
			more = slices.DeleteFunc(more, func(t value.Tuple) bool { return len(base) > 0 && compareTuples(t, base[len(base)-1]) <= 0 })
		} else {
			more = rapid.Permutation(more).Draw(rt, "tailOrder") // order: a tail's
		}
		arr := slices.Concat(base, more)
		old := flatRel(arr[:len(base):len(base)])
		cur := tailRel(arr[:len(arr):len(arr)], len(base))
		if inOrder {
			cur = flatRel(arr[:len(arr):len(arr)])
		}
		check := func(what string, a, b rel) {
			add, del := diffRels(a, b)
			wantAdd, wantDel := diffSorted(a.sorted(), b.sorted())
			if !sameRows(add, wantAdd) || !sameRows(del, wantDel) {
				rt.Fatalf("%s: diffRels gives +%v -%v, diffSorted +%v -%v", what, add, del, wantAdd, wantDel)
			}
		}
		check("extended in place", old, cur)
		check("the other way", cur, old)
		other := flatRel(pairRows(rt, "other", 60, 2))
		check("unrelated", old, other)
	})
}
