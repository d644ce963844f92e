package eval

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestAppendsInPlace: a node whose persisted relation gains a row at its
// end each tick hands the next State a relation in the same backing array
// (no copy) on most ticks, and a State ticked again (an older State, two
// ticks at once) still gives the ticks Naive gives, leaving the Results
// made before unchanged.
func TestAppendsInPlace(t *testing.T) {
	p := load(t, seqVotesSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	const ticks = 400
	states, carried, kept, adding := votesAgainstNaive(t, ev, p, ticks, seqDelivery)
	if kept < adding*3/4 {
		t.Errorf("votes kept their backing array on %d of the %d ticks that added to them, want most", kept, adding)
	}
	before := statesText(states)
	// Older States ticked again, each twice and from several goroutines
	// at once: only one tick may append in place; all agree with Naive.
	for _, k := range []int{ticks - 1, ticks - 2, ticks / 2, 10} {
		tickAtOnce(t, ev, p, node0("main"), states, carried, func(int) int { return k }, func(g int) []value.Fact {
			return []value.Fact{fact("vote", 1000+g, g), fact("vote", 2000, g)}
		})
	}
	sameStates(t, states, before)
}

// TestRepeatedTicksFollowTheClaimer: ticks from one State after the one
// that appended in place share its rows where they add the same ones (no
// copy of the relation), part from them at the first row that differs,
// and agree with Naive throughout, also when they run at once (-race).
func TestRepeatedTicksFollowTheClaimer(t *testing.T) {
	p := load(t, seqVotesSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	var st *State
	var naive FactSet
	for i := 1; i <= 300; i++ {
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: seqDelivery(i)}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Naive(p, node0("main"), Input{Carried: naive, Delivered: seqDelivery(i)}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		st, naive = res.State, ref.Next()
	}
	tick := func(in []value.Fact) *Result {
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: in}, nil, Limits{})
		ref, rerr := Naive(p, node0("main"), Input{Carried: naive, Delivered: in}, nil, Limits{})
		if err != nil || rerr != nil {
			t.Errorf("tick of %v: %v, %v", in, err, rerr)
			return nil
		}
		if d := cmp.Diff(ref, res, resultOpt); d != "" {
			t.Errorf("tick of %v differs from Naive (-naive +tick):\n%s", in, d)
		}
		return res
	}
	votes := func(in []value.Fact) []value.Tuple {
		res := tick(in)
		if res == nil {
			t.FailNow()
		}
		return res.State.Facts()["votes"]
	}
	same := []value.Fact{fact("vote", 5000, 0), fact("vote", 5000, 1)}
	first := votes(same) // claims the room
	old := st.Facts()["votes"]
	if &first[0] != &old[0] {
		t.Fatalf("the first tick did not append in place")
	}
	for _, c := range []struct {
		in     []value.Fact
		shares bool // the votes of the next State are the claimer's rows
	}{
		{same, true},
		{same[:1], true},
		{[]value.Fact{fact("vote", 5000, 0), fact("vote", 5001, 0)}, false},
		{[]value.Fact{fact("vote", 6000, 0)}, false},
	} {
		got := votes(c.in)
		if shares := &got[0] == &first[0]; shares != c.shares {
			t.Errorf("tick of %v: votes share the claimer's rows = %v, want %v", c.in, shares, c.shares)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := same
			if g%2 == 1 {
				in = []value.Fact{fact("vote", 5000, 0), fact("vote", 7000+g, 0)}
			}
			tick(in)
		}()
	}
	wg.Wait()
}

