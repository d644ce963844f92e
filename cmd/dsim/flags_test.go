package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeprecatedFlagSpellings: the old spellings of renamed flags still
// work for one release, do what the new ones do, and say so on stderr;
// giving both is a usage error.
func TestDeprecatedFlagSpellings(t *testing.T) {
	run := []string{"run", "corpus/hashset/base.ded", "--seed", "1", "--requests", "2"}
	code, want, errOut := runCLI(append(run, "--print-history")...)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, want, "history:")
	assert.Empty(t, errOut)

	code, got, errOut := runCLI(append(run, "--history")...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, want, got)
	assert.Contains(t, errOut, "--history is deprecated and will be removed; use --print-history")

	code, _, errOut = runCLI(append(run, "--history", "--print-history")...)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "give only --print-history")

	check := []string{"check", "corpus/hashset/base.ded", "corpus/hashset/base.ded", "--runs", "2"}
	code, want, errOut = runCLI(append(check, "--inputs", "1")...)
	require.Equal(t, 0, code, errOut)
	code, got, errOut = runCLI(append(check, "--requests", "1")...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, want, got)
	assert.Contains(t, errOut, "--requests is deprecated and will be removed; use --inputs")
}
