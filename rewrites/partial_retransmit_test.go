package rewrites

import (
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// TestPartialRetransmits: partial partitioning's commit round retransmits,
// so a lost vote request, vote or commit does not freeze a partition
// forever. Each case is a seeded omission run of micro-partial's derived
// program that was NotEquivalent to its base before the retransmission
// rules (found by dsim check --inputs 5 with the fault plan below; seed 38:
// the vote of replica[1] is lost, so its coordinator never commits ballot
// 1, partition replica[4] stays frozen and request 5 is never answered,
// while the original answers it).
func TestPartialRetransmits(t *testing.T) {
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		seed   uint64
		inputs int
	}{
		{name: "lost vote (seed 38)", seed: 38, inputs: 5},
		// The vote request to replica[3] is lost: it never freezes, but its
		// coordinator never commits, so its replica's other partition stays
		// frozen and request 8 is never answered.
		{name: "lost vote request (seed 229)", seed: 229, inputs: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := open(t, "micro/partial/before.ded")
			base := load(t, "corpus/micro/partial/before.ded", src)
			steps, err := ParsePlan("micro-partial.plan", open(t, "plans/micro-partial.plan"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ApplyAll("corpus/micro/partial/before.ded", src, steps)
			if err != nil {
				t.Fatal(err)
			}
			out := res[len(res)-1]
			// The options of `dsim check --runs 1 --seed S --inputs N --faults ...`.
			rep, err := checker.Check(base, out.Program, checker.Options{Runs: 1, Spec: sim.Spec{Faults: faults, Seed: tc.seed, Open: tc.inputs}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != checker.Equivalent {
				t.Fatalf("derived micro-partial vs its base (seed %d, %d inputs, omission): %v\n%s", tc.seed, tc.inputs, rep.Verdict, rep.Text(checker.SavedFiles{}))
			}
		})
	}
}
