package eval

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/semantics/value"
)

// seqUnionSrc: a log that a persistence rule carries and a :+ rule adds
// to (the voting leader's replied), answering each request once.
const seqUnionSrc = `.input req(id: int, p: int)
.output ack(id: int, p: int)
ack(i, p) :- req(i, p), !acked(i, _).
acked(i, p) :+ ack(i, p).
.persist acked`

// TestCarriedUnionsAppendInPlace: a relation carried by a persistence
// rule and added to by a :+ rule, gaining rows at its end, is extended
// in place on most ticks (the next State's rows in the previous State's
// array); so is a row that lands in the middle, behind the rows as a
// tail (most such ticks; a full tail is merged, a copy); repeated
// requests take the copying paths; every tick agrees with Naive; a State ticked again with the
// same delivery shares the rows its first tick added; and older States
// ticked again, by
// 4 goroutines at once (one tick claims the room, the others copy),
// agree with Naive and are left unchanged.
func TestCarriedUnionsAppendInPlace(t *testing.T) {
	p := load(t, seqUnionSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	var states []*State
	var carried []FactSet
	var st *State
	var naive FactSet
	big, inPlace, mid, midInPlace := 0, 0, 0, 0
	const ticks = 600
	for i := 1; i <= ticks; i++ {
		in := []value.Fact{fact("req", 10*i, i)}
		switch {
		case i%7 == 0:
			in = append(in, fact("req", 10*(i/2)+5, i)) // lands in the middle
		case i%11 == 0:
			in = append(in, fact("req", 10*(i-1), -i)) // answered already
		}
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		// The stored rows (a run, and a tail once a row landed in the
		// middle), not the canonical form Facts makes.
		prev, next := st.relOf("acked").rows, res.State.relOf("acked").rows
		if len(prev) >= roomMin {
			grewInPlace := len(next) > len(prev) && &next[0] == &prev[0]
			if i%7 != 0 {
				big++
				if grewInPlace {
					inPlace++
				}
			} else {
				mid++
				if grewInPlace {
					midInPlace++
				}
			}
		}
		ref, err := Naive(p, node0("main"), Input{Carried: naive, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !equalFactSets(ref.Next(), res.Next()) {
			t.Fatalf("tick %d: the next State differs from Naive's", i)
		}
		if i%50 == 0 {
			if d := cmp.Diff(ref, res, resultOpt); d != "" {
				t.Fatalf("tick %d differs from Naive (-naive +tick):\n%s", i, d)
			}
		}
		st, naive = res.State, ref.Next()
		states, carried = append(states, st), append(carried, ref.Next())
	}
	if big < ticks/3 || inPlace < big*3/4 {
		t.Errorf("acked extended in place on %d of %d ticks that append to a State of %d rows or more, want most", inPlace, big, roomMin)
	}
	if mid < ticks/20 || midInPlace < mid/2 {
		t.Errorf("acked extended in place on %d of %d ticks that add a row in its middle, want most", midInPlace, mid)
	}
	// Ticking a State again with what its first tick was delivered adds
	// the same rows: the tick shares the first tick's.
	shared, tried := 0, 0
	for k := ticks / 2; k < ticks-1; k++ {
		i := k + 2 // states[k] was carried into tick k+2
		if i%7 == 0 || i%11 == 0 {
			continue
		}
		tried++
		res, err := ev.Tick(node0("main"), Input{State: states[k], Delivered: []value.Fact{fact("req", 10*i, i)}}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got, first := res.State.relOf("acked").rows, states[k+1].relOf("acked").rows; !equalFactSets(res.Next(), carried[k+1]) {
			t.Fatalf("tick %d again: the next State differs from Naive's", i)
		} else if len(got) == len(first) && &got[0] == &first[0] {
			shared++
		}
	}
	if shared < tried*3/4 {
		t.Errorf("ticks from a State again shared the first tick's rows on %d of %d, want most", shared, tried)
	}
	before := statesText(states)
	for _, k := range []int{ticks - 1, ticks - 2, ticks / 2, ticks/2 + 1} {
		tickAtOnce(t, ev, p, node0("main"), states, carried, func(int) int { return k }, func(g int) []value.Fact {
			in := []value.Fact{fact("req", 100_000+g, g)}
			if g == 3 {
				in = append(in, fact("req", 3, 3)) // and one in the middle
			}
			return in
		})
	}
	sameStates(t, states, before)
}

// seqGCUnionSrc: a log that a garbage-collection rule carries and a :+
// rule adds to, probed by key (its persistent index is brought to the
// next State by the log's change from the tick, nextDiff) and counted.
const seqGCUnionSrc = `.input put(k: int, v: int)
.input done(k: int)
.input ask(k: int)
.output hit(k: int, v: int)
.output big(k: int)
log(k, v) :+ put(k, v).
log(k, v) :+ log(k, v), !done(k).
hit(k, v) :- ask(k), log(k, v).
n(k, count(v)) :- log(k, v).
big(k) :- n(k, c), (c >= 2).`

// TestUnionDiffsMatchNaive ticks seqGCUnionSrc over a log of hundreds of
// rows (large enough for the union to work out the rows it adds) with
// every change recorded for nextDiff checked against the two versions
// (checkCarryDiffs): keys collected and put again in the same tick (a
// dropped row added back is no change), rows in the middle and at the
// end, repeats; every tick agrees with Naive.
func TestUnionDiffsMatchNaive(t *testing.T) {
	checkCarryDiffs.Store(true)
	defer checkCarryDiffs.Store(false)
	p := load(t, seqGCUnionSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	node := node0("main")
	rapid.Check(t, func(rt *rapid.T) {
		var in []value.Fact
		for k := range 150 {
			in = append(in, fact("put", k, 0), fact("put", k, 1))
		}
		st := tickMatchingNaive(rt, ev, node, nil, in, "tick 0").State
		next := 150
		for i := range rapid.IntRange(1, 20).Draw(rt, "ticks") {
			in = in[:0]
			for range rapid.IntRange(0, 4).Draw(rt, "done") {
				k := rapid.IntRange(0, next-1).Draw(rt, "doneKey")
				in = append(in, fact("done", k))
				if rapid.Bool().Draw(rt, "again") {
					in = append(in, fact("put", k, rapid.IntRange(0, 2).Draw(rt, "againV")))
				}
			}
			for range rapid.IntRange(0, 3).Draw(rt, "asks") {
				in = append(in, fact("ask", rapid.IntRange(0, next).Draw(rt, "askKey")))
			}
			for range rapid.IntRange(0, 4).Draw(rt, "puts") {
				k := rapid.IntRange(0, next+2).Draw(rt, "putKey")
				in = append(in, fact("put", k, rapid.IntRange(0, 3).Draw(rt, "v")))
				next = max(next, k+1)
			}
			st = tickMatchingNaive(rt, ev, node, st, in, fmt.Sprintf("tick %d", i+1)).State
		}
	})
}
