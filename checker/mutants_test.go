package checker

import (
	"cmp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// mutant is a wrong rewrite in testdata/mutants with its header:
//
//	# mutant: what precondition it breaks
//	# original: corpus/... or checker/testdata/mutants/originals/... (the
//	#           program it claims to refine; originals/ holds test-only
//	#           originals, each with a correct rewrite beside it)
//	# faults: a fault plan for the rewritten runs (optional; when the
//	#         difference needs a loss to show)
//	# requests: inputs per run (optional, default 2)
//	# expect: the relation whose fact the counterexample must name: an output, or the invariant the rewrite violates (docs/CHECKING.md, "No vacuous verdicts")
type mutant struct {
	name, original, expect string
	faults                 sim.FaultPlan
	requests               int
	prog                   *analysis.Program
}

func loadMutants(t *testing.T) []mutant {
	files, err := filepath.Glob("testdata/mutants/*.ded")
	if err != nil || len(files) < 8 {
		t.Fatalf("want at least eight mutants, found %d (%v)", len(files), err)
	}
	var out []mutant
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := mutant{name: strings.TrimSuffix(filepath.Base(f), ".ded")}
		for _, line := range strings.Split(string(src), "\n") {
			if v, ok := strings.CutPrefix(line, "# original: "); ok {
				m.original = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "# requests: "); ok {
				if m.requests, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
			if v, ok := strings.CutPrefix(line, "# faults: "); ok {
				if m.faults, err = sim.ParseFaultPlan(v); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
			if v, ok := strings.CutPrefix(line, "# expect: "); ok {
				m.expect = strings.TrimSpace(v)
			}
		}
		if m.original == "" || m.expect == "" {
			t.Fatalf("%s: header needs # original: and # expect: lines", f)
		}
		p, diags := analysis.Load(f, src)
		if len(diags) > 0 {
			t.Fatalf("%s", diags.Render(src))
		}
		m.prog = p
		out = append(out, m)
	}
	return out
}

// TestMutantsNotEquivalent: each wrong rewrite is caught within the
// default budget, with a shrunk counterexample naming the output an
// observer sees differ.
func TestMutantsNotEquivalent(t *testing.T) {
	for _, m := range loadMutants(t) {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Check(loadAny(t, m.original), m.prog, Options{Spec: sim.Spec{Seed: 1, Faults: m.faults, Open: cmp.Or(m.requests, 2)}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != NotEquivalent {
				t.Fatalf("verdict %s, want NotEquivalent\n%s", rep.Verdict, rep.Text(SavedFiles{}))
			}
			cx := rep.Counterexample
			if cx == nil || cx.Offense == nil {
				t.Fatalf("no counterexample:\n%s", rep.Text(SavedFiles{}))
			}
			if cx.Offense.Fact.Rel != m.expect {
				t.Errorf("offending output %s (%s), want a fact of %s\n%s", cx.Offense.Fact, cx.Offense.Kind, m.expect, rep.Text(SavedFiles{}))
			}
			if cx.Offense.Kind == "late" && cx.Offense.Producer == nil {
				t.Errorf("late output %s without the rewritten tick that produced it", cx.Offense.Fact)
			}
			if golden.Rewrite() {
				repro := NewReproducer(rep)
				repro.Rewritten = filepath.ToSlash(filepath.Join("checker", "testdata", "mutants", m.name+".ded"))
				path := filepath.Join(repoRoot, "corpus", "regressions", "check-"+m.name+".txt")
				if err := os.WriteFile(path, []byte(repro.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%s: %s %s; %d inputs after shrinking (shrunk=%v)", m.name, cx.Offense.Kind, cx.Offense.Fact, len(cx.History.Inputs), cx.Shrunk)
		})
	}
}

// TestMutantOriginalsRewrites: each test-only original in
// testdata/mutants/originals (FAMILY-base.ded) comes with correct rewrites
// (FAMILY-*.ded) that the checker must find Equivalent, with and without
// omission faults — so a mutant of that family is caught for its bug, not
// for a flaw of the original or of the checker on it.
func TestMutantOriginalsRewrites(t *testing.T) {
	bases, err := filepath.Glob("testdata/mutants/originals/*-base.ded")
	if err != nil || len(bases) == 0 {
		t.Fatalf("no test-only originals (%v)", err)
	}
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range bases {
		family := strings.TrimSuffix(base, "base.ded")
		rewrites, err := filepath.Glob(family + "*.ded")
		if err != nil {
			t.Fatal(err)
		}
		orig := loadAny(t, filepath.ToSlash(filepath.Join("checker", base)))
		found := 0
		for _, rw := range rewrites {
			if rw == base {
				continue
			}
			found++
			rew := loadAny(t, filepath.ToSlash(filepath.Join("checker", rw)))
			for _, plan := range []sim.FaultPlan{{}, faults} {
				t.Run(filepath.Base(rw)+"/"+plan.String(), func(t *testing.T) {
					t.Parallel()
					rep, err := Check(orig, rew, Options{Spec: sim.Spec{Seed: 1, Faults: plan, Open: 2}})
					if err != nil {
						t.Fatal(err)
					}
					if rep.Verdict != Equivalent {
						t.Fatalf("verdict %s, want Equivalent\n%s", rep.Verdict, rep.Text(SavedFiles{}))
					}
				})
			}
		}
		if found == 0 {
			t.Errorf("%s: no correct rewrite beside it", base)
		}
	}
}
