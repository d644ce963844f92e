package checker

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

func loadText(t *testing.T, name, src string) *analysis.Program {
	t.Helper()
	p, diags := analysis.Load(name, []byte(src))
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render([]byte(src)))
	}
	return p
}

const violOriginal = `
.invariant bad(id: int)
component a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  bad(id) :- out(id), (id < 0).
}`

// A rewrite that breaks its own safety property at its first step stops
// there; its run must not pass as explained (DESIGN §4: no vacuous
// verdicts).
func TestRewriteViolationFailsTheCheck(t *testing.T) {
	orig := loadText(t, "orig.ded", violOriginal)
	for _, tc := range []struct{ name, rew, why string }{
		{"same invariant", strings.Replace(violOriginal, "bad(id) :- out(id), (id < 0).", "bad(id) :- in(id).", 1), "violates bad by that time"},
		{"invariant the original lacks", strings.Replace(violOriginal, "bad(id) :- out(id), (id < 0).", "bad(id) :- out(id), (id < 0).\n  .invariant worse(id: int)\n  worse(id) :- in(id).", 1), "the original has no invariant worse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rew := loadText(t, "rew.ded", tc.rew)
			rep, err := Check(orig, rew, Options{Runs: 3, Spec: sim.Spec{Open: 2}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != NotEquivalent {
				t.Fatalf("verdict %s, want NotEquivalent:\n%s", rep.Verdict, rep.Text(SavedFiles{}))
			}
			off := rep.Counterexample.Offense
			if off == nil || off.Kind != "violation" || !strings.Contains(off.Explanation, tc.why) {
				t.Fatalf("offense %+v, want a violation saying %q", off, tc.why)
			}
			text := rep.Text(SavedFiles{})
			for _, want := range []string{"offending output (violation)", "the rewritten program violated its invariant", "trace of the rewritten run:"} {
				if !strings.Contains(text, want) {
					t.Errorf("report lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// When the original violates the same-named invariant at the same time,
// the run is explained, and the report says so.
func TestMatchedViolationIsExplained(t *testing.T) {
	src := strings.Replace(violOriginal, "bad(id) :- out(id), (id < 0).", "bad(id) :- in(id), (id == 2).", 1)
	orig, rew := loadText(t, "orig.ded", src), loadText(t, "rew.ded", src)
	vals, err := sim.ParseValueDomains(rew, "in.id=2")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(orig, rew, Options{Runs: 2, Spec: sim.Spec{Values: vals, Open: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Equivalent || rep.Runs[0].Violation == nil {
		t.Fatalf("verdict %s (violation %v), want Equivalent with the violation recorded:\n%s", rep.Verdict, rep.Runs[0].Violation, rep.Text(SavedFiles{}))
	}
	if text := rep.Text(SavedFiles{}); !strings.Contains(text, "violating the same-named invariant at the same time") {
		t.Fatalf("the report does not mention the matched violation:\n%s", text)
	}
}

// violDirect violates bad at a, in the tick that receives the input;
// violRelayed computes the same invariant at b, one hop later (as a
// decoupling rewrite moves a component and its invariant to a new node).
const violDirect = `
.invariant bad(id: int)
component a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  bad(id) :- in(id), (id == 2).
}`

const violRelayed = `
.decl fwd(id: int)
.invariant bad(id: int)
component a refines a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  fwd@x(id) :~ in(id), b(x).
}
component b refines a {
  bad(id) :- fwd(id), (id == 2).
}`

// A violation of the rewrite is matched by the original violating the
// same-named invariant no later (docs/CHECKING.md, "No vacuous verdicts"),
// as an output is matched by the original emitting it no later: a rewrite
// that adds a hop before an invariant's rule violates it later. A rewrite
// that violates it earlier than any run of the original is not explained.
func TestViolationMatchedNoLater(t *testing.T) {
	for _, tc := range []struct {
		name      string
		orig, rew string
		want      Verdict
	}{
		{"rewrite violates later", violDirect, violRelayed, Equivalent},
		{"rewrite violates earlier", violRelayed, violDirect, NotEquivalent},
		{"same time", violDirect, violDirect, Equivalent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig, rew := loadText(t, "orig.ded", tc.orig), loadText(t, "rew.ded", tc.rew)
			vals, err := sim.ParseValueDomains(rew, "in.id=2")
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Check(orig, rew, Options{Runs: 2, Spec: sim.Spec{Values: vals, Open: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tc.want || rep.Runs[0].Violation == nil {
				t.Fatalf("verdict %s (violation %v), want %s with the violation recorded:\n%s", rep.Verdict, rep.Runs[0].Violation, tc.want, rep.Text(SavedFiles{}))
			}
			if tc.want == NotEquivalent {
				if off := rep.Counterexample.Offense; off == nil || off.Kind != "violation" {
					t.Fatalf("offense %+v, want kind violation", off)
				}
			}
		})
	}
}
