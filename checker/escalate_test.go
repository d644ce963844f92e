package checker

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestEscalationAvoidsFalseCounterexample: in this run of partial
// partitioning the rewrite answers a request at time 3 with ballot 1,
// because the ballot-2 write issued at time 1 had not committed at that
// partition yet. The original explains it only with newBallot messages
// delayed by more than 3, so the search within 1..3 finds no witness.
// (Before escalation existed, this exact run was reported NotEquivalent,
// late reply(3, 3, 1); `dsim check ... --max-escalated-delay -1` still
// does. With the escalated search alone it was Unknown: its depth-first
// order reached the early newBallot messages only after 1,000,000
// states.) The sparse pass (delay 1 or delivery past the last observed
// time) finds the replayed witness within the default budget.
// The run is testdata/partial-304.schedule: seed 304's run under the
// workload generator of that time (ids 1, 2, 3), recorded so that changes
// to generated workloads do not lose it; it replays against
// testdata/partial-no-retransmit.ded, after.ded as it was before its
// commit round retransmitted lost messages (docs/CORPUS.md), since the
// retransmissions are choices the schedule does not pin.
func TestEscalationAvoidsFalseCounterexample(t *testing.T) {
	orig, rew := load(t, "micro/partial/before.ded"), loadAny(t, "checker/testdata/partial-no-retransmit.ded")
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Runs: 1, Spec: sim.Spec{Seed: 304, Faults: faults, Open: 3}, NoShrink: true}
	text, err := os.ReadFile("testdata/partial-304.schedule")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sim.ParseSchedule("testdata/partial-304.schedule", string(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckSchedule(orig, rew, sched, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != Equivalent || !strings.Contains(r.Found, "sparse escalated search") {
		t.Fatalf("want Equivalent by the sparse escalated pass, got %s (%s):\n%s", r.Verdict, r.Found, rep.Text(SavedFiles{}))
	}
	if r.Witness == nil {
		t.Fatal("Equivalent without a witness")
	}
	// The sparse pass tries delay 1 and delivery at H+1 per message.
	if r.Delays.Max != 1 || r.Delays.Late <= 3 {
		t.Errorf("the deciding search explored %+v; want the sparse pass's delay 1 and a delivery time past 1..3", r.Delays)
	}
	// Without escalation the same run is the false counterexample.
	opts.MaxEscalatedDelay = -1
	rep, err = CheckSchedule(orig, rew, sched, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != NotEquivalent {
		t.Errorf("--max-escalated-delay -1: %s, want the (false, within 1..3) NotEquivalent", rep.Verdict)
	}
}

// TestSparseDeviationPassHoldsAMessageBack: in this run of ScalablePaxos
// under omission faults (testdata/paxos-363.schedule: seed 363 of `dsim
// check corpus/paxos/base.ded corpus/paxos/scalable.ded --inputs 3
// --faults 'omission random f=1 p=0.3 until=20' --max-time 100`, with
// scalable.ded as testdata/paxos-scalable-unobserved.ded keeps it) proposer
// 1 takes over at time 23 before acceptor 1's second partition, which had
// accepted request 6 in slot 1, has promised; it recovers slots 0 and 2
// from the first partition's log, fills slot 1 with a no-op and chooses
// request 6 in slot 3. The original's acceptor 1 answers with one log of
// every slot it accepted, so the original explains the run only if that
// acceptor never accepted slot 1 before promising: its p2a for slot 1 must
// arrive after everything observed, far past delays 1..3 and past what any
// guide says. The deviation passes over the escalated alternatives (every
// delay up to time 101 per message) spend their budgets on later choices;
// the one over the sparse alternatives (guided, 1, delivery at 101, loss)
// around the response guide's run holds that p2a back at its first
// deviation. The run was Unknown (216,255 states in all passes).
func TestSparseDeviationPassHoldsAMessageBack(t *testing.T) {
	if referenceSearch && !*long {
		t.Skip("-noresume: the reference search is slow on this run; add -long")
	}
	r := checkPaxosSchedule(t, "checker/testdata/paxos-scalable-unobserved.ded", "testdata/paxos-363.schedule")
	if r.Escalation != EscalatedDeviations || !strings.HasPrefix(r.Found, "sparse escalated search deviating") {
		t.Fatalf("want a witness of a deviation pass over the sparse alternatives, got %q (escalation %d)", r.Found, r.Escalation)
	}
	// The witness line of that p2a: "choice send mN @T proposer[0] ->
	// acceptor[1] p2a(1, 0, 1, ...) => delay D", delivered at T+D.
	held := false
	for _, line := range strings.Split(r.Witness.String(), "\n") {
		if !strings.Contains(line, "-> acceptor[1] p2a(1, 0, 1, ") {
			continue
		}
		var id string
		var at, delay int64
		if _, err := fmt.Sscanf(line, "choice send %s @%d", &id, &at); err != nil {
			t.Fatalf("witness line %q: %v", line, err)
		}
		if _, err := fmt.Sscanf(line[strings.LastIndex(line, "=>"):], "=> delay %d", &delay); err != nil {
			t.Fatalf("witness line %q: %v", line, err)
		}
		held = at+delay > 100
	}
	if !held {
		t.Errorf("the witness should hold proposer 0's p2a for slot 1 to acceptor 1 back past the horizon (100):\n%s", r.Witness)
	}
}
