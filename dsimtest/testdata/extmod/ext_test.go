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
	dsimtest.Explore(t, base, sim.ExploreOptions{Runs: 5, Spec: sim.Spec{Seed: 1, Closed: 2}, Jobs: 1})
	dsimtest.Check(t, base, scalable, checker.Options{Runs: 2, Spec: sim.Spec{Seed: 1, Open: 2}})
}
