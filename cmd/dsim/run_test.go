package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(append([]string{"dsim"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunIsDeterministicAndReplays(t *testing.T) {
	dir := t.TempDir()
	sched, traceA, traceB := filepath.Join(dir, "s.txt"), filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	args := []string{"run", "corpus/hashset/base.ded", "--seed", "5", "--requests", "4", "--clients", "2",
		"--faults", "omission random f=1 p=0.3 until=20", "--schedule", sched, "--trace", traceA}
	code, out1, errOut := runCLI(args...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out1, "outputs:\n")
	assert.Contains(t, out1, "summary: quiescent at virtual time")
	_, out2, _ := runCLI(args...)
	assert.Equal(t, out1, out2, "same arguments, same output")

	code, _, errOut = runCLI("replay", "corpus/hashset/base.ded", sched, "--trace", traceB)
	require.Equal(t, 0, code, errOut)
	a, _ := os.ReadFile(traceA)
	b, _ := os.ReadFile(traceB)
	require.NotEmpty(t, a)
	assert.Equal(t, string(a), string(b))

	code, out, errOut := runCLI("run", "corpus/hashset/base.ded", "--seed", "5", "--requests", "2", "--check-determinism", "--json")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `"stop": "quiescent"`)
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "bad.ded")
	require.NoError(t, os.WriteFile(prog, []byte(".invariant bad(v: int)\ncomponent a {\n  .input in(v: int)\n  bad(v) :- in(v), (v > 2).\n}\n"), 0o644))
	work := filepath.Join(dir, "w.txt")
	require.NoError(t, os.WriteFile(work, []byte("@1 in(1) -> a[0]\n@2 in(5) -> a[0]\n"), 0o644))

	code, out, _ := runCLI("run", prog, "--workload", work)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "invariant violated: bad(5) at a[0], virtual time 2")
	assert.Contains(t, out, "@2 violation a[0] bad(5)")

	code, _, errOut := runCLI("run", prog, "--faults", "crash a[0]")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "missing option at=")

	code, _, errOut = runCLI("run", "corpus/2pc/base.ded", "--requests", "3", "--max-ticks", "5")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "raise with --max-ticks")

	code, _, errOut = runCLI("run", "corpus/nope.ded")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "no embedded program")

	require.NoError(t, os.WriteFile(prog, []byte("component a {\n  x(y) :- z(w).\n}\n"), 0o644))
	code, _, errOut = runCLI("run", prog)
	assert.Equal(t, 1, code)
	assert.True(t, strings.Contains(errOut, "bad.ded:2:"), errOut)
}
