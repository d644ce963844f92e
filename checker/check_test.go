package checker

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

func load(t testing.TB, name string) *analysis.Program {
	t.Helper()
	src, err := corpus.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

// genOptions draws a workload and fault setting for a property.
func genOptions(t *rapid.T) Options {
	o := Options{Runs: 1, NoShrink: true}
	n := rapid.IntRange(1, 3).Draw(t, "requests")
	o.Seed = rapid.Uint64Range(0, 1<<20).Draw(t, "seed")
	if rapid.Bool().Draw(t, "closed") {
		o.Closed = n
	} else {
		o.Open = n
	}
	if rapid.Bool().Draw(t, "faults") {
		p := rapid.SampledFrom([]string{"omission random f=1 p=0.3 until=20", "omission random f=1 p=0.6 until=10"}).Draw(t, "plan")
		o.Faults, _ = sim.ParseFaultPlan(p)
	}
	return o
}

// TestPropertySelfEquivalent: a program checked against itself is always
// Equivalent (the identity refinement map replays the run itself).
func TestPropertySelfEquivalent(t *testing.T) {
	progs := map[string]*analysis.Program{}
	for _, name := range corpus.Programs() {
		progs[name] = load(t, name)
	}
	rapid.Check(t, func(t *rapid.T) {
		p := progs[rapid.SampledFrom(corpus.Programs()).Draw(t, "program")]
		rep, err := Check(p, p, genOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != Equivalent {
			t.Fatalf("%s against itself: %s", p.File.Name, rep.Text(SavedFiles{}))
		}
	})
}

// TestPropertyCorpusPairs: random workloads and schedules of every corpus
// rewrite are explained by its original (never NotEquivalent; Unknown only
// when a bound is hit, which the report names).
func TestPropertyCorpusPairs(t *testing.T) {
	type pair struct{ orig, rew *analysis.Program }
	pairs := map[string]pair{}
	var names []string
	for _, p := range corpusPairs(t) {
		pairs[p[1]] = pair{load(t, p[0]), load(t, p[1])}
		names = append(names, p[1])
	}
	rapid.Check(t, func(t *rapid.T) {
		p := pairs[rapid.SampledFrom(names).Draw(t, "rewritten")]
		opts := genOptions(t)
		opts.MaxStates = 1000
		rep, err := Check(p.orig, p.rew, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict == NotEquivalent {
			t.Fatalf("%s", rep.Text(SavedFiles{}))
		}
		if rep.Verdict == Unknown && rep.Runs[0].Bound == "" {
			t.Fatalf("Unknown without a bound: %s", rep.Text(SavedFiles{}))
		}
	})
}

// TestJobsDoNotChangeTheReport: the same check with 1 and 2 jobs gives
// byte-identical reports.
func TestJobsDoNotChangeTheReport(t *testing.T) {
	o, r := load(t, "corpus/2pc/base.ded"), load(t, "corpus/2pc/scalable.ded")
	a, err := Check(o, r, Options{Runs: 6, Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Check(o, r, Options{Runs: 6, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if string(a.JSON()) != string(b.JSON()) {
		t.Errorf("reports differ between --jobs 1 and 2:\n%s\n%s", a.JSON(), b.JSON())
	}
}

// TestNoRefinementMap: a rewritten component that stands for nothing is a
// clear error, not a verdict.
func TestNoRefinementMap(t *testing.T) {
	src := []byte("component stranger {\n  .input in(v: int)\n}\n")
	p, diags := analysis.Load("stranger.ded", src)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	_, err := Check(load(t, "corpus/hashset/base.ded"), p, Options{Runs: 1})
	if err == nil {
		t.Fatal("want an error for a component without a refinement map")
	}
	t.Log(err)
}
