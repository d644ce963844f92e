package checker

import (
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
	if r.MaxDelay <= 3 {
		t.Errorf("the deciding search explored delays up to %d; want the escalated bound", r.MaxDelay)
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
