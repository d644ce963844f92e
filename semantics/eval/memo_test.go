package eval

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// seqTwoLogsSrc has state-derived relations over two logs: a tick that
// changes one log keeps the memo of the relations over the other (and of
// those over neither) in the next State. lc is state-derived and carried
// too (ballotLog's shape in corpus/micro/partial): top's memo must not
// carry when lc grows.
const seqTwoLogsSrc = `.input a(x: int)
.input b(x: int)
.decl la(x: int)
.decl lb(x: int)
.persist la
.persist lb
la(x) :+ a(x).
lb(x) :+ b(x).
k(3).
na(count(x)) :- la(x).
pa(x, y) :- la(x), la(y), (x < y).
nb(count(x)) :- lb(x).
both(x) :- la(x), lb(x), k(z), (x < z).
nk(count(z)) :- k(z).
init(0).
lc(x) :- init(x).
.persist lc
lc(y) :+ a(x), y = x + 1.
top(max(x)) :- lc(x).`

// TestMemoCarriesPerRelation: the next State keeps the memo of each
// state-derived relation whose reads did not change, a tick from it
// evaluates only the others (and publishes them), and every tick agrees
// with Naive.
func TestMemoCarriesPerRelation(t *testing.T) {
	p := load(t, seqTwoLogsSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	derived := planMemo(p.Component("main")).derived
	if !slices.Equal(derived, []string{"both", "lc", "na", "nb", "nk", "pa", "top"}) {
		t.Fatalf("state-derived relations: %v", derived)
	}
	held := func(st *State) string {
		m := st.memo.p.Load()
		if m == nil {
			return "none"
		}
		var names []string
		for i, r := range m.rels {
			switch {
			case r != nil && r.older:
				names = append(names, derived[i]+"~") // older facts, to bring up to date
			case r != nil:
				names = append(names, derived[i])
			}
		}
		return fmt.Sprint(names)
	}
	node := node0("main")
	tick := func(st *State, facts ...value.Fact) *State {
		t.Helper()
		return tickMatchingNaive(t, ev, node, st, facts, "tick").State
	}
	s1 := tick(nil, fact("a", 1), fact("a", 2), fact("b", 2))
	s2 := tick(s1) // s1 carries both logs: s2 has the same
	if got := held(s1); got != "[both lc na nb nk pa top]" {
		t.Fatalf("s1's memo after a tick from it holds %s", got)
	}
	if got := held(s2); got != "[both lc na nb nk pa top]" {
		t.Fatalf("s2 (nothing changed) inherited %s", got)
	}
	s3 := tick(s2, fact("b", 1)) // makes s2's memo; lb changes, la does not
	if got := held(s3); got != "[both~ lc na nk pa top]" {
		t.Fatalf("s3 (lb changed) inherited %s, want the memo of lc, na, nk, pa and top, and both's older facts", got)
	}
	before := held(s3)
	s4 := tick(s3) // evaluates both and nb only, and publishes them in s3
	if got := held(s3); got != "[both lc na nb nk pa top]" {
		t.Fatalf("s3's memo after a tick from it holds %s (was %s)", got, before)
	}
	if got := held(s4); got != "[both lc na nb nk pa top]" {
		t.Fatalf("s4 (nothing changed) inherited %s", got)
	}
	s5 := tick(s4, fact("a", 0))
	if got := held(s5); got != "[both~ nb nk pa~]" {
		t.Fatalf("s5 (la changed) inherited %s, want the memo of nb and nk, and both's and pa's older facts", got)
	}
	s6 := tick(s5)
	// Ticks from a partial memo with deliveries, and again from the
	// same States (each agreeing with Naive).
	for _, st := range []*State{s3, s5, s6} {
		tick(st, fact("a", 5), fact("b", 5))
		tick(st)
	}
}

// TestVotingLeaderStaysOnTheDeltaPath: the corpus's voting leader, once
// its State is large enough to be maintained, evaluates none of its
// maintained relations in full (they read numParticipants, a
// state-derived relation whose memo must carry although replied, which
// bad_double_reply reads, grows every tick), and agrees with Naive.
func TestVotingLeaderStaysOnTheDeltaPath(t *testing.T) {
	src, err := os.ReadFile("../../corpus/voting/base.ded")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Compile(load(t, string(src)))
	if err != nil {
		t.Fatal(err)
	}
	node := node0("leader")
	var st *State
	var full int64
	for i := 1; i <= 160; i++ {
		before := maintFullTicks.Load()
		st = tickMatchingNaive(t, ev, node, st, leaderDelivery(i), fmt.Sprintf("tick %d", i)).State
		if i > 120 { // the State has ~360 votes: maintained, memos made
			full += maintFullTicks.Load() - before
		}
	}
	if full > 0 {
		t.Fatalf("%d maintained relations were evaluated in full in ticks 121-160", full)
	}
}