// TestSortedRelationsKeepRoom: a persisted relation that gains rows in
// the middle (votes sorted by transaction, three transactions in turn) is sorted into a
// slice with room behind it, which the next State offers to its first
// tick (claimed: that tick appends in place instead of growing a copy),
// and older States ticked again, at once from several goroutines, still
// agree with Naive and leave the States made before unchanged.
func TestSortedRelationsKeepRoom(t *testing.T) {
	p := load(t, seqVotesSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	var states []*State
	var carried []FactSet
	var st *State
	var naive FactSet
	offered, claimed, big := 0, 0, 0
	const ticks = 400
	for i := 1; i <= ticks; i++ {
		in := []value.Fact{fact("vote", i%3, i)} // transaction i%3: lands in the middle
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Facts()["votes"]) >= roomMin { // smaller ones are copied
			big++
			if tip := st.tipOf("votes"); tip != nil && tip.used.Load() == -1 {
				claimed++
			}
			if res.State.tipOf("votes") != nil {
				offered++
			}
		}
		ref, err := Naive(p, node0("main"), Input{Carried: naive, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !equalFactSets(ref.Next(), res.Next()) {
			t.Fatalf("tick %d: the next State differs from Naive's", i)
		}
		if i%50 == 0 { // the whole Result (cmp is slow over large ones)
			if d := cmp.Diff(ref, res, resultOpt); d != "" {
				t.Fatalf("tick %d differs from Naive (-naive +tick):\n%s", i, d)
			}
		}
		st, naive = res.State, ref.Next()
		states, carried = append(states, st), append(carried, ref.Next())
	}
	if big < ticks/4 || offered < big*3/4 || claimed < big*3/4 {
		t.Errorf("room behind votes offered on %d and claimed on %d of %d ticks from a State of %d votes or more, want most", offered, claimed, big, roomMin)
	}
	before := statesText(states)
	for _, k := range []int{ticks - 1, ticks - 2, ticks / 2} {
		tickAtOnce(t, ev, p, node0("main"), states, carried, func(int) int { return k }, func(g int) []value.Fact {
			return []value.Fact{fact("vote", g%3, 1000+g), fact("vote", 5, 7)}
		})
	}
	sameStates(t, states, before)
}

// tipOf returns the room the State offers behind relation rel (nil: none).
func (s *State) tipOf(rel string) *rowTip {
	if s == nil {
		return nil
	}
	return s.tips[rel]
}

// TestSortedRoomSizedToGrowth: a large relation that gains a row in the
// middle is copied into a sorted slice whose room is sized to the rows
// the tick added (roomFor), not to the relation (n/8 would allocate and
// clear hundreds of rows that the next tick, adding one, leaves unused),
// and the next tick still claims that room and agrees with Naive.
func TestSortedRoomSizedToGrowth(t *testing.T) {
	p := load(t, seqVotesSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	carried := FactSet{}
	for tx := range 3 {
		for v := range 1000 {
			carried["votes"] = append(carried["votes"], fact("votes", tx, v).Tuple)
		}
	}
	st, err := ev.NewState(carried)
	if err != nil {
		t.Fatal(err)
	}
	naive := st.Facts()
	for i, in := range [][]value.Fact{{fact("vote", 1, 5000)}, {fact("vote", 0, 5001)}} {
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Naive(p, node0("main"), Input{Carried: naive, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref, res, resultOpt); d != "" {
			t.Fatalf("tick %d differs from Naive (-naive +tick):\n%s", i, d)
		}
		if i == 1 {
			if tip := st.tipOf("votes"); tip == nil || tip.used.Load() != -1 {
				t.Errorf("tick %d did not claim the room its State offered behind votes", i)
			}
		}
		n := len(res.Next()["votes"])
		tip := res.State.tipOf("votes")
		if tip == nil {
			t.Fatalf("tick %d: no room offered behind %d votes", i, n)
		}
		if room := len(tip.buf) - tip.at; room < roomGrowth || room >= n/8 {
			t.Errorf("tick %d: room behind %d votes is %d rows, want at least %d and below n/8 = %d", i, n, room, roomGrowth, n/8)
		}
		st, naive = res.State, ref.Next()
	}
}

// TestRoomSurvivesQuietTicks: a tick that adds nothing to a persisted
// relation hands its State's room on to the next State, so the ticks of a
// node whose deliveries alternate (votes, then none) still append in
// place; and the two States offering the same room, ticked again at
// once, agree with Naive and leave every State made before unchanged.
func TestRoomSurvivesQuietTicks(t *testing.T) {
	p := load(t, seqVotesSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	const ticks = 400
	states, carried, kept, adding := votesAgainstNaive(t, ev, p, ticks, func(i int) []value.Fact {
		if i%2 == 1 {
			return seqDelivery(i)
		}
		return nil
	})
	if copies := adding - kept; copies > adding/8 {
		t.Errorf("votes moved to a new array on %d of the %d ticks that added to them, want few", copies, adding)
	}
	before := statesText(states)
	// states[k] (a quiet tick's) and states[k-1] offer the same room.
	for _, k := range []int{ticks - 1, ticks - 3, ticks / 2} {
		tickAtOnce(t, ev, p, node0("main"), states, carried, func(g int) int { return k - g%2 }, func(g int) []value.Fact {
			return []value.Fact{fact("vote", 1000+g, g), fact("vote", 2000, g)}
		})
	}
	sameStates(t, states, before)
}

// votesAgainstNaive runs seqVotesSrc for ticks ticks, tick i delivering
// in(i), each checked against Naive, and returns every State with
// Naive's carried facts beside it; adding counts the ticks that
// delivered to a State already holding votes, kept those of them whose
// next State's votes kept the backing array (appended in place).
func votesAgainstNaive(t *testing.T, ev *Evaluator, p *analysis.Program, ticks int, in func(i int) []value.Fact) (states []*State, carried []FactSet, kept, adding int) {
	t.Helper()
	var st *State
	var naive FactSet
	for i := 1; i <= ticks; i++ {
		del := in(i)
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: del}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := st.Facts()["votes"], res.State.Facts()["votes"]; len(a) > 0 && len(del) > 0 {
			adding++
			if &a[0] == &b[0] {
				kept++
			}
		}
		ref, err := Naive(p, node0("main"), Input{Carried: naive, Delivered: del}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref.Next(), res.State.Facts()); d != "" {
			t.Fatalf("tick %d: next State differs from Naive (-naive +tick):\n%s", i, d)
		}
		st, naive = res.State, ref.Next()
		states, carried = append(states, st), append(carried, ref.Next())
	}
	return states, carried, kept, adding
}
