package rewrites

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// The plan syntax of partial partitioning: one or more replicated inputs,
// each named once.
func TestParsePartialInputs(t *testing.T) {
	for _, c := range []struct {
		step  string
		want  []string // the replicated inputs; nil: a plan error
		parts int
	}{
		{"partial replica : newBallot", []string{"newBallot"}, 2}, // the default
		{"partial replica : newBallot newEpoch partitions=3", []string{"newBallot", "newEpoch"}, 3},
		{"partial replica : newBallot seal=report newEpoch", []string{"newBallot", "newEpoch"}, 2},
		{"partial replica : newBallot newBallot", nil, 0},
		{"partial replica : partitions=2", nil, 0},
	} {
		st, err := ParseStep(c.step)
		if c.want == nil {
			if err == nil {
				t.Errorf("%q: parsed as %v, want a plan error", c.step, st.Selectors)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.step, err)
			continue
		}
		if strings.Join(st.Selectors, " ") != strings.Join(c.want, " ") || st.Partitions != c.parts {
			t.Errorf("%q: inputs %v partitions %d, want %v and %d", c.step, st.Selectors, st.Partitions, c.want, c.parts)
		}
	}
}

// Partial partitioning with two replicated inputs (§4.3): one coordinator
// per original replica orders the ballot and the epoch writes by one
// index, each partition applies them in that order and buffers its
// stores while a write is pending. The output refines the input
// fault-free and under omission faults, and every generated rule fires
// fault-free (so both relations' rounds and the priority between them are
// exercised).
func TestPartialTwoInputs(t *testing.T) {
	runs := 20
	if *long {
		runs = 100
	}
	base, res, out := applyTestdata(t, "partial/twowrites.ded", "partial replica : newBallot newEpoch",
		"component replicaCoord[2] refines replica {",
		"component replica[4] refines replica {",
		"replicaCoordNewEpochPick(choose(x1)) :- replicaCoordNewEpochQueued(x1), !replicaCoordNewEpochDone(x1), !replicaCoordBusy(), !replicaCoordNewBallotAvail().",
		"newEpochVoteReq@replica[r + m * q](i, x1) :~ replicaCoordNewEpochPick(x1), replicaCoordLast(j), i = j + 1, replicaCoordMe(r), replicaOriginals(m), replicaPartitions(k), less_than(q, k).",
		"replicaNewEpochApply(i, x1) :- replicaNewEpochCommits(i, x1), replicaLastApplied(j), (i == j + 1).",
		"replicaFrozen() :- replicaPending(i), !replicaApplied(i), !replicaApplyIdx(i).",
		"epochs(e) :- newEpochApplied(e).",
		"ack@l(src, id, payload, b, e) :~ toReplicaGo(id, payload), latest(b), current(e), leader(l), self(src).",
	)
	for _, fp := range faultFreeAndOmission(t) {
		rep, err := checker.Check(base, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 0, Open: 4}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict == checker.Unknown && rep.Undecided*20 <= len(rep.Runs) {
			t.Logf("faults %v: %d of %d runs Unknown: %s", fp, rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
		} else if rep.Verdict != checker.Equivalent {
			t.Fatalf("faults %v: the partitions do not refine the original:\n%s\n%s", fp, rep.Text(checker.SavedFiles{}), out)
		}
		if len(fp.Omissions) == 0 && !strings.Contains(rep.Text(checker.SavedFiles{}), "invariant rules not counted)\n") {
			t.Errorf("some generated rule never fired:\n%s", rep.Text(checker.SavedFiles{}))
		}
	}
}
