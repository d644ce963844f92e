package checker

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// TestWitnessLossesWithinBudget: verifyWitness checks every loss of the
// replayed witness against the original's fault budget, independently of
// the search that chose them. A witness that loses messages passes with
// the budget of the run's fault plan and is rejected with an empty one.
func TestWitnessLossesWithinBudget(t *testing.T) {
	orig, rew := load(t, "2pc/base.ded"), load(t, "2pc/scalable.ded")
	plan, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Runs: 20, Spec: sim.Spec{Seed: 1000, Open: 2, Faults: plan}, NoShrink: true}.withDefaults()
	rep, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newRefinementMap(orig, rew)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Runs {
		if r.Witness == nil {
			continue
		}
		wr, err := sim.Replay(orig, r.Witness)
		if err != nil {
			t.Fatal(err)
		}
		lost := false
		for _, e := range wr.Trace.Events {
			lost = lost || (e.Kind == sim.EvDrop && !e.Dup)
		}
		if !lost {
			continue
		}
		cfg := r.Schedule.Config()
		res, err := runRewritten(m, opts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := newTarget(m, res, cfg.Faults, cfg.Limits.WithDefaults().MaxTime)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyWitness(m.orig, tgt, r.Witness, r.Omitted); err != nil {
			t.Fatalf("run %d: the witness fails with its own budget: %v", r.Index, err)
		}
		tgt.budget = faultBudget{lossUntil: map[value.Addr]int64{}}
		err = verifyWitness(m.orig, tgt, r.Witness, r.Omitted)
		if err == nil || !strings.Contains(err.Error(), "fault budget does not allow") {
			t.Fatalf("run %d: a witness with losses passed with an empty budget (err %v)", r.Index, err)
		}
		return
	}
	t.Fatal("no run's witness lost a message; pick other seeds")
}
