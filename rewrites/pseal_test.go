package rewrites

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// Partitioned sealing (App. B.4) of the replicas' reports after partial
// partitioning, with one replicated input and with two: the output refines
// the input fault-free and under omission faults, and every generated rule
// fires in the check's runs (so the combination of the partitions' parts
// is exercised, not only compiled). Measured for two inputs by hand: 100
// of 100 Equivalent each (seeds 0..99, 3 requests); with 5 requests, 20
// runs: 16 and 17 explained, the rest Unknown (max-states), none
// NotEquivalent.
func TestPartitionedSealing(t *testing.T) {
	runs := 10
	if *long {
		runs = 100
	}
	for _, c := range []struct {
		file, step string
		want       []string
	}{
		{"pseal/report.ded", "partial replica : newBallot seal=report", []string{
			"reportPartOut(l, i, src, b, id, payload) :- newBallotApplied(b), stored(id, payload), leader(l), replicaOrigSelf(src), replicaApply(i, _).",
			"reportPartDest(l, i) :- newBallotApplied(b), leader(l), self(src), replicaApply(i, _).",
			"reportPartCount(d, i, 0) :- reportPartDest(d, i), !reportPartAny(d, i).",
			"reportReady(o, i) :- reportPartsDone(o, i, k), replicaSealParts(k), !reportAdmitted(o, i).",
			"reportSize(b, count(id)) :- reportSealed(_, b, id, _).",
		}},
		// Two replicated inputs: each sending rule answers the writes of
		// the input it reads, by that input's apply relation.
		{"pseal/twoinputs.ded", "partial replica : newBallot newEpoch seal=report", []string{
			"reportPartOut(l, i, src, b, id, payload) :- newBallotApplied(b), stored(id, payload), leader(l), replicaOrigSelf(src), replicaNewBallotApply(i, _).",
			"reportPartDest(l, i) :- newEpochApplied(e), leader(l), self(src), replicaNewEpochApply(i, _).",
			"reportSize(b, count(id)) :- reportSealed(_, b, id, _).",
		}},
	} {
		t.Run(c.file, func(t *testing.T) { checkSealed(t, runs, c.file, c.step, c.want) })
	}
}

func checkSealed(t *testing.T, runs int, file, step string, want []string) {
	base, res, out := applyTestdata(t, file, step, want...)
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
