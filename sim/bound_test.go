package sim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoundsNameLibraryFields: every bound names its option, and
// RewriteHints rewrites exactly the hints asked for.
func TestBoundsNameLibraryFields(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range Bounds {
		require.NotEmpty(t, b.Field(), "bound %d", int(b))
		assert.False(t, seen[b.Field()], "duplicate %s", b.Field())
		seen[b.Field()] = true
		assert.NotContains(t, b.Raise(), "--")
	}
	assert.Empty(t, NoBound.Raise())
	assert.Empty(t, BoundCanceled.Raise())
	msg := "stopped (raise Limits.MaxTicks); also (raise Options.MaxStates) and (raise SyncOptions.MaxStates)"
	got := RewriteHints(msg, func(b Bound) string {
		if b == BoundMaxStates {
			return "raise with --max-states"
		}
		return ""
	})
	assert.Equal(t, "stopped (raise Limits.MaxTicks); also (raise with --max-states) and (raise SyncOptions.MaxStates)", got)
}

// TestStopBoundTyped: a run stopped by a work bound carries the bound
// typed, and its message names the Limits field, not a flag.
func TestStopBoundTyped(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	res, err := Run(prog, Config{Limits: Limits{MaxTicks: 3}, Trace: TraceOptions{Off: true}})
	require.NoError(t, err)
	assert.Equal(t, TickLimit, res.Stop.Reason)
	assert.Equal(t, BoundMaxTicks, res.Stop.Bound)
	assert.True(t, strings.HasSuffix(res.Stop.Message, "raise Limits.MaxTicks"), res.Stop.Message)
	res, err = Run(prog, Config{Trace: TraceOptions{Off: true}})
	require.NoError(t, err)
	assert.Equal(t, NoBound, res.Stop.Bound, res.Stop.Message)
}
