package checker

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestBacktrackLimitedEnumeratesFewDeviations: over a uniform tree of
// choices, the deviation pass's backtracking visits exactly the branches
// that take a non-first alternative at no more than k choices, each once,
// in depth-first (lexicographic) order — compared with a naive
// enumeration of every branch filtered by its number of deviations.
func TestBacktrackLimitedEnumeratesFewDeviations(t *testing.T) {
	for _, tc := range []struct{ depth, width, k int }{
		{1, 3, 1}, {3, 2, 1}, {4, 3, 1}, {4, 3, 2}, {5, 2, 3}, {3, 4, 3}, {6, 3, 2},
	} {
		t.Run(fmt.Sprintf("depth%d_width%d_k%d", tc.depth, tc.width, tc.k), func(t *testing.T) {
			s := &searcher{maxDev: tc.k, diverge: -1, jumpTo: -1}
			var got [][]int
			// One branch: make the choices the stack does not hold yet
			// with their first alternative, as decide does.
			run := func() {
				for len(s.stack) < tc.depth {
					s.stack = append(s.stack, frame{alts: make([]alt, tc.width)})
				}
				b := make([]int, tc.depth)
				for i, f := range s.stack {
					b[i] = f.cur
				}
				got = append(got, b)
			}
			run()
			for s.backtrack() {
				run()
			}
			var want [][]int
			var all func(prefix []int)
			all = func(prefix []int) {
				if len(prefix) == tc.depth {
					dev := 0
					for _, c := range prefix {
						if c > 0 {
							dev++
						}
					}
					if dev <= tc.k {
						want = append(want, slices.Clone(prefix))
					}
					return
				}
				for c := range tc.width {
					all(append(prefix, c))
				}
			}
			all(nil)
			if !slices.EqualFunc(got, want, slices.Equal[[]int]) {
				t.Fatalf("branches:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// checkPaxosSchedule checks one recorded run of a ScalablePaxos program
// against BasePaxos at horizon 100.
func checkPaxosSchedule(t *testing.T, rewritten, schedule string) *RunReport {
	t.Helper()
	orig, rew := load(t, "paxos/base.ded"), loadAny(t, rewritten)
	text, err := os.ReadFile(schedule)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sim.ParseSchedule(schedule, string(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckSchedule(orig, rew, sched, Options{Runs: 1, Spec: sim.Spec{Open: 3, Limits: sim.Limits{MaxTime: 100}}, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != Equivalent || r.Witness == nil {
		t.Fatalf("want Equivalent with a witness, got %s (%q):\n%s", r.Verdict, r.Found, rep.Text(SavedFiles{}))
	}
	return r
}

// TestDeviationPassResolvesUnknown: in this run of ScalablePaxos
// (testdata/paxos-43.schedule: seed 43 of `dsim run
// corpus/paxos/scalable.ded --open 3 --max-time 100`, with
// scalable.ded as testdata/paxos-scalable-unobserved.ded keeps it) the rewrite's
// five-hop phase 1 lets proposer 1's election timeout fire before proposer
// 0's first heartbeat, so a healthy leader is preempted. Proposer 1 admits
// acceptor 2's promise only once its second partition's p1b arrives (at
// 25, a p1b with another log count than the first partition's), which
// makes it recover from all three acceptors and fill slot 1 with a no-op.
// No guide holds the original's p1b from acceptor 2 back that long, so
// every guided run puts request 8 in slot 1; the depth-first search
// within delays 1..3 spends its 20,000 states on later choices (it was
// Unknown). The deviation pass around the response guide's run with k = 1
// finds the witness, which is replayed.
func TestDeviationPassResolvesUnknown(t *testing.T) {
	if referenceSearch && !*long {
		t.Skip("-noresume: the reference search is slow on this run; add -long")
	}
	r := checkPaxosSchedule(t, "checker/testdata/paxos-scalable-unobserved.ded", "testdata/paxos-43.schedule")
	if r.Escalation != EscalatedDeviations || !strings.Contains(r.Found, "response guide") {
		t.Fatalf("want a witness of a deviation pass around the response guide's run, got %q (escalation %d)", r.Found, r.Escalation)
	}
	if r.States <= DefaultMaxStates {
		t.Errorf("states %d: the first search should have used its %d first", r.States, DefaultMaxStates)
	}
}

// TestDeviationPassAroundFirstPieceResponse: in this run of ScalablePaxos
// under omission faults (testdata/paxos-265.schedule: seed 265 of `dsim
// check corpus/paxos/base.ded corpus/paxos/scalable.ded --inputs 3
// --faults 'omission random f=1 p=0.3 until=20' --max-time 100`, with
// scalable.ded as testdata/paxos-scalable-unobserved.ded keeps it) proposer
// 0's p2a for slot 0 reaches acceptor 0's partition after that partition
// promised proposer 1's ballot, so it is rejected, while slots 1 and 2
// were accepted; proposer 1 then recovers from acceptors 0 and 2, fills
// slot 0 with a no-op and chooses request 1 in slot 3. The original's
// acceptor 0 answers p1a with one p1b counting both logged slots, a tuple
// no piece sent (each partition counted its own one), so every guide holds
// it back past the horizon and proposer 1 never leads in time; the
// last-piece response guide also delivers the p1a after the slot-0 p2a.
// The run was Unknown after every other pass (186,181 branches at
// --max-states 200000); the deviation pass around the response guide's
// first-piece run, k = 1, delivers that p1b within 1..3 and finds the
// witness, which is replayed.
func TestDeviationPassAroundFirstPieceResponse(t *testing.T) {
	if referenceSearch && !*long {
		t.Skip("-noresume: the reference search is slow on this run; add -long")
	}
	r := checkPaxosSchedule(t, "checker/testdata/paxos-scalable-unobserved.ded", "testdata/paxos-265.schedule")
	if r.Escalation != EscalatedDeviations || !strings.Contains(r.Found, "first-piece") {
		t.Fatalf("want a witness of the deviation pass around the response guide's first-piece run, got %q (escalation %d)", r.Found, r.Escalation)
	}
}
