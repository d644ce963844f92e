package checker

import (
	"flag"
	"slices"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/sim"
)

var long = flag.Bool("long", false, "check every corpus pair over 500 schedules with faults (slow)")

// corpusPairs lists every (original, rewritten) pair of the corpus that
// exists in this build: the running example's stages against its base,
// voting, 2PC, and each micro-protocol's after against its before.
func corpusPairs(t testing.TB) [][2]string {
	progs := corpus.Programs()
	var out [][2]string
	add := func(orig, rew string) {
		if slices.Contains(progs, orig) && slices.Contains(progs, rew) {
			out = append(out, [2]string{orig, rew})
		} else {
			t.Logf("pair %s / %s not in the corpus yet; skipped", orig, rew)
		}
	}
	for _, stage := range []string{"fig2-mutually-independent", "fig3-monotonic", "fig4-functional", "fig5-cohashing", "fig6-dependencies"} {
		add("corpus/hashset/base.ded", "corpus/hashset/"+stage+".ded")
	}
	add("corpus/voting/base.ded", "corpus/voting/scalable.ded")
	add("corpus/2pc/base.ded", "corpus/2pc/scalable.ded")
	for _, m := range []string{"mutually-independent", "monotonic", "functional", "cohashing", "dependencies", "partial"} {
		add("corpus/micro/"+m+"/before.ded", "corpus/micro/"+m+"/after.ded")
	}
	return out
}

// faultyPlan is an omission fault on one randomly chosen node of the
// rewrite, early enough that runs end.
func faultyPlan(t testing.TB) sim.FaultPlan {
	p, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCorpusPairsEquivalent: every corpus rewrite refines its original,
// fault-free and with omission faults within the budget. -long runs 500
// schedules per pair and setting (the bar); the default is 40.
func TestCorpusPairsEquivalent(t *testing.T) {
	runs := 20
	if *long {
		runs = 250
	}
	for _, pair := range corpusPairs(t) {
		for _, faults := range []bool{false, true} {
			name := pair[1]
			if faults {
				name += "/omission"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				opts := Options{Runs: runs, Spec: sim.Spec{Seed: 1, Open: 3}}
				if faults {
					opts.Faults = faultyPlan(t)
					opts.Seed = 1000
				}
				rep, err := Check(load(t, pair[0]), load(t, pair[1]), opts)
				if err != nil {
					t.Fatal(err)
				}
				// Unknown runs (a search bound hit) are tolerated up to 5%
				// and logged: docs/CHECKING.md lists the pairs that have them.
				if rep.Verdict == NotEquivalent || rep.Undecided*20 > len(rep.Runs) {
					t.Errorf("%s", rep.Text(SavedFiles{}))
				} else if rep.Undecided > 0 {
					t.Logf("%d of %d runs Unknown: %s", rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
				}
				for _, r := range rep.Runs {
					if r.Verdict == Equivalent && r.Witness == nil {
						t.Errorf("run %d: Equivalent without a witness", r.Index)
					}
				}
			})
		}
	}
}
