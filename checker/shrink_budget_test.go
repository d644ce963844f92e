package checker

import (
	"cmp"
	"testing"
	"time"

	"github.com/dsim-project/dsim/sim"
)

// TestShrinkKeepsTheFaultBudget: why shrinkRun keeps the start run's fault
// budget. partial-no-retransmit's shrunk counterexample under until=1 (the
// rewrite loses one vote request at time 1) is NotEquivalent when the
// original may lose only what until=1 allows, and explained by a replayed
// witness once the original has the budget until=20 gives the same faulty
// node. So a shrink from a run checked under until=20 that halved until=
// down to 1 and shrank the original's budget with it would have reported a
// NotEquivalent the user's plan does not support; with the budget kept
// (checkConfigWidened) it cannot.
func TestShrinkKeepsTheFaultBudget(t *testing.T) {
	orig := load(t, "micro/partial/before.ded")
	rew := loadAny(t, "checker/testdata/partial-no-retransmit.ded")
	narrow, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=1")
	if err != nil {
		t.Fatal(err)
	}
	wide := narrow
	wide.Omissions = append([]sim.Omission(nil), narrow.Omissions...)
	wide.Omissions[0].Until = 20
	opts := Options{Runs: 1, Spec: sim.Spec{Seed: 1036, Open: 3, Faults: narrow}}.withDefaults()
	rep, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	cx := rep.Counterexample
	if rep.Verdict != NotEquivalent || cx == nil {
		t.Fatalf("narrow budget: want NotEquivalent:\n%s", rep.Text(SavedFiles{}))
	}
	m, err := newRefinementMap(orig, rew)
	if err != nil {
		t.Fatal(err)
	}
	cfg := cx.Schedule.Config()
	res, err := runRewritten(m, opts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	extra := m.budgetOf(wide, res, cfg.Limits.WithDefaults().MaxTime)
	w, err := checkConfigWidened(m, opts, cfg, extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counterexample under %v: NotEquivalent; with the budget of until=20: %v %s", cx.Faults, w.Verdict, w.Bound)
	if w.Verdict != Equivalent || w.Witness == nil {
		t.Fatalf("widened budget: want Equivalent with a witness, got %v %s", w.Verdict, w.Bound)
	}
}

// TestShrinkTimeoutBoundsTheShrink: a shrink whose time budget is spent
// before its first candidate keeps the run as found (nothing smaller was
// checked), while the default shrink of the same failure makes it smaller.
func TestShrinkTimeoutBoundsTheShrink(t *testing.T) {
	var m mutant
	for _, c := range loadMutants(t) {
		if c.name == "functional-idb-join" {
			m = c
		}
	}
	if m.prog == nil {
		t.Fatal("mutant functional-idb-join not found")
	}
	orig, rew := loadAny(t, m.original), m.prog
	opts := Options{Spec: sim.Spec{Seed: 1, Faults: m.faults, Open: cmp.Or(m.requests, 2)}}
	full, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	if full.Verdict != NotEquivalent || full.Counterexample == nil || !full.Counterexample.Shrunk {
		t.Fatalf("default: want a shrunk NotEquivalent\n%s", full.Text(SavedFiles{}))
	}
	opts.ShrinkTimeout = time.Nanosecond
	cut, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cut.Verdict != NotEquivalent || cut.Counterexample == nil {
		t.Fatalf("1ns shrink budget: want NotEquivalent\n%s", cut.Text(SavedFiles{}))
	}
	if cut.Counterexample.Shrunk {
		t.Errorf("1ns shrink budget: the counterexample was shrunk anyway\n%s", cut.Text(SavedFiles{}))
	}
	if got, want := shrinkBudget(Options{Timeout: time.Second}), 10*time.Second; got != want {
		t.Errorf("shrinkBudget with Timeout 1s = %s, want %s", got, want)
	}
}
