package checker

import (
	"strings"
	"testing"
	"time"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// TestTimeoutBoundsTheSearch: --timeout bounds a run's search even when
// its branches end before reaching a new moment. ScalablePaxos with its
// acceptors' start-up guard dropped (`first()` every tick, a mutant `dsim
// mutate` draws) violates an invariant the search of BasePaxos then tries
// to match; with backjumping nearly every branch ends in a decision right
// after its resume point. Before the deadline was also checked per branch,
// seed 2 ran 74 s under a 1 s timeout; now it stops at about 1 s (the
// bound below leaves room for a loaded machine).
func TestTimeoutBoundsTheSearch(t *testing.T) {
	src, err := corpus.Open("paxos/scalable.ded")
	if err != nil {
		t.Fatal(err)
	}
	const guard = "first() :- acceptorNodes(_), !started()."
	if !strings.Contains(string(src), guard) {
		t.Fatalf("paxos/scalable.ded no longer has %q; pick another mutant", guard)
	}
	mut := strings.Replace(string(src), guard, "first() :- acceptorNodes(_).", 1)
	rew, diags := analysis.Load("scalable-first-every-tick.ded", []byte(mut))
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render([]byte(mut)))
	}
	start := time.Now()
	rep, err := Check(load(t, "paxos/base.ded"), rew, Options{Runs: 1, Spec: sim.Spec{Seed: 2, Open: 3, Limits: sim.Limits{MaxTime: 100}}, Timeout: time.Second, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	// The rewritten run stopped on the violation, so a search the timeout
	// cut makes the run Violated (not Unknown), naming the timeout.
	if rep.Verdict != Violated || rep.Runs[0].Limit != sim.BoundTimeout {
		t.Fatalf("want Violated on the timeout, got %s\n%s", rep.Verdict, rep.Text(SavedFiles{}))
	}
	if took > 30*time.Second {
		t.Fatalf("a 1 s timeout took %s", took)
	}
	t.Logf("Violated on the timeout after %s", took)
}
