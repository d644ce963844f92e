package rewrites

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// Monotonic, state-machine and asymmetric decoupling of a component with
// two instances (testdata/multi): NEW gets two instances and instance i of
// C talks to instance i of NEW only. Each output refines its input
// fault-free and under omission faults. Where the pairing matters — the
// tally and the register keep per-instance state that clients address —
// a control replaces it by a broadcast to every instance of NEW, and the
// checker must find that NotEquivalent (in the collector, voters send
// every vote to both leaders anyway, so a broadcast back is harmless and
// there is no control).
func TestMultiInstanceDecoupling(t *testing.T) {
	cases := []struct {
		file, step string
		want       []string
		runs, open int
		// paired, broadcast: the text of the pairing in the output, and
		// the broadcast replacing it in the control ("" for none).
		paired, broadcast string
	}{
		{
			file: "multi/tally.ded", step: "monotonic tally -> checker : inconsistent",
			want: []string{
				"component checker[2] refines tally {",
				"votesFwd@checker[i](b, v) :~ vote(id, v), b = id % 2, tallyOwnIndex(i).",
				"tallyOwnIndex(i) :- self(a), tallyOwnNodes(n), less_than(i, n), (tally[i] == a).",
				"inconsistent(b) :- checkerVotes(b, v1), checkerVotes(b, v2), (v1 != v2).",
			},
			runs: 20, open: 4,
			paired: "votesFwd@checker[i](b, v) :~ vote(id, v), b = id % 2, tallyOwnIndex(i).", broadcast: "votesFwd@i(b, v) :~ vote(id, v), b = id % 2, checker(i).",
		},
		{
			file: "multi/register.ded", step: "statemachine server -> register : vals top answer",
			want: []string{
				"component register[2] refines server {",
				"okGetBatched@d(me, s, x1) :~ okGet(x1), registerBatchSeq(s), serverOwnIndex(i), d = register[i], self(me).",
				"answer(id, v) :- okGetAdmitted(id), top(v).",
			},
			runs: 20, open: 4,
			paired: "serverOwnIndex(i), d = register[i]", broadcast: "register(d)",
		},
		{
			file: "multi/collector.ded", step: "asymmetric leader -> collector : votes numVotes got committed",
			want: []string{
				"component collector[2] refines leader {",
				"voteBatched@d(me, s, x1, x2, x3) :~ vote(x1, x2, x3), collectorBatchSeq(s), collectorOwnIndex(i), d = leader[i], self(me).",
				"collectorOwnIndex(i) :- self(a), collectorOwnNodes(n), less_than(i, n), (collector[i] == a).",
				"committed(x1) :- committedHeld(x1, k), collectorAcked(k).",
			},
			// The original's search is costly with two leaders (measured:
			// 4 requests per run hit max-states), so 3 requests.
			runs: 4, open: 3,
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			runs := tc.runs
			if *long {
				runs = 100
			}
			base, res, out := applyTestdata(t, tc.file, tc.step, tc.want...)
			for _, fp := range faultFreeAndOmission(t) {
				rep, err := checker.Check(base, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 0, Open: tc.open}})
				if err != nil {
					t.Fatal(err)
				}
				// Unknown (a search bound) is tolerated up to 5% of runs,
				// as for the derivations.
				if rep.Verdict == checker.Unknown && rep.Undecided*20 <= len(rep.Runs) {
					t.Logf("faults %v: %d of %d runs Unknown: %s", fp, rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
				} else if rep.Verdict != checker.Equivalent {
					t.Fatalf("faults %v: the decoupled program does not refine the original:\n%s\n%s", fp, rep.Text(checker.SavedFiles{}), out)
				}
			}
			if tc.broadcast == "" {
				return
			}
			if !strings.Contains(out, tc.paired) {
				t.Fatalf("output lacks the pairing %q", tc.paired)
			}
			bc := load(t, "broadcast.ded", []byte(strings.ReplaceAll(out, tc.paired, tc.broadcast)))
			rep, err := checker.Check(base, bc, checker.Options{Runs: 20, Spec: sim.Spec{Seed: 0, Open: tc.open}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != checker.NotEquivalent {
				t.Errorf("sending to every instance of the new component instead of the paired one should be caught, got %v", rep.Verdict)
			}
		})
	}
}
