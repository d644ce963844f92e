package checker

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// TestReactionsOfBasePaxos: the reactions of BasePaxos's acceptor to a
// p2a copy the columns its rules copy, and an atom with a repeated
// variable (the proposer's p2bs(...) :- p2b(src, n, p, slot, n, p, ...))
// matches only the messages whose columns agree.
func TestReactionsOfBasePaxos(t *testing.T) {
	reactions := reactionsOf(load(t, "paxos/base.ded"))
	var p2b *reaction
	for i, rc := range reactions["p2a"] {
		if rc.head == "p2b" {
			p2b = &reactions["p2a"][i]
		}
	}
	if p2b == nil {
		t.Fatalf("no p2b reaction to p2a: %+v", reactions["p2a"])
	}
	// p2b@proposer[p](src, n, p, slot, bn, bp, id, pl, s) :~ p2a(n, p, slot, id, pl, s), ...
	if want := []int{-1, 0, 1, 2, -1, -1, 3, 4, 5}; !slices.Equal(p2b.cols, want) {
		t.Errorf("p2b columns from p2a: %v, want %v", p2b.cols, want)
	}
	ints := func(xs ...int64) value.Tuple {
		var t value.Tuple
		for _, x := range xs {
			t = append(t, value.Int(x))
		}
		return t
	}
	pat, ok := p2b.pattern(ints(1, 0, 2, 7, 9, 11))
	if !ok {
		t.Fatal("p2a(1, 0, 2, 7, 9, 11) does not match its own atom")
	}
	src := value.AddrOf(value.Addr{Comp: "acceptor", Instance: 1})
	reject := append(value.Tuple{src}, ints(1, 0, 2, 1, 1, 7, 9, 11)...)
	other := append(value.Tuple{src}, ints(1, 0, 3, 1, 1, 7, 9, 11)...)
	if !fits(reject, pat) || fits(other, pat) {
		t.Errorf("pattern %v: a rejection of the same slot must fit (%v), another slot's must not (%v)", pat, fits(reject, pat), fits(other, pat))
	}
	var p2bs *reaction
	for i, rc := range reactions["p2b"] {
		if rc.head == "p2bs" {
			p2bs = &reactions["p2b"][i]
		}
	}
	if p2bs == nil {
		t.Fatalf("no p2bs reaction to p2b: %+v", reactions["p2b"])
	}
	if _, ok := p2bs.pattern(reject); ok {
		t.Errorf("p2bs(...) :- p2b(src, n, p, slot, n, p, ...) matched a rejection (ballot (1, 0), promise (1, 1))")
	}
	accept := append(value.Tuple{src}, ints(1, 0, 2, 1, 0, 7, 9, 11)...)
	if _, ok := p2bs.pattern(accept); !ok {
		t.Errorf("p2bs(...) :- p2b(src, n, p, slot, n, p, ...) did not match an acceptance")
	}
	// beat() :- heartbeat(_, _) copies nothing: no reaction.
	for _, rc := range reactions["heartbeat"] {
		if rc.head == "beat" {
			t.Errorf("beat() is a reaction to heartbeat; a head that copies no column must not be")
		}
	}
}

// TestResponseGuideExplainsBufferedP2a: in this run of ScalablePaxos
// (testdata/paxos-52.schedule, recorded against
// testdata/paxos-scalable-no-retransmit.ded) a healthy leader is
// preempted, and acceptor partitions frozen by the new ballot's write hold
// the old leader's p2a back and then reject it, while other partitions
// accepted theirs. The refinement map's run delivers those p2a's when the
// partitions received them (before the original's acceptors promised the
// new ballot), so the original accepts them and chooses other slots; the
// response guide delivers each when the partition answered it (its p2b)
// and each p1a when the partitions answered it (their p1b), which explains
// the run in one guided branch. Before the response guide the run needed a
// deviation pass after the first search's 20,000 states.
func TestResponseGuideExplainsBufferedP2a(t *testing.T) {
	r := checkPaxosSchedule(t, "checker/testdata/paxos-scalable-no-retransmit.ded", "testdata/paxos-52.schedule")
	if r.Stage != StageRefinementMap || r.Escalation != NotEscalated || r.States > 100 {
		t.Fatalf("want a guided run's witness within a few states, got %q (escalation %d, %d states)", r.Found, r.Escalation, r.States)
	}
}

// TestResponseStateGuide: in this run of guide-promise-after.ded
// (testdata/guide-promise.schedule: `dsim run
// checker/testdata/guide-promise-after.ded --delay uniform:1 --max-time 20`
// with start(1) at 0, put(0, 5) at 1, put(1, 7) at 2) the coordinator
// receives bump(1) at 1, the partition adopts the promise at 3, between
// accepting store(0, 5) (at 2) and store(1, 7) (at 3), and the ack leaves
// at 4. The original's acceptor explains it only if bump(1) arrives at
// exactly 3. Every other guide misses that tick: the refinement map and
// the state guides deliver at the coordinator's receipt (1), the response
// guides at the ack (4), and the derived state guide finds no carried
// fact of a relation derived from bump in one rule (the partition's cand
// and top are derived within the tick). The response-state guide takes
// the first tick in which the partition derived a carried fact reachable
// from bump through the original's rules (promised(1)), so the guided
// runs find the witness and the DFS is never needed.
func TestResponseStateGuide(t *testing.T) {
	orig, rew := loadAny(t, "checker/testdata/guide-promise-before.ded"), loadAny(t, "checker/testdata/guide-promise-after.ded")
	text, err := os.ReadFile("testdata/guide-promise.schedule")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sim.ParseSchedule("testdata/guide-promise.schedule", string(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckSchedule(orig, rew, sched, Options{NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != Equivalent || r.Stage != StageRefinementMap || r.Witness == nil {
		t.Fatalf("want Equivalent by a guided run, got %s (%q):\n%s", r.Verdict, r.Found, rep.Text(SavedFiles{}))
	}
	found := false
	for _, c := range r.Witness.Choices {
		if strings.Contains(c.Key, " bump(1)") {
			found = true
			if c.Decision != "delay 3" {
				t.Errorf("the witness delivers bump(1) with %s, want delay 3 (arrival at 3)", c.Decision)
			}
		}
	}
	if !found {
		t.Errorf("the witness has no choice for bump(1):\n%s", r.Witness)
	}
}

// TestReachableFrom: BasePaxos's p1a reaches the acceptor's carried
// promise through cand and newBallot (not in one rule: derivedFrom does
// not list it), and a relation reaches nothing its rules do not derive.
func TestReachableFrom(t *testing.T) {
	orig := load(t, "paxos/base.ded")
	direct, reach := derivedFrom(orig), reachableFrom(derivedFrom(orig))
	if slices.Contains(direct["p1a"], "promised") {
		t.Fatalf("derivedFrom[p1a] = %v already has promised; the test needs a chain", direct["p1a"])
	}
	for _, want := range []string{"cand", "newBallot", "promised"} {
		if !slices.Contains(reach["p1a"], want) {
			t.Errorf("reachableFrom[p1a] = %v, want it to contain %s", reach["p1a"], want)
		}
	}
	if slices.Contains(reach["p1a"], "requests") {
		t.Errorf("reachableFrom[p1a] = %v contains the proposer's requests", reach["p1a"])
	}
}
