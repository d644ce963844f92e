package checker

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// An Equivalent report says how many of the rewrite's rules fired and
// names those that never did; --min-coverage makes such an Equivalent
// Unknown.
func TestCoverageInReportAndMinCoverage(t *testing.T) {
	orig := loadText(t, "orig.ded", violOriginal)
	rew := loadText(t, "rew.ded", strings.Replace(violOriginal, "out(id) :- in(id).", "out(id) :- in(id).\n  dead(id) :- in(id), (id < 0).", 1))
	rep, err := Check(orig, rew, Options{Runs: 3, Spec: sim.Spec{Open: 2}})
	if err != nil {
		t.Fatal(err)
	}
	text := rep.Text(SavedFiles{})
	if rep.Verdict != Equivalent || !strings.Contains(text, "rules of the rewrite that fired: 1 of 2 (invariant rules not counted); never fired: rew.ded:7:3 dead") {
		t.Fatalf("verdict %s, want Equivalent naming the dead rule:\n%s", rep.Verdict, text)
	}
	if !strings.Contains(string(rep.JSON()), `"never_fired": [`) {
		t.Errorf("JSON lacks never_fired:\n%s", rep.JSON())
	}
	rep, err = Check(orig, rew, Options{Runs: 3, Spec: sim.Spec{Open: 2}, MinCoverage: 60, OriginalCoverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Unknown || !strings.Contains(rep.CoverageShort, "only 1 of the rewrite's 2 rules fired (50%, below checker.Options.MinCoverage 60%); never fired: rew.ded:7:3 dead") {
		t.Fatalf("verdict %s (%q), want Unknown explained by coverage", rep.Verdict, rep.CoverageShort)
	}
	if ct := rep.CoverageText(); !strings.Contains(ct, "witnesses: coverage of orig.ded over 3 runs: 1 of 1 rules fired") {
		t.Errorf("coverage text lacks the original's table:\n%s", ct)
	}
	rep, _ = Check(orig, rew, Options{Runs: 3, Spec: sim.Spec{Open: 2}, MinCoverage: 50})
	if rep.Verdict != Equivalent {
		t.Fatalf("50%% coverage with --min-coverage 50: %s", rep.Verdict)
	}
}
