package sim

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestExploreExhaustive: the relayed commit can never overtake its prepare
// under delays 1..3 (certified, the certificate's text a golden), but a
// lost prepare lets it (a counterexample, shrunk into a reproducer that
// replays to the same failure); delays 1..4 let the commit overtake
// without any loss.
func TestExploreExhaustive(t *testing.T) {
	prog := loadProgram(t, "relayed", relayedCommitSrc)
	w := Workload{{Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(7)}}, Node: value.Addr{Comp: "leader"}, Time: 1}}
	loss, err := ParseFaultPlan("omission leader[0] p=0.5 until=10")
	require.NoError(t, err)
	for _, c := range []struct {
		name     string
		faults   FaultPlan
		delay    int64
		certify  bool
		goldenAt string
	}{
		{name: "fault-free", delay: 3, certify: true, goldenAt: "testdata/exhaustive/relayed-certificate.txt"},
		{name: "loss", faults: loss, delay: 3},
		{name: "delay-4", delay: 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := ExploreExhaustive(context.Background(), prog, ExploreOptions{Spec: Spec{Workload: w, Faults: c.faults}}, ExhaustiveOptions{MaxDelay: c.delay})
			require.NoError(t, err)
			if c.certify {
				require.True(t, rep.Certified(), rep.Text())
				assert.Nil(t, rep.Failure)
				golden.Check(t, c.goldenAt, []byte(rep.Text()))
				return
			}
			require.NotNil(t, rep.Failure, rep.Text())
			assert.Equal(t, FailViolation, rep.Failure.Kind)
			assert.Equal(t, "bad_commit_unprepared", rep.Failure.Fact.Rel)
			require.NotNil(t, rep.Repro)
			rep.Repro.Program = "relayed"
			parsed, err := ParseReproducer("repro", rep.Repro.Text())
			require.NoError(t, err)
			require.NoError(t, CheckReproducer(prog, parsed), "the reproducer replays to its failure")
			assert.Contains(t, rep.Text(), "COUNTEREXAMPLE")
		})
	}
	_, err = ExploreExhaustive(context.Background(), prog, ExploreOptions{Spec: Spec{Closed: 2}}, ExhaustiveOptions{})
	assert.ErrorContains(t, err, "open-loop")
}
