package checker

import (
	"os"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestDerivedStateGuide: in this fault-free run of partial partitioning
// (testdata/partial-260.schedule: seed 260 of `dsim run
// corpus/micro/partial/after.ded --open 3`) the rewrite answers request 3
// with ballot 0 and request 8 with ballot 1: the ballot-1 write had not
// committed when request 3 arrived, and request 8 waited in the buffer of
// frozen partitions until it had. The refinement map's delays and the
// state guide (misled by pendingW(1), whose tuple is newBallot(1)'s) do
// not explain it, and the search was Unknown after 80,000 states; the
// derived state guide delivers newBallot(1) and toReplica(8, 7) when the
// partitions derived ballots(1) and stored(8, 7), which is the witness.
func TestDerivedStateGuide(t *testing.T) {
	orig, rew := load(t, "micro/partial/before.ded"), load(t, "micro/partial/after.ded")
	text, err := os.ReadFile("testdata/partial-260.schedule")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sim.ParseSchedule("testdata/partial-260.schedule", string(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckSchedule(orig, rew, sched, Options{Runs: 1, Spec: sim.Spec{Open: 3}, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != Equivalent || r.Stage != StageRefinementMap || r.Witness == nil {
		t.Fatalf("want Equivalent by a guided run, got %s (%q):\n%s", r.Verdict, r.Found, rep.Text(SavedFiles{}))
	}
}

// TestDerivedFrom: the relations the original derives directly from each
// relation, without message rules and self-references.
func TestDerivedFrom(t *testing.T) {
	got := derivedFrom(load(t, "micro/partial/before.ded"))
	for rel, want := range map[string][]string{
		"newBallot": {"ballots"},
		"toReplica": {"stored"},
		"ballots":   {"latest"},
	} {
		if g := got[rel]; len(g) != len(want) || g[0] != want[0] {
			t.Errorf("derivedFrom[%s] = %v, want %v", rel, g, want)
		}
	}
}
