package rewrites

import (
	"flag"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

var long = flag.Bool("long", false, "check every derivation over 100 runs fault-free and 100 with omission faults (slow)")

// derivation is a plan of corpus/plans applied to an input program; the
// result should match the hand-written corpus program in shape.
type derivation struct {
	plan, input, hand string
	// renamed maps a component of the derived program to its name in the
	// hand-written one, where the two differ (documented in REWRITES.md).
	renamed map[string]string
	// asHand renames components of the derived program (every occurrence
	// of the word) before it is checked against the hand-written one, for
	// a derived component that stands for no hand-written one by name or
	// by refines (2PC's participants, the hand's voters).
	asHand map[string]string
}

// derivations lists every plan. The running example's stages chain: each
// plan applies to the previous stage as derived (input "" = previous).
var derivations = []derivation{
	{plan: "hashset-fig2", input: "hashset/base.ded", hand: "hashset/fig2-mutually-independent.ded"},
	{plan: "hashset-fig3", hand: "hashset/fig3-monotonic.ded"},
	{plan: "hashset-fig4", hand: "hashset/fig4-functional.ded"},
	{plan: "hashset-fig5", hand: "hashset/fig5-cohashing.ded"},
	{plan: "hashset-fig6", hand: "hashset/fig6-dependencies.ded"},
	{plan: "micro-mutually-independent", input: "micro/mutually-independent/before.ded", hand: "micro/mutually-independent/after.ded"},
	{plan: "micro-monotonic", input: "micro/monotonic/before.ded", hand: "micro/monotonic/after.ded"},
	{plan: "micro-functional", input: "micro/functional/before.ded", hand: "micro/functional/after.ded"},
	{plan: "micro-cohashing", input: "micro/cohashing/before.ded", hand: "micro/cohashing/after.ded"},
	{plan: "micro-dependencies", input: "micro/dependencies/before.ded", hand: "micro/dependencies/after.ded"},
	{plan: "micro-partial", input: "micro/partial/before.ded", hand: "micro/partial/after.ded", renamed: map[string]string{"replicaCoord": "ballotCoord"}},
	{plan: "voting-scalable", input: "voting/base.ded", hand: "voting/scalable.ded"},
	{plan: "2pc-scalable", input: "2pc/base.ded", hand: "2pc/scalable.ded", renamed: map[string]string{"participant": "voter"}, asHand: map[string]string{"participant": "voter"}},
}

func open(t *testing.T, path string) []byte {
	t.Helper()
	src, err := corpus.Open("corpus/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func load(t *testing.T, name string, src []byte) *analysis.Program {
	t.Helper()
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s does not vet:\n%s", name, diags.Render(src))
	}
	return p
}

// shape lists a program's components as name[count] refines original.
func shape(p *analysis.Program, renamed map[string]string) []string {
	var out []string
	for _, c := range p.Components {
		name := c.Name
		if r, ok := renamed[name]; ok {
			name = r
		}
		out = append(out, fmt.Sprintf("%s[%d] refines %s", name, c.Count, c.Refines))
	}
	sort.Strings(out)
	return out
}

// TestDerivations: every plan of corpus/plans applies, its output vets (Apply
// re-analyses it), has the components of the hand-written corpus program,
// and refines the program it was derived from and the base (§2.5: rewrites
// preserve behaviour, and compose), fault-free and with omission faults,
// with the settings of a plain `dsim check BASE DERIVED --runs N` (seed 0,
// checker.DefaultRequests open-loop inputs, default bounds): every run must be explained, none
// Unknown (the bar). It is also checked against the hand-written
// program (`dsim check HAND DERIVED`), where Unknown runs are tolerated up
// to 5% and logged: that original is itself a rewritten program, costlier
// to search. -long runs 100 schedules per setting; the default is 4.
func TestDerivations(t *testing.T) {
	runs := 4
	if *long {
		runs = 100
	}
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	var prevName string
	var prevSrc []byte
	var base *analysis.Program
	for _, d := range derivations {
		name, src := prevName, prevSrc
		if d.input != "" {
			name, src = "corpus/"+d.input, open(t, d.input)
			base = load(t, name, src)
		}
		planSrc := open(t, "plans/"+d.plan+".plan")
		steps, err := ParsePlan(d.plan+".plan", planSrc)
		if err != nil {
			t.Fatalf("%s: %v", d.plan, err)
		}
		res, err := ApplyAll(name, src, steps)
		if err != nil {
			if r, ok := err.(*Refusal); ok {
				t.Fatalf("%s refused:\n%s", d.plan, r.Render(nil))
			}
			t.Fatalf("%s: %v", d.plan, err)
		}
		out := res[len(res)-1]
		t.Run(d.plan, func(t *testing.T) {
			hand := load(t, d.hand, open(t, d.hand))
			if got, want := strings.Join(shape(out.Program, d.renamed), "\n"), strings.Join(shape(hand, nil), "\n"); got != want {
				t.Errorf("components differ from %s:\nderived:\n%s\nhand-written:\n%s", d.hand, got, want)
			}
			input := load(t, name, src)
			check := func(orig, derived *analysis.Program, fp sim.FaultPlan, tolerate bool) {
				rep, err := checker.Check(orig, derived, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp}})
				if err != nil {
					t.Fatalf("check against %s: %v", orig.File.Name, err)
				}
				if tolerate && rep.Verdict == checker.Unknown && rep.Undecided*20 <= len(rep.Runs) {
					t.Logf("%s vs %s (faults %v): %d of %d runs Unknown: %s", d.plan, orig.File.Name, fp, rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
				} else if rep.Verdict != checker.Equivalent {
					t.Errorf("%s does not refine %s (faults %v):\n%s\nderived program:\n%s", d.plan, orig.File.Name, fp, rep.Text(checker.SavedFiles{}), derived.File.Name)
				}
			}
			// Against the base with and without faults (the bar), and
			// against the step's own input fault-free: searching a derived
			// original under faults is far costlier and adds little.
			for _, fp := range []sim.FaultPlan{{}, faults} {
				check(base, out.Program, fp, false)
				if d.input == "" && !faulty(fp) {
					check(input, out.Program, fp, false)
				}
			}
			asHand := out.Program
			if len(d.asHand) > 0 {
				src := string(out.Source)
				for from, to := range d.asHand {
					src = regexp.MustCompile(`\b`+from+`\b`).ReplaceAllString(src, to)
				}
				asHand = load(t, d.plan+"-as-hand.ded", []byte(src))
			}
			for _, fp := range []sim.FaultPlan{{}, faults} {
				check(hand, asHand, fp, true)
			}
		})
		prevName, prevSrc = d.plan, out.Source
	}
}

func faulty(fp sim.FaultPlan) bool {
	return len(fp.Omissions)+len(fp.Crashes)+len(fp.Partitions) > 0 || fp.Duplicate != nil
}
