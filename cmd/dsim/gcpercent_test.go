package main

import (
	"runtime/debug"
	"testing"
)

// TestDefaultGCPercent: every command runs at defaultGCPercent unless GOGC
// is set, in which case the runtime's own reading of GOGC stands.
func TestDefaultGCPercent(t *testing.T) {
	restore := debug.SetGCPercent(100)
	defer debug.SetGCPercent(restore)

	t.Setenv("GOGC", "")
	if err := setDefaultGCPercent(nil); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, defaultGCPercent)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50) // what the runtime would have read at start
	if err := setDefaultGCPercent(nil); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("GOGC=50: GC percent %d, want it left at 50", got)
	}
}
