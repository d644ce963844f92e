package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsim-project/dsim/sim"
)

// TestBoundFlags: every library bound that can be raised has a flag, and
// cliText turns its hint into that flag.
func TestBoundFlags(t *testing.T) {
	for _, b := range sim.Bounds {
		if b.Raise() == "" {
			continue
		}
		f := boundFlag(b)
		if assert.NotEmpty(t, f, "no flag for %s", b) {
			assert.Equal(t, "x ("+"raise with --"+f+")", cliText("x ("+b.Raise()+")"))
		}
	}
	assert.Equal(t, "stopped: 3 ticks (MaxTicks); raise with --max-ticks", cliText("stopped: 3 ticks (MaxTicks); raise Limits.MaxTicks"))
}
