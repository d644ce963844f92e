package eval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/semantics/value"
)

// lazyAggSrc counts votes per transaction with the count first (the head
// tuple moves in the middle of the rows on every vote, as the 2PC
// coordinator's numYes does). done reads the counts from their delta
// (maintained); need changes now and then (a new quorum), and then the
// maintained rule joins it with every count, and look, delivered now and
// then, reads the counts on the full path.
const lazyAggSrc = `.input vote(tx: int, voter: int)
.input setNeed(n: int)
.input look(tx: int)
.output done(tx: int)
.output seen(tx: int, n: int)
.decl votes(tx: int, voter: int)
.decl need(n: int)
votes(t, v) :- vote(t, v).
.persist votes
need(n) :- setNeed(n).
.persist need
nv(count(v), t) :- votes(t, v).
done(t) :- nv(n, t), need(n).
seen(t, n) :- look(t), nv(n, t).`

// TestOwedRowsMadeOnlyWhenRead: an aggregate whose head only maintained
// rules read has its rows made only in the ticks that read them whole (a
// join from another relation's change, a full-path rule, the Result's
// facts), and every tick agrees with Naive, including the ticks after
// rows were made from a memo whose own rows never were.
func TestOwedRowsMadeOnlyWhenRead(t *testing.T) {
	p := load(t, lazyAggSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev.maintMin = 0
	node := node0("main")
	var st *State
	var naive FactSet
	quiet, quietMade := 0, int64(0)
	for i := 1; i <= 300; i++ {
		in := []value.Fact{fact("vote", i/3, i%3), fact("vote", i/5, 3+i%5)}
		reads := false
		switch {
		case i == 1 || i%50 == 0:
			in, reads = append(in, fact("setNeed", 2+i%3)), true
		case i%37 == 0:
			in, reads = append(in, fact("look", i/4)), true
		}
		before := memoRowsMade.Load()
		res, err := ev.Tick(node, Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		made := memoRowsMade.Load() - before
		ref, err := Naive(p, node, Input{Carried: naive, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref.Outputs, res.Outputs); d != "" {
			t.Fatalf("tick %d: outputs differ from Naive (-naive +tick):\n%s", i, d)
		}
		if !reads && i > 1 {
			quiet++
			quietMade += made
		}
		if i%10 == 0 { // the Result's facts make the rows too
			if d := cmp.Diff(ref.Facts(), res.Facts()); d != "" {
				t.Fatalf("tick %d: facts differ from Naive (-naive +tick):\n%s", i, d)
			}
		}
		st, naive = res.State, ref.Next()
	}
	// Other tests in the package may make rows at the same time (the
	// counter is shared): allow a few.
	if quietMade > int64(quiet)/10 {
		t.Errorf("rows made in %d of the %d ticks nobody read them whole, want (almost) none", quietMade, quiet)
	}
}
