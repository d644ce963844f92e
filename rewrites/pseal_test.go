package rewrites

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// Partitioned sealing (App. B.4) of the replicas' reports after partial
// partitioning: the output refines the input fault-free and under
// omission faults, and every generated rule fires in the check's runs
// (so the combination of the partitions' parts is exercised, not only
// compiled).
func TestPartitionedSealing(t *testing.T) {
	runs := 10
	if *long {
		runs = 100
	}
	base, res, out := applyTestdata(t, "pseal/report.ded", "partial replica : newBallot seal=report",
		"reportPartOut(l, i, src, b, id, payload) :- newBallotApplied(b), stored(id, payload), leader(l), self(src), replicaApply(i, _).",
		"reportPartDest(l, i) :- newBallotApplied(b), leader(l), self(src), replicaApply(i, _).",
		"reportPartCount(d, i, 0) :- reportPartDest(d, i), !reportPartAny(d, i).",
		"reportReady(o, i) :- reportPartsDone(o, i, k), replicaSealParts(k), !reportAdmitted(o, i).",
		"reportSize(b, count(id)) :- reportSealed(_, b, id, _).",
	)
	for _, fp := range faultFreeAndOmission(t) {
		rep, err := checker.Check(base, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 0, Open: 3}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != checker.Equivalent {
			t.Fatalf("faults %v: the sealed partitions do not refine the original:\n%s\n%s", fp, rep.Text(checker.SavedFiles{}), out)
		}
		if len(fp.Omissions) == 0 && !strings.Contains(rep.Text(checker.SavedFiles{}), "invariant rules not counted)\n") {
			t.Errorf("some generated rule never fired:\n%s", rep.Text(checker.SavedFiles{}))
		}
	}
}
