package checker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestCheckContextCanceled: runs decided before the context is canceled
// keep their verdicts; every later run is Unknown and its bound names the
// cancellation's cause (never NotEquivalent: its search did not finish).
func TestCheckContextCanceled(t *testing.T) {
	orig, rew := load(t, "corpus/2pc/base.ded"), load(t, "corpus/2pc/scalable.ded")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	cause := errors.New("operator stopped the check")
	rep, err := CheckContext(ctx, orig, rew, Options{
		Runs:     3,
		Spec:     sim.Spec{Open: 2},
		NoShrink: true,
		Progress: func(done, total int) {
			if done == 1 {
				cancel(cause)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 3 || rep.Runs[0].Verdict != Equivalent {
		t.Fatalf("want run 0 Equivalent and 3 runs, got:\n%s", rep.Text(SavedFiles{}))
	}
	if r := rep.Runs[0]; r.Stage == NoStage || (r.Escalation == NotEscalated && r.Found != r.Stage.String()) {
		t.Errorf("run 0: stage %v (%d), escalation %d, found %q: want the typed stage to match", r.Stage, r.Stage, r.Escalation, r.Found)
	}
	for _, r := range rep.Runs[1:] {
		if r.Verdict != Unknown || !strings.Contains(r.Bound, "canceled: operator stopped the check") || r.Limit != sim.BoundCanceled {
			t.Errorf("run %d after cancellation: %s, bound %q; want Unknown naming the cause", r.Index, r.Verdict, r.Bound)
		}
	}
	if rep.Verdict != Unknown {
		t.Errorf("overall verdict %s, want Unknown", rep.Verdict)
	}
}

// TestCheckContextCanceledBeforeNotEquivalent: a search that would end
// NotEquivalent ends Unknown when canceled first.
func TestCheckContextCanceledBeforeNotEquivalent(t *testing.T) {
	orig, rew := load(t, "corpus/2pc/base.ded"), loadFile(t, "testdata/mutants/2pc-voter-no-log.ded")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := CheckContext(ctx, orig, rew, Options{Runs: 1, Spec: sim.Spec{Seed: 1, Open: 1}, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Unknown || !strings.Contains(rep.Runs[0].Bound, "canceled: context canceled") {
		t.Fatalf("want Unknown naming the cancellation, got:\n%s", rep.Text(SavedFiles{}))
	}
}
