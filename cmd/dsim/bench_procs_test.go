package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// TestBenchNodeProcs: --node-procs sets GOMAXPROCS in the environment of
// the named component's nodes only, "*" covers the others, and a bad
// entry is refused with a hint before any node starts.
func TestBenchNodeProcs(t *testing.T) {
	prog := &analysis.Program{Components: []*analysis.Component{{Name: "leader"}, {Name: "participant"}}}
	procs, err := benchNodeProcs(prog, []string{"participant=1", "*=2"})
	require.NoError(t, err)
	base := []string{"PATH=/bin", "GOGC=400"}
	assert.Equal(t, []string{"PATH=/bin", "GOGC=400", "GOMAXPROCS=1"}, nodeEnv(base, procs, "participant"))
	assert.Equal(t, []string{"PATH=/bin", "GOGC=400", "GOMAXPROCS=2"}, nodeEnv(base, procs, "leader"))
	assert.Equal(t, []string{"PATH=/bin", "GOGC=400"}, base, "the bench's own environment is not changed")

	only, err := benchNodeProcs(prog, []string{"participant=1"})
	require.NoError(t, err)
	assert.Equal(t, base, nodeEnv(base, only, "leader"), "a component not named keeps Go's default")

	for _, bad := range []string{"participant", "participant=0", "participant=x", "acceptor=1"} {
		_, err := benchNodeProcs(prog, []string{bad})
		assert.ErrorContains(t, err, "hint:", bad)
	}
}
