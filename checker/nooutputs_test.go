package checker

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// noOutOriginal answers every request; its timer keeps every run of it,
// and of the rewrites below, going until the horizon.
const noOutOriginal = `
component a {
  .input in(id: int)
  .output out(id: int)
  .timer tick 5
  out(id) :- in(id).
}`

// TestNoOutputsIsUnknown: a mutant that never answers, whose runs never
// quiesce (a timer), was Equivalent — each run is cut at the horizon, and
// the original may hold every output back past it. It is Unknown, each
// run with the typed no-outputs reason naming the horizon to raise; a
// rewrite that answers stays Equivalent, and the same mutant without the
// timer (its runs quiesce) is NotEquivalent.
func TestNoOutputsIsUnknown(t *testing.T) {
	orig := loadText(t, "orig.ded", noOutOriginal)
	silent := loadText(t, "silent.ded", strings.Replace(noOutOriginal, "out(id) :- in(id).", "seen(id) :- in(id).", 1))
	opts := Options{Runs: 3, Spec: sim.Spec{Open: 2, Limits: sim.Limits{MaxTime: 30}}, NoShrink: true}
	rep, err := Check(orig, silent, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Unknown || rep.Undecided != len(rep.Runs) {
		t.Fatalf("verdict %s (%d of %d runs Unknown), want Unknown for every run:\n%s", rep.Verdict, rep.Undecided, len(rep.Runs), rep.Text(SavedFiles{}))
	}
	for _, r := range rep.Runs {
		if !r.NoOutputs || r.Limit != sim.BoundMaxTime || !strings.Contains(r.Bound, "no outputs: the rewritten run was cut at its horizon (time 30)") {
			t.Errorf("run %d: NoOutputs %v, limit %s, bound %q; want the typed no-outputs reason", r.Index, r.NoOutputs, r.Limit, r.Bound)
		}
	}
	var js struct {
		Runs []struct {
			NoOutputs bool   `json:"no_outputs"`
			Limit     string `json:"limit"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(rep.JSON()), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Runs) == 0 || !js.Runs[0].NoOutputs || js.Runs[0].Limit != "Limits.MaxTime" {
		t.Errorf("--json run: %+v, want no_outputs and limit Limits.MaxTime", js.Runs)
	}

	// With faults that let the original lose the inputs (a crashed entry
	// node), silence is explained by losses: Equivalent, as before.
	crash, err := sim.ParseFaultPlan("crash a[0] at=0")
	if err != nil {
		t.Fatal(err)
	}
	copts := opts
	copts.Faults = crash
	if rep, err := Check(orig, silent, copts); err != nil || rep.Verdict != Equivalent {
		t.Fatalf("silent rewrite, crashed entry node: %v %v, want Equivalent", rep.Verdict, err)
	}

	// The rewrite that answers is compared output by output as before.
	same, err := Check(orig, loadText(t, "same.ded", noOutOriginal), opts)
	if err != nil {
		t.Fatal(err)
	}
	if same.Verdict != Equivalent {
		t.Fatalf("identical rewrite: %s\n%s", same.Verdict, same.Text(SavedFiles{}))
	}
	// Without the timer the silent runs quiesce, and a missing output is
	// provable.
	quiet := strings.Replace(noOutOriginal, "  .timer tick 5\n", "", 1)
	q, err := Check(loadText(t, "orig.ded", quiet), loadText(t, "silent.ded", strings.Replace(quiet, "out(id) :- in(id).", "seen(id) :- in(id).", 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if q.Verdict != NotEquivalent {
		t.Fatalf("quiescent silent rewrite: %s, want NotEquivalent\n%s", q.Verdict, q.Text(SavedFiles{}))
	}
}
