package extmod

import (
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/dsimtest"
	"github.com/dsim-project/dsim/sim"
)

// The README's use of dsim from another module's go test.
func TestTwoPhaseCommit(t *testing.T) {
	base, scalable := dsimtest.Load(t, "corpus/2pc/base.ded"), dsimtest.Load(t, "corpus/2pc/scalable.ded")
	dsimtest.Explore(t, base, sim.ExploreOptions{Runs: 5, Seed: 1, Requests: 2, Jobs: 1})
	dsimtest.Check(t, base, scalable, checker.Options{Runs: 2, Requests: 2, Seed: 1})
}
