package rewrites

import (
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// The relaxation of the state machine test (App. A.4.1): a relation
// carried by next-tick rules driven by inputs and by persistence with a GC
// condition over existence-dependent relations has a no-change dependency;
// without persistence, with a filter in the GC rule, or with a GC
// condition that may be non-empty in ticks without inputs, it has not.
func TestStateMachineRelaxation(t *testing.T) {
	head := "component c {\n  .input a(k: int, v: int)\n  .input q(k: int)\n  .output out(k: int, v: int)\n  drop(k) :- a(k, _).\n  out(k, v) :- q(k), s(k, v).\n"
	for _, c := range []struct {
		name, rules string
		nochange    bool
	}{
		{"driven next-tick rule and GC persistence", "s(k, v) :+ a(k, v).\n  s(k, v) :+ s(k, v), !drop(k).", true},
		{"driven next-tick rule and .persist", "s(k, v) :+ a(k, v).\n  .persist s", true},
		{"GC persistence and a driven same-tick rule", "s(k, v) :- a(k, v).\n  s(k, v) :+ s(k, v), !drop(k).", true},
		{"driven next-tick rule without persistence", "s(k, v) :+ a(k, v).", false},
		{"a filter in the GC rule", "s(k, v) :+ a(k, v).\n  s(k, v) :+ s(k, v), (v > 1).", false},
		{"a GC condition that persists", "old(k) :- a(k, _).\n  .persist old\n  s(k, v) :+ a(k, v).\n  s(k, v) :+ s(k, v), !old(k).", false},
		{"an undriven next-tick rule", "s(k, v) :+ a(k, v).\n  s(k, w) :+ s(k, v), w = v + 1.\n  .persist s", false},
	} {
		p := prog(t, head+"  "+c.rules+"\n}")
		rules := p.Component("c").Rules
		got := contains(StateDependencies(p, rules).NoChange, "s")
		if got != c.nochange {
			t.Errorf("%s: no-change dependency of s = %v, want %v", c.name, got, c.nochange)
		}
		if ok, _ := IsStateMachine(p, rules); ok != c.nochange {
			t.Errorf("%s: state machine = %v, want %v", c.name, ok, c.nochange)
		}
	}
}

// Steps that the relaxation admits (both refused before it) refine their
// input fault-free and under omission faults, with every generated rule
// firing fault-free: state-machine decoupling of a key-value store whose
// values are overwritten, and partial partitioning of acceptors keeping one
// accepted value per slot (BasePaxos's accepted). The control: without
// the GC persistence rule, in the input and in the output alike, the
// precondition refuses the step, and the decoupled program is indeed
// NotEquivalent (the value of a write lives one tick in the original, and
// batching changes which read meets it).
func TestRelaxationAdmits(t *testing.T) {
	for _, c := range []struct {
		file, step string
		runs       int
	}{
		{"statemachine/kv.ded", "statemachine server -> kv : overwrite store answer", 20},
		{"partial/acceptor.ded", "partial acceptor : newBallot", 6},
		{"statemachine/carry-per-group.ded", "statemachine server -> kv : cand best last answer", 20},
	} {
		t.Run(c.file, func(t *testing.T) {
			runs := c.runs
			if *long {
				runs = 100
			}
			base, res, out := applyTestdata(t, c.file, c.step)
			for _, fp := range faultFreeAndOmission(t) {
				rep, err := checker.Check(base, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 0, Open: 5}})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Verdict == checker.Unknown && rep.Undecided*20 <= len(rep.Runs) {
					t.Logf("faults %v: %d of %d runs Unknown: %s", fp, rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
				} else if rep.Verdict != checker.Equivalent {
					t.Fatalf("faults %v: the output does not refine the input:\n%s\n%s", fp, rep.Text(checker.SavedFiles{}), out)
				}
				if len(fp.Omissions) == 0 && !strings.Contains(rep.Text(checker.SavedFiles{}), "invariant rules not counted)\n") {
					t.Errorf("some generated rule never fired:\n%s", rep.Text(checker.SavedFiles{}))
				}
			}
		})
	}
	gc := "  store(k, v) :+ store(k, v), !overwrite(k).\n"
	_, _, out := applyTestdata(t, "statemachine/kv.ded", "statemachine server -> kv : overwrite store answer")
	orig, err := os.ReadFile("testdata/statemachine/kv.ded")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(orig), gc, "", 1)
	st, err := ParseStep("statemachine server -> kv : overwrite store answer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply("kv-unpersisted.ded", []byte(src), st); err == nil {
		t.Fatal("without persistence store is no state machine; the step should be refused")
	}
	if !strings.Contains(out, gc) {
		t.Fatalf("output lacks %q", gc)
	}
	forced := load(t, "forced.ded", []byte(strings.Replace(out, gc, "", 1)))
	rep, err := checker.Check(load(t, "kv-unpersisted.ded", []byte(src)), forced, checker.Options{Runs: 20, Spec: sim.Spec{Seed: 0, Open: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != checker.NotEquivalent {
		t.Errorf("batching an unpersisted next-tick relation should be caught, got %v", rep.Verdict)
	}
}
