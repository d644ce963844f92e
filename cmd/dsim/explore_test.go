package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExploreExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"clean", []string{"corpus/2pc/base.ded", "--runs", "8", "--requests", "2", "--jobs", "2"}, 0, "8 of 8 runs, 0 failing, 0 inconclusive"},
		{"failing", []string{"../../corpus/regressions/programs/reordered-commit.ded", "--runs", "30", "--requests", "4"}, 1, "FAILED: run "},
		{"inconclusive", []string{"corpus/2pc/base.ded", "--runs", "3", "--requests", "2", "--max-ticks", "5"}, 2, "first inconclusive: run 0"},
		{"bad faults", []string{"corpus/2pc/base.ded", "--faults", "crash x"}, 3, ""},
		{"bad runs", []string{"corpus/2pc/base.ded", "--runs", "0"}, 3, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"explore"}, tc.args...)
			args = append(args, "--out", dir)
			code, out, errOut := runCLI(args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out, tc.contains)
		})
	}
}

func TestExploreWritesReplayableReproducer(t *testing.T) {
	dir := t.TempDir()
	prog := "../../corpus/regressions/programs/reordered-commit.ded"
	code, out, errOut := runCLI("explore", prog, "--runs", "30", "--requests", "4", "--out", dir)
	require.Equal(t, 1, code, errOut)
	assert.Empty(t, errOut, "no progress bar when stderr is not a terminal")
	m := regexp.MustCompile(`wrote (\S+explore-reordered-commit-[0-9a-f]{8}\.txt)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Contains(t, out, "reproduce: dsim replay "+prog+" "+m[1]+" --trace repro.json")
	assert.Contains(t, out, "draw:      dsim viz repro.json -o repro.html")
	assert.Regexp(t, `\d+ runs/s`, out)
	_, err := os.Stat(m[1])
	require.NoError(t, err)

	// The written file is a schedule: dsim replay shows the violation.
	trace := filepath.Join(dir, "repro.json")
	code, rout, _ := runCLI("replay", prog, m[1], "--trace", trace)
	assert.Equal(t, 1, code)
	assert.Contains(t, rout, "bad_commit_before_prepare(")
	_, err = os.Stat(trace)
	require.NoError(t, err)

	// Same arguments, same reproducer file.
	dir2 := t.TempDir()
	_, out2, _ := runCLI("explore", prog, "--runs", "30", "--requests", "4", "--out", dir2, "--jobs", "1")
	m2 := regexp.MustCompile(`wrote (\S+\.txt)`).FindStringSubmatch(out2)
	require.NotNil(t, m2, out2)
	a, _ := os.ReadFile(m[1])
	b, _ := os.ReadFile(m2[1])
	assert.Equal(t, string(a), string(b))
	// The file's header names dsim's command where the library's names sim.Replay.
	assert.Contains(t, string(a), "\n# replay: dsim replay "+prog+" THIS_FILE\n")
}

// TestExploreRunIsDsimRun: explore's run i with base seed S is `dsim run
// --seed S+i` with the same flags (the one seed rule, sim.RunSeed).
func TestExploreRunIsDsimRun(t *testing.T) {
	prog := "../../corpus/regressions/programs/reordered-commit.ded"
	for _, base := range []uint64{0, 3, 1000} {
		code, out, errOut := runCLI("explore", prog, "--runs", "30", "--requests", "4", "--seed", strconv.FormatUint(base, 10), "--no-shrink", "--out", t.TempDir())
		require.Equal(t, 1, code, errOut)
		m := regexp.MustCompile(`FAILED: run (\d+) \(seed (\d+)\): (invariant violated: \S+)`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		i, _ := strconv.ParseUint(m[1], 10, 64)
		require.Equal(t, strconv.FormatUint(base+i, 10), m[2], "run %d of base seed %d", i, base)
		_, rout, rerr := runCLI("run", prog, "--seed", m[2], "--requests", "4")
		require.Empty(t, rerr)
		assert.Contains(t, rout, "violation replica[0] "+strings.TrimPrefix(m[3], "invariant violated: "))
	}
}
