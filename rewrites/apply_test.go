package rewrites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// applyTestdata applies one plan step to testdata/FILE and fails the test
// unless the output holds every line of want. It returns the input program
// (vetted), the step's result and the output's text: the common setup of
// the tests of one mechanism.
func applyTestdata(t *testing.T, file, step string, want ...string) (*analysis.Program, *Result, string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStep(step)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(file)
	res, err := Apply(name, src, st)
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Source)
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	return load(t, name, src), res, out
}

// faultFreeAndOmission are the two fault plans a mechanism's output is
// checked under: none, and the project's standard omission plan.
func faultFreeAndOmission(t *testing.T) []sim.FaultPlan {
	t.Helper()
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	return []sim.FaultPlan{{}, faults}
}
