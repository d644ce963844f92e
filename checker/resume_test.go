package checker

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

var noResume = flag.Bool("noresume", false, "run every check with the reference search (Options.NoResume: no snapshots, no tick cache)")

func TestMain(m *testing.M) {
	flag.Parse()
	referenceSearch = *noResume
	os.Exit(m.Run())
}

// summary is what must not depend on how the search executes branches.
func summary(rep *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", rep.Verdict)
	for _, r := range rep.Runs {
		if r == nil {
			continue
		}
		fmt.Fprintf(&b, "run %d seed %d: %s found=%q bound=%q states=%d branches=%d maxdelay=%d reasons=%v\n",
			r.Index, r.Seed, r.Verdict, r.Found, r.Bound, r.States, r.Branches, r.Delays.Max, r.Reasons)
		if r.Offense != nil {
			o := *r.Offense
			o.Why, o.Producer = nil, nil // pointers: compared by their contents below
			fmt.Fprintf(&b, "  offense %+v\n", o)
			if p := r.Offense.Producer; p != nil {
				fmt.Fprintf(&b, "  producer %+v\n", *p)
			}
			b.WriteString(r.Offense.Why.Text())
		}
		if r.Witness != nil {
			b.WriteString(r.Witness.String())
		}
	}
	return b.String()
}

// TestResumeSameAsReference: resuming branches from snapshots (with the
// tick cache) and re-executing every branch from time 0 give the same
// verdicts, witnesses, offenses and state and branch counts, for mutants
// (exhaustive NotEquivalent searches) and corpus pairs with faults.
func TestResumeSameAsReference(t *testing.T) {
	if referenceSearch {
		t.Skip("-noresume: both sides would be the reference search")
	}
	faulty, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	type pair struct {
		orig, rew string
		opts      Options
	}
	pairs := []pair{
		{"corpus/2pc/base.ded", "checker/testdata/mutants/2pc-voter-no-log.ded", Options{Runs: 1, Spec: sim.Spec{Seed: 1, Open: 1}}},
		{"corpus/voting/base.ded", "checker/testdata/mutants/voting-votes-unpersisted.ded", Options{Runs: 2, Spec: sim.Spec{Open: 2}, MaxStates: 1500}},
		{"corpus/micro/partial/before.ded", "corpus/micro/partial/after.ded", Options{Runs: 1, Spec: sim.Spec{Faults: faulty, Seed: 304, Open: 3}, MaxStates: 1500}},
		{"corpus/micro/partial/before.ded", "corpus/micro/partial/after.ded", Options{Runs: 4, Spec: sim.Spec{Faults: faulty, Seed: 300, Open: 2}}},
		{"corpus/2pc/base.ded", "corpus/2pc/scalable.ded", Options{Runs: 4, Spec: sim.Spec{Faults: faulty, Open: 3}}},
		{"corpus/hashset/base.ded", "corpus/hashset/fig6-dependencies.ded", Options{Runs: 3, Spec: sim.Spec{Faults: faulty, Open: 3}}},
		// Deviation passes and backjumping: the first search hits its
		// state bound, the passes run with the same budget each.
		{"corpus/paxos/base.ded", "checker/testdata/paxos-scalable-no-retransmit.ded", Options{Runs: 1, Spec: sim.Spec{Seed: 52, Open: 3, Limits: sim.Limits{MaxTime: 100}}, MaxStates: 1500}},
	}
	for _, p := range pairs {
		orig := loadAny(t, p.orig)
		var rew = loadAny(t, p.rew)
		p.opts.NoShrink = true
		ref := p.opts
		ref.NoResume = true
		a, err := Check(orig, rew, ref)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Check(orig, rew, p.opts)
		if err != nil {
			t.Fatal(err)
		}
		if sa, sb := summary(a), summary(b); sa != sb {
			t.Errorf("%s vs %s: the resuming search differs from the reference:\n%s\nvs\n%s", p.orig, p.rew, sa, sb)
		}
		t.Logf("%s vs %s: %s, %d states", p.orig, p.rew, a.Verdict, a.States())
		if a.States() == 0 {
			t.Errorf("%s vs %s: no states explored, the comparison says nothing", p.orig, p.rew)
		}
	}
}
