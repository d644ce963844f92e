package rewrites

import (
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// A negative control per relaxation of a precondition: a refusal case
// (testdata/refusals, golden error text checked by TestRefusals) just
// outside the relaxation, and the same program with one line changed to
// be inside it.
type relaxControl struct {
	name    string
	file    string // testdata/refusals/FILE.ded, the program outside
	outside string // its line (or part of a line) that puts it outside
	inside  string // the replacement that puts it inside ("-": none, the relaxation is not applied)
	// caughtWithFaults: the checker also finds the forced step's
	// counterexample under omission faults in these runs (else logged).
	caughtWithFaults bool
	values           string // value domains of the inputs (sim.ParseValueDomains), "" for the default
	inputs           int    // open-loop inputs per run
}

var relaxControls = []relaxControl{
	{"logical persistence (relaxation 1)", "monotonic-logical-unpersisted", "  qa(k) :- c(_, k).\n", "", true, "", 5},
	{"threshold over a monotone aggregate (relaxation 2)", "monotonic-threshold-equality", "(m == 2)", "(m >= 2)", false, "", 5},
	{"persistence with a GC condition (relaxation 3, not applied)", "monotonic-gc-persistence", "live(k) :+ live(k), !okDel(k).", "live(k) :+ live(k).", true, "put.k=0..1; del.k=0..1; get.k=0..1", 6},
	{"GC persistence for state machines (App. A.4.1)", "statemachine-gc-filter", ", (v > 1).", ".", false, "", 5},
	{"first derivations (state machines)", "statemachine-first-unrecorded", "  done(slot) :+ chosen(slot, _).\n", "  done(slot) :+ chosen(slot, _).\n  .persist done\n", false, "vote.slot=0..1; vote.v=0..1; get.slot=0..1", 6},
	{"lagged no-change copies (state machines)", "statemachine-lagged-twice", "  last(k) :+ late(k).\n", "  last(k) :+ top(k).\n", false, "put.k=0..2; get.k=0..2", 6},
	{"maximum carries (state machines)", "statemachine-carry-step", "cand(n, q) :- last(n, p), q = p + 1.", "cand(n, p) :- last(n, p).", false, "bump.n=0..1; bump.p=0..2", 5},
}

// TestRelaxationControls: for each relaxation, the program inside it is
// accepted and refines the input fault-free and under omission faults;
// the program just outside is refused (the golden text is TestRefusals');
// and the mechanism forced on the refused program (forceDecoupling) gives
// a program the checker finds NotEquivalent, so the precondition is what
// keeps that rewrite out. For relaxation 3 this is how it was found
// unsound: the step forced is the one the engine accepted before.
func TestRelaxationControls(t *testing.T) {
	runs := 20
	if *long {
		runs = 100
	}
	for _, c := range relaxControls {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/refusals/" + c.file + ".ded")
			if err != nil {
				t.Fatal(err)
			}
			outside := string(raw)
			if !strings.Contains(outside, c.outside) {
				t.Fatalf("%s lacks %q", c.file, c.outside)
			}
			first, _, _ := strings.Cut(outside, "\n")
			st, err := ParseStep(strings.TrimPrefix(first, "# step: "))
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, src string, res *Result, wantCaught bool) {
				t.Helper()
				for _, fp := range faultFreeAndOmission(t) {
					p := load(t, what+".ded", []byte(src))
					vals, err := sim.ParseValueDomains(p, c.values)
					if err != nil {
						t.Fatal(err)
					}
					rep, err := checker.Check(p, res.Program, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp, Seed: 0, Open: c.inputs, Values: vals}})
					if err != nil {
						t.Fatal(err)
					}
					faulty := len(fp.Omissions) > 0
					switch {
					case !wantCaught && rep.Verdict == checker.NotEquivalent:
						t.Errorf("%s (faults %v): the accepted step does not refine its input:\n%s", what, faulty, rep.Text(checker.SavedFiles{}))
					case wantCaught && rep.Verdict != checker.NotEquivalent && (!faulty || c.caughtWithFaults):
						t.Errorf("%s (faults %v): the forced step should be caught, got %v in %d runs", what, faulty, rep.Verdict, len(rep.Runs))
					case !wantCaught && rep.Verdict == checker.Unknown && rep.Undecided*20 > len(rep.Runs):
						t.Errorf("%s (faults %v): %d of %d runs Unknown", what, faulty, rep.Undecided, len(rep.Runs))
					}
					t.Logf("%s, faults %v: %v after %d runs", what, faulty, rep.Verdict, len(rep.Runs))
				}
			}
			if _, err := Apply(c.file+".ded", raw, st); err == nil {
				t.Fatalf("%s: step %s applied; it should be refused", c.file, st)
			}
			forceDecoupling = true
			forced, err := Apply(c.file+".ded", raw, st)
			forceDecoupling = false
			if err != nil {
				t.Fatalf("forced: %v", err)
			}
			check("forced", outside, forced, true)
			in := strings.Replace(outside, c.outside, c.inside, 1)
			res, err := Apply(c.file+"-inside.ded", []byte(in), st)
			if err != nil {
				t.Fatalf("inside: %v", err)
			}
			check("inside", in, res, false)
		})
	}
}
