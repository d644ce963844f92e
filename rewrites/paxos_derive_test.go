package rewrites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// TestPaxosDerivation: corpus/plans/paxos-scalable.plan derives
// ScalablePaxos from BasePaxos: the p2a and p2b proxy leaders (each
// partitioned on the slot), the acceptors partitioned on the slot with a
// coordinator per acceptor replicating the promise, and phase 1 over every
// partition (partitioned sealing, the log's size a partitioned aggregate).
// The output vets, has the expected components, and refines today's
// corpus/paxos/base.ded (with the acceptors' outputs promisedBallot and
// acceptedSlot) fault-free and with omission faults, every run Equivalent
// with the default search delays: the runs where a partition applies a
// lower ballot after a higher one are explained by the in-tick response
// guide's run (docs/REWRITES.md, ScalablePaxos; docs/CHECKING.md, the
// search). Default 4 + 4 runs with a 100-unit horizon; -long 100 + 100.
//
// Against the hand-written corpus/paxos/scalable.ded the check uses the
// programs as before the acceptors' outputs (testdata/paxos-unobserved/):
// today's hand-written program outputs promisedBallot from its
// coordinators (coordinator[r], once per acceptor) and the derived one
// from every partition (acceptor[j]), so the derived program's outputs
// carry addresses the hand-written never outputs, and it cannot refine
// it; both refine the base (docs/REWRITES.md).
func TestPaxosDerivation(t *testing.T) {
	runs := 4
	if *long {
		runs = 100
	}
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, base, hand string // hand: the program checked against ("": the base)
		src, handSrc     []byte
		runs             int
		unknownPercent   int
	}{
		{name: "today's base.ded", base: "corpus/paxos/base.ded", src: open(t, "paxos/base.ded"), runs: runs},
		// As before the outputs: 4 + 4, 40 + 40 with -long, Unknown (a
		// search bound) tolerated up to a quarter of the runs and logged.
		{name: "the frozen scalable.ded", base: "corpus/paxos/base.ded", src: readTestdata(t, "paxos-unobserved/base.ded"), hand: "corpus/paxos/scalable.ded", handSrc: readTestdata(t, "paxos-unobserved/scalable.ded"), runs: runs / 5 * 2, unknownPercent: 25},
	} {
		steps, err := ParsePlan("paxos-scalable.plan", open(t, "plans/paxos-scalable.plan"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ApplyAll(c.base, c.src, steps)
		if err != nil {
			if r, ok := err.(*Refusal); ok {
				t.Fatalf("refused:\n%s", r.Render(nil))
			}
			t.Fatal(err)
		}
		out := res[len(res)-1]
		want := "acceptorCoord[3] refines acceptor\nacceptor[6] refines acceptor\np2aProxy[4] refines proposer\np2bProxy[4] refines proposer\nproposer[2] refines proposer"
		if got := strings.Join(shape(out.Program, nil), "\n"); got != want {
			t.Errorf("components:\n%s\nwant:\n%s", got, want)
		}
		orig := load(t, c.base, c.src)
		if c.hand != "" {
			orig = load(t, c.hand, c.handSrc)
		}
		for _, fp := range []sim.FaultPlan{{}, faults} {
			opts := checker.Options{Runs: max(c.runs, 2), Spec: sim.Spec{Seed: 1, Faults: fp, Open: 3, Limits: sim.Limits{MaxTime: 100}}, Jobs: 1, Timeout: 30 * time.Second, NoShrink: true}
			if faulty(fp) {
				opts.Seed = 1000
			}
			rep, err := checker.Check(orig, out.Program, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict == checker.NotEquivalent || rep.Undecided*100 > c.unknownPercent*len(rep.Runs) {
				t.Fatalf("against %s, faults %v:\n%s\n%s", c.name, fp, rep.Text(checker.SavedFiles{}), out.Source)
			}
			if rep.Undecided > 0 {
				t.Logf("against %s, faults %v: %d of %d runs Unknown: %s", c.name, fp, rep.Undecided, len(rep.Runs), rep.FirstUnknown().Bound)
			}
		}
	}
}

// readTestdata reads a file of rewrites/testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return src
}
