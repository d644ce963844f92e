package corpus_test

import (
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// TestMonotonicRefinesUnderRetries: with repeated and retried requests
// (`--repeats 'dup=30 retry=30'`), both micro/monotonic programs violate
// bad_conflicting_reply (acks are counted by id, so a retry with another
// payload is answered too), the decoupled rewrite one hop later than the
// original; the pair is still Equivalent (docs/CORPUS.md, micro/monotonic;
// docs/CHECKING.md, "No vacuous verdicts"). Seeds 19 and 24 were
// counterexamples before bad_stale_tag was checked in the tagging tick and
// before a violation could be matched by an earlier one of the original.
func TestMonotonicRefinesUnderRetries(t *testing.T) {
	orig := loadProgram(t, "micro/monotonic/before.ded")
	rew := loadProgram(t, "micro/monotonic/after.ded")
	rp, err := sim.ParseRepeats("dup=30 retry=30")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := checker.Check(orig, rew, checker.Options{Runs: int(seeds(60, 30)), Spec: sim.Spec{Open: 3, Repeats: rp}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != checker.Equivalent {
		t.Fatalf("%s", rep.Text(checker.SavedFiles{}))
	}
	violated := 0
	for _, r := range rep.Runs {
		if r.Violation != nil {
			violated++
		}
	}
	if violated == 0 {
		t.Fatalf("no run violated an invariant; the test no longer exercises the matching of violations")
	}
	t.Logf("%d of %d runs stopped on a matched violation", violated, len(rep.Runs))
}
