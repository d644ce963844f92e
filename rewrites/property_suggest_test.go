package rewrites

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// suggestedSteps picks the plan steps out of Analyze's report: the text
// after a label, up to a # comment, when it starts with a rewrite's name
// (the same reading as cmd/dsim's TestAnalyzeEveryProgram), NEW replaced
// by a fresh name.
func suggestedSteps(out string) []string {
	var steps []string
	for _, l := range strings.Split(out, "\n") {
		_, text, ok := strings.Cut(l, ": ")
		if !ok || !strings.HasPrefix(l, "  ") || strings.HasSuffix(l, "(but not a state machine: refused)") {
			continue
		}
		text, _, _ = strings.Cut(text, " #")
		text = strings.TrimSpace(text)
		word, _, _ := strings.Cut(text, " ")
		switch word {
		case "mutual", "monotonic", "functional", "statemachine", "asymmetric", "cohash", "deps", "partial":
			steps = append(steps, strings.ReplaceAll(text, " NEW ", " suggestedNew "))
		}
	}
	return steps
}

// TestPropertySuggestionsApply (issue 14, programs from the wild): on the
// random programs of both generators (the leader/worker pipeline and the
// partially partitionable replica), every step `dsim analyze` suggests is
// applied by the engine rather than refused, its output vets (Apply
// analyses it again), and one suggestion drawn at random is checked
// against the program (2 runs, small bounds): NotEquivalent fails,
// Unknown is allowed.
func TestPropertySuggestionsApply(t *testing.T) {
	defaultRapidChecks(t)
	programs, steps, checked := 0, map[string]int{}, map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		var src string
		if rapid.Bool().Draw(rt, "replica") {
			src, _ = genPartialProgram(rt)
		} else {
			src = genProgram(rt)
		}
		p, diags := analysis.Load("gen.ded", []byte(src))
		if len(diags) > 0 {
			rt.Skipf("generated program does not vet:\n%s", diags.Render([]byte(src)))
		}
		out := Analyze(p)
		if strings.Contains(out, "engine error") {
			rt.Fatalf("analyze hit an engine error:\n%s\nprogram:\n%s", out, src)
		}
		programs++
		sugg := suggestedSteps(out)
		var results []*Result
		for _, s := range sugg {
			st, err := ParseStep(s)
			if err != nil {
				rt.Fatalf("analyze suggests %q, which does not parse: %v", s, err)
			}
			res, err := Apply("gen.ded", []byte(src), st)
			if err != nil {
				rt.Fatalf("analyze suggests %q, which is refused:\n%v\nprogram:\n%s", s, err, src)
			}
			steps[st.Kind.Name()]++
			results = append(results, res)
		}
		if len(sugg) == 0 {
			return
		}
		i := rapid.IntRange(0, len(sugg)-1).Draw(rt, "checked")
		rep, err := checker.Check(p, results[i].Program, checker.Options{
			Runs:      2,
			Spec:      sim.Spec{Seed: rapid.Uint64().Draw(rt, "seed"), Open: 2},
			MaxStates: 3000,
			Timeout:   2 * time.Second,
			NoShrink:  true, // Unknown is allowed; shrinking an undecided run is unbounded
		})
		if err != nil {
			rt.Fatalf("step %q: check error %v", sugg[i], err)
		}
		checked[rep.Verdict.String()]++
		if rep.Verdict == checker.NotEquivalent {
			rt.Fatalf("suggested step %q does not refine the program:\n%s\nprogram:\n%s\nrewritten:\n%s", sugg[i], rep.Text(checker.SavedFiles{}), src, results[i].Source)
		}
	})
	t.Logf("%d programs analysed; suggested steps applied: %s; one checked per program: %s", programs, counts(steps), counts(checked))
}
