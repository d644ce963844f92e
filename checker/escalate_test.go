package checker

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestEscalationAvoidsFalseCounterexample: in this run of partial
// partitioning the rewrite answers a request at time 3 with ballot 1,
// because the ballot-2 write issued at time 1 had not committed at that
// partition yet. The original explains it only with newBallot messages
// delayed by more than 3, so the search within 1..3 finds no witness; the
// escalated search must not let that become NotEquivalent. (Before
// escalation existed, this exact run was reported NotEquivalent, late
// reply(3, 3, 1); `dsim check ... --max-escalated-delay -1` still does.)
func TestEscalationAvoidsFalseCounterexample(t *testing.T) {
	orig, rew := load(t, "micro/partial/before.ded"), load(t, "micro/partial/after.ded")
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Runs: 1, Seed: 304, Requests: 3, Faults: faults, NoShrink: true}

	rep, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	switch r.Verdict {
	case NotEquivalent:
		t.Fatalf("escalation still reports the false counterexample:\n%s", rep.Text(SavedFiles{}))
	case Unknown:
		if !strings.Contains(r.Bound, "escalating delays") {
			t.Fatalf("Unknown should name the escalated bound, got %q", r.Bound)
		}
		t.Logf("Unknown: %s", r.Bound)
	}
	if r.MaxDelay <= 3 {
		t.Errorf("the deciding search explored delays up to %d; want the escalated bound", r.MaxDelay)
	}
}
