package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckShardsMerge: dsim check --shard i/3 --json for every i, merged
// by dsim merge, prints the unsharded check's JSON report and exit status.
func TestCheckShardsMerge(t *testing.T) {
	args := []string{"check", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", "--runs", "5", "--inputs", "2",
		"--faults", "omission random f=1 p=0.3 until=20", "--json"}
	code, whole, stderr := runCLI(args...)
	require.Equal(t, 0, code, stderr)
	dir := t.TempDir()
	var files []string
	for _, i := range []string{"2", "0", "1"} {
		code, out, stderr := runCLI(append(args, "--shard", i+"/3")...)
		require.Equal(t, 0, code, stderr)
		f := filepath.Join(dir, "s"+i+".json")
		require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
		files = append(files, f)
	}
	code, merged, stderr := runCLI(append([]string{"merge"}, files...)...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, whole, merged)

	code, _, stderr = runCLI("merge", files[0], files[1])
	assert.Equal(t, 3, code, "a missing shard is a usage error")
	assert.Contains(t, stderr, "shard 1/3 missing or repeated")
	code, _, stderr = runCLI(append(args[:len(args)-1], "--shard", "0/3")...)
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "--shard needs --json")
	code, _, _ = runCLI(append(args, "--shard", "3/3")...)
	assert.Equal(t, 3, code)
}

// TestExploreShardsMerge: dsim explore --shard i/n --json for every i,
// merged by dsim merge, prints the unsharded exploration's JSON report and
// exit status: failing (the failure in the second shard), inconclusive,
// clean.
func TestExploreShardsMerge(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"failing", []string{"../../corpus/regressions/programs/reordered-commit.ded", "--runs", "40", "--requests", "1"}, 1},
		{"inconclusive", []string{"corpus/2pc/base.ded", "--runs", "25", "--seed", "4", "--requests", "0", "--open", "3", "--max-ticks", "60"}, 2},
		{"clean", []string{"corpus/2pc/base.ded", "--runs", "12", "--requests", "2", "--coverage"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"explore"}, tc.args...), "--json", "--out", t.TempDir())
			code, whole, stderr := runCLI(args...)
			require.Equal(t, tc.code, code, stderr)
			dir := t.TempDir()
			var files []string
			for _, i := range []string{"3", "1", "0", "2"} {
				_, out, stderr := runCLI(append(args, "--shard", i+"/4")...)
				require.Empty(t, stderr)
				f := filepath.Join(dir, "e"+i+".json")
				require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
				files = append(files, f)
			}
			code, merged, stderr := runCLI(append([]string{"merge"}, files...)...)
			require.Equal(t, tc.code, code, stderr)
			assert.Equal(t, whole, merged)
			assert.Contains(t, whole, `"kind": "explore"`)
		})
	}
	code, _, stderr := runCLI("explore", "corpus/2pc/base.ded", "--runs", "4", "--shard", "0/2")
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "--shard needs --json")
	dir := t.TempDir()
	_, out, _ := runCLI("explore", "corpus/2pc/base.ded", "--runs", "4", "--json")
	f := filepath.Join(dir, "whole.json")
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	code, _, stderr = runCLI("merge", f)
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "is not a shard (make shards with --shard i/n)")
}

// TestCheckExhaustiveShardsMerge: dsim check --exhaustive --shard i/3
// --json for every i (each a range of the parts, one per faulty node; a
// shard alone certifies only its parts, so it exits 2), merged by dsim
// merge, prints the unsharded certificate and exits 0.
func TestCheckExhaustiveShardsMerge(t *testing.T) {
	args := []string{"check", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", "--exhaustive", "--inputs", "1", "--seed", "1",
		"--max-delay", "1", "--faults", "omission random f=1 p=0.3 until=20", "--json"}
	code, whole, stderr := runCLI(args...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, whole, `"certificate"`)
	dir := t.TempDir()
	var files []string
	for _, i := range []string{"1", "2", "0"} {
		code, out, stderr := runCLI(append(args, "--shard", i+"/3")...)
		require.Equal(t, 2, code, stderr)
		assert.Contains(t, out, `"part_records"`)
		f := filepath.Join(dir, "s"+i+".json")
		require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
		files = append(files, f)
	}
	code, merged, stderr := runCLI(append([]string{"merge"}, files...)...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, whole, merged)
	code, _, stderr = runCLI("merge", files[0], files[1])
	assert.Equal(t, 3, code, "a missing shard is a usage error")
	assert.Contains(t, stderr, "2 reports for 3 shards")
}
