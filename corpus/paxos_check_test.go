package corpus_test

import (
	"testing"
	"time"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// TestPaxosScalableRefinesBase: every checked run of ScalablePaxos is
// explained by a run of BasePaxos (§5.2), fault-free and with general
// omission on one node (§2.5). Unknown runs (the search for the original's
// run hit its bound) are tolerated up to 5% and logged, as in the checker's
// corpus pairs (docs/CORPUS.md lists them). Every run has a 30 s
// wall-clock budget, so that such a run cannot stall the suite; the
// verdicts asserted here do not depend on it. The default is 20 + 20 runs,
// -long the 200 + 200, both with a 100-unit horizon: 25 heartbeat
// periods, past every output of a 3-input run (the last arrives by about
// 60 even after a leader change), where the default horizon 2000 only adds
// heartbeats (docs/PERFORMANCE.md, "Paxos"). Measured on the -long seeds
// through dsim check (2026-12-02, --timeout 120s): 9 of 200 fault-free
// and 6 of 200 with omission Unknown (max-states), 0 NotEquivalent.
func TestPaxosScalableRefinesBase(t *testing.T) {
	orig, rew := loadProgram(t, "paxos/base.ded"), loadProgram(t, "paxos/scalable.ded")
	runs, horizon := 20, int64(100)
	if *long {
		runs = 200
	}
	for _, faults := range []string{"", "omission random f=1 p=0.3 until=20"} {
		t.Run(faults, func(t *testing.T) {
			plan, err := sim.ParseFaultPlan(faults)
			if err != nil {
				t.Fatal(err)
			}
			opts := checker.Options{Runs: runs, Spec: sim.Spec{Seed: 1, Faults: plan, Open: 3, Limits: sim.Limits{MaxTime: horizon}}, Jobs: 2, Timeout: 30 * time.Second, NoShrink: true}
			if faults != "" {
				opts.Seed = 1000
			}
			rep, err := checker.Check(orig, rew, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict == checker.NotEquivalent || rep.Undecided*20 > len(rep.Runs) {
				t.Fatalf("%s", rep.Text(checker.SavedFiles{}))
			}
			if rep.Undecided > 0 {
				t.Logf("%d of %d runs Unknown: %s", rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
			}
			for _, r := range rep.Runs {
				if r.Verdict == checker.Equivalent && r.Witness == nil {
					t.Fatalf("run %d: Equivalent without a witness", r.Index)
				}
			}
		})
	}
}
