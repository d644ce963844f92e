package checker

import (
	"encoding/json"
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
	for _, tc := range []struct{ name, rew, why, line string }{
		{"same invariant", strings.Replace(violOriginal, "bad(id) :- out(id), (id < 0).", "bad(id) :- in(id).", 1), "violates bad by that time",
			"not matched by the original: no run of the original violates bad by then (search exhaustive within its bounds: NotEquivalent)"},
		{"invariant the original lacks", strings.Replace(violOriginal, "bad(id) :- out(id), (id < 0).", "bad(id) :- out(id), (id < 0).\n  .invariant worse(id: int)\n  worse(id) :- in(id).", 1), "the original has no invariant worse",
			"not matched by the original: it has no invariant worse (NotEquivalent, without a search)"},
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
			for _, want := range []string{"offending output (violation)", "the rewritten program violated its invariant", "trace of the rewritten run:", tc.line} {
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

// violKept keeps bad (no run reaches id < 0) behind the relay violRelayed
// has, so that a rewrite violating bad one hop after input 2 (violRelayed)
// is explained by no run of it.
const violKept = `
.decl fwd(id: int)
.invariant bad(id: int)
component a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  fwd@x(id) :~ in(id), b(x).
}
component b {
  bad(id) :- fwd(id), (id < 0).
}`

// violatedCheck checks violRelayed against violKept over runs whose one
// input is 1..4: the runs with input 2 violate bad.
func violatedCheck(t *testing.T, opts Options) *Report {
	t.Helper()
	orig, rew := loadText(t, "kept.ded", violKept), loadText(t, "relayed.ded", violRelayed)
	vals, err := sim.ParseValueDomains(rew, "in.id=1..4")
	if err != nil {
		t.Fatal(err)
	}
	opts.Values, opts.Open = vals, 1
	rep, err := Check(orig, rew, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A rewrite that violates an invariant its original keeps, where the
// original's search is cut by a bound, is Violated: a failed check that
// names the bound and claims no NotEquivalent. With the default bound the
// search is exhaustive, and the same run is NotEquivalent.
func TestViolatedWhenTheSearchIsCut(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxStates int
		want      Verdict
	}{
		{"search cut", 1, Violated},
		{"search exhaustive", 0, NotEquivalent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := violatedCheck(t, Options{Runs: 8, MaxStates: tc.maxStates, NoShrink: true})
			cx := rep.Counterexample
			if rep.Verdict != tc.want || cx == nil || cx.Verdict != tc.want || cx.Violation == nil {
				t.Fatalf("verdict %s, want %s with a counterexample that stopped on the violation:\n%s", rep.Verdict, tc.want, rep.Text(SavedFiles{}))
			}
			if off := cx.Offense; off == nil || off.Kind != "violation" {
				t.Fatalf("offense %+v, want kind violation", cx.Offense)
			}
			// The runs before it are Unknown (max-states 1) or Equivalent:
			// the failing run outranks them, and the check stops there.
			if last := rep.Runs[len(rep.Runs)-1]; last != cx {
				t.Errorf("the check did not stop at the failing run %d (last kept: %d)", cx.Index, last.Index)
			}
			text := rep.Text(SavedFiles{})
			var j struct {
				Verdict  string `json:"verdict"`
				Violated int    `json:"violated"`
				Runs     []struct {
					Matched *bool `json:"violation_matched"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(rep.JSON(), &j); err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.want.String() || j.Runs[cx.Index].Matched == nil || *j.Runs[cx.Index].Matched {
				t.Errorf("JSON verdict %s, violation_matched %v", j.Verdict, j.Runs[cx.Index].Matched)
			}
			switch tc.want {
			case Violated:
				if cx.Limit != sim.BoundMaxStates || !strings.Contains(cx.Offense.Explanation, "the search was not exhaustive: max-states: 1 distinct states") {
					t.Errorf("limit %v, explanation %q: want the max-states bound named", cx.Limit, cx.Offense.Explanation)
				}
				for _, want := range []string{": Violated\n", ", 1 violated\n", "search NOT exhaustive", "--max-states 1    # the run before shrinking"} {
					if !strings.Contains(text, want) {
						t.Errorf("report lacks %q:\n%s", want, text)
					}
				}
				if strings.Contains(text, "search exhaustive") || j.Violated != 1 {
					t.Errorf("a Violated report claims an exhaustive search (or miscounts, %d):\n%s", j.Violated, text)
				}
			case NotEquivalent:
				if !strings.Contains(text, "not matched by the original: no run of the original violates bad by then (search exhaustive within its bounds: NotEquivalent)") {
					t.Errorf("report does not say the search was exhaustive:\n%s", text)
				}
			}
		})
	}
}

// A Violated run shrinks like a NotEquivalent one, to a smaller run that
// still fails: here to the one input that violates, whose search the
// bound still cuts.
func TestViolatedShrinks(t *testing.T) {
	orig, rew := loadText(t, "kept.ded", violKept), loadText(t, "relayed.ded", violRelayed)
	vals, err := sim.ParseValueDomains(rew, "in.id=1..3")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(orig, rew, Options{Runs: 3, MaxStates: 1, Spec: sim.Spec{Values: vals, Open: 3}})
	if err != nil {
		t.Fatal(err)
	}
	cx := rep.Counterexample
	if rep.Verdict != Violated || cx == nil || !cx.Shrunk || cx.Verdict != Violated || len(cx.History.Inputs) != 1 {
		t.Fatalf("verdict %s, want Violated shrunk to one input:\n%s", rep.Verdict, rep.Text(SavedFiles{}))
	}
}

// The check's verdict is its runs' highest: NotEquivalent (a proof within
// the bounds) outranks Violated (a safety failure without one), which
// outranks Unknown, which outranks Equivalent; the counterexample is the
// first failing run of the highest rank.
func TestVerdictAggregation(t *testing.T) {
	E, N, U, V := Equivalent, NotEquivalent, Unknown, Violated
	for _, tc := range []struct {
		runs []Verdict
		want Verdict
		cx   int // index of the counterexample, -1 none
	}{
		{[]Verdict{E, E}, E, -1},
		{[]Verdict{E, U}, U, -1},
		{[]Verdict{E, V, E}, V, 1},
		{[]Verdict{U, V}, V, 1},
		{[]Verdict{V, U}, V, 0},
		{[]Verdict{V, N}, N, 1},
		{[]Verdict{N, V}, N, 0},
		{[]Verdict{V, V}, V, 0},
	} {
		rep := &Report{}
		for i, v := range tc.runs {
			rep.Runs = append(rep.Runs, &RunReport{Index: i, Verdict: v})
		}
		rep.summarise()
		got := -1
		if rep.Counterexample != nil {
			got = rep.Counterexample.Index
		}
		if rep.Verdict != tc.want || got != tc.cx {
			t.Errorf("runs %v: verdict %s, counterexample %d; want %s, %d", tc.runs, rep.Verdict, got, tc.want, tc.cx)
		}
		if rep.Explained+rep.NotExplained+rep.Undecided+rep.Violated != len(tc.runs) {
			t.Errorf("runs %v: counts %d+%d+%d+%d", tc.runs, rep.Explained, rep.NotExplained, rep.Undecided, rep.Violated)
		}
	}
}

// Merged shards of a check with a Violated run give the unsharded report
// byte for byte: the runs up to the Violated one (run 6, in the last of
// three shards; runs 0..5 are Unknown under max-states 1), its
// counterexample, and the verdict Violated.
func TestMergeViolated(t *testing.T) {
	opts := Options{Runs: 8, MaxStates: 1, NoShrink: true}
	whole := violatedCheck(t, opts)
	if whole.Verdict != Violated {
		t.Fatalf("unsharded: %s, want Violated", whole.Verdict)
	}
	var parts [][]byte
	for i := range 3 {
		so := opts
		so.Shard = Shard{Index: i, Count: 3}
		parts = append(parts, violatedCheck(t, so).JSON())
	}
	merged, v, err := MergeJSON(parts)
	if err != nil {
		t.Fatal(err)
	}
	if v != Violated || string(merged) != string(whole.JSON()) {
		t.Errorf("merged %s:\n%s\nvs unsharded\n%s", v, merged, whole.JSON())
	}
}

// violUnlessSeen violates bad on fwd(2) unless fwd(1) came first: a run
// of both inputs in that order keeps it, and a smaller run without input 1
// does not.
const violUnlessSeen = `
.decl fwd(id: int)
.invariant bad(id: int)
component a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  fwd@x(id) :~ in(id), b(x).
}
component b {
  seen1() :- fwd(1).
  .persist seen1
  bad(id) :- fwd(id), (id == 2), !seen1().
}`

// An undecided run is shrunk at once; a smaller run that breaks the
// rewrite's invariant unmatched is a failure of the same plan, so the
// check becomes Violated (before the verdict existed only a NotEquivalent
// candidate was kept). Seed 1's run delivers fwd(1) before fwd(2) and is
// Unknown under max-states 1; dropping input 1 violates bad.
func TestUnknownShrinksToViolated(t *testing.T) {
	orig, rew := loadText(t, "kept.ded", violKept), loadText(t, "unless-seen.ded", violUnlessSeen)
	vals, err := sim.ParseValueDomains(rew, "in.id=1..2")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Runs: 1, MaxStates: 1, Spec: sim.Spec{Seed: 1, Values: vals, Open: 2}}
	unshrunk := opts
	unshrunk.NoShrink = true
	rep, err := Check(orig, rew, unshrunk)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Unknown || rep.Runs[0].Violation != nil {
		t.Fatalf("unshrunk: %s, want Unknown without a violation:\n%s", rep.Verdict, rep.Text(SavedFiles{}))
	}
	if rep, err = Check(orig, rew, opts); err != nil {
		t.Fatal(err)
	}
	cx := rep.Counterexample
	if rep.Verdict != Violated || cx == nil || !cx.Shrunk || cx.Violation == nil || len(cx.History.Inputs) != 1 {
		t.Fatalf("shrunk: %s, want Violated on one input:\n%s", rep.Verdict, rep.Text(SavedFiles{}))
	}
}
