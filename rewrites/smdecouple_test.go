package rewrites

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// State-machine decoupling (App. A.4) of the register server: the output
// refines the input fault-free and under omission faults, and the ordering
// is what makes it so — the same program admitting complete batches in any
// order is caught by the checker (a control that the check can fail).
func TestStateMachineDecoupling(t *testing.T) {
	runs := 20
	if *long {
		runs = 100
	}
	base, res, out := applyTestdata(t, "statemachine/register.ded", "statemachine server -> register : vals top answer",
		"component register refines server {",
		"okGetBatched@d(me, s, x1) :~ okGet(x1), registerBatchSeq(s), register(d), self(me).",
		"answer(id, v) :- okGetAdmitted(id), top(v).",
		"registerAdmit(src, s) :- okGetComplete(src, s), okPutComplete(src, s), registerAdmitted(src, j), (s == j + 1), !registerAdmitted(src, s).",
	)
	for _, fp := range faultFreeAndOmission(t) {
		rep, err := checker.Check(base, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 1, Open: 5}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != checker.Equivalent {
			t.Fatalf("faults %v: the decoupled register does not refine the original:\n%s\n%s", fp, rep.Text(checker.SavedFiles{}), out)
		}
	}
	unordered := strings.Replace(out, "(s == 0), !registerAdmitted(src, s).", "!registerAdmitted(src, s).", 1)
	mut := load(t, "unordered.ded", []byte(unordered))
	rep, err := checker.Check(base, mut, checker.Options{Runs: 20, Spec: sim.Spec{Seed: 0, Open: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != checker.NotEquivalent {
		t.Errorf("admitting batches out of order should be caught, got %v", rep.Verdict)
	}
}
