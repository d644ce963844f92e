package sim

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEnumerateBranchBound: at the horizon's last moment a node sends
// three messages; each of their 27 delay combinations is a branch that
// ends at the horizon without reaching a new moment, so the state bound
// never sees them. The branch bound does: below 27 the enumeration is
// incomplete, naming BoundEnumerateBranches; at 27 it completes, and the
// report counts the branches.
func TestEnumerateBranchBound(t *testing.T) {
	prog := loadProgram(t, "broadcast", broadcastSrc)
	cfg := Config{Workload: inputsAt("in", 1), Limits: Limits{MaxTime: 1}, Trace: TraceOptions{Off: true}}
	rep, err := Enumerate(context.Background(), prog, cfg, EnumerateOptions{MaxDelay: 3})
	require.NoError(t, err)
	require.True(t, rep.Complete, rep.Bound)
	assert.Equal(t, 27, rep.Branches)
	assert.Equal(t, 27, rep.Runs)
	assert.Less(t, rep.States, 3, "the branches add no state: the state bound cannot stop them")

	rep, err = Enumerate(context.Background(), prog, cfg, EnumerateOptions{MaxDelay: 3, MaxBranches: 26, MaxStates: 1000})
	require.NoError(t, err)
	assert.False(t, rep.Complete)
	assert.Equal(t, BoundEnumerateBranches, rep.Limit)
	assert.Contains(t, rep.Bound, "26 branches enumerated (raise EnumerateOptions.MaxBranches)")
	assert.Equal(t, 26, rep.Branches)

	rep, err = Enumerate(context.Background(), prog, cfg, EnumerateOptions{MaxDelay: 3, MaxBranches: 27})
	require.NoError(t, err)
	assert.True(t, rep.Complete, rep.Bound)
}
