package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckHistoryCLI: `dsim check ORIGINAL --history DIR` judges a
// hand-written trace (exit 0 when the original explains it, 1 for an
// answer it cannot give, 2 for an unanswered request unless
// --history-open), and misuse is a usage error (exit 3).
func TestCheckHistoryCLI(t *testing.T) {
	const base = 1_700_000_000_000_000
	trace := func(lines ...string) string {
		dir := t.TempDir()
		text := "# dsim realnet trace v1 node=leader[0] clock=unix-us\n" + strings.Join(lines, "\n") + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "leader-0.trace"), []byte(text), 0o644))
		return dir
	}
	at := func(ms int64, rest string) string { return fmt.Sprintf("@%d %s", base+ms*1000, rest) }
	good := trace(at(0, "in request(1, 5) -> leader[0] client=1"), at(30, "out reply(1, 5) -> client=1 from leader[0]"),
		at(40, "in request(2, 6) -> leader[0] client=1"), at(70, "out reply(2, 6) -> client=1 from leader[0]"))
	forged := trace(at(0, "in request(1, 5) -> leader[0] client=1"), at(30, "out reply(1, 9) -> client=1 from leader[0]"))
	open := trace(at(0, "in request(1, 5) -> leader[0] client=1"), at(30, "out reply(1, 5) -> client=1 from leader[0]"),
		at(40, "in request(2, 6) -> leader[0] client=1"))
	prog := "../../corpus/voting/base.ded"
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"explained", []string{prog, "--history", good}, 0, "dsim check " + prog + " --history " + good + " ("},
		{"witness hint names flags", []string{prog, "--history", good}, 0, "replay the witness: dsim replay " + prog + " DIR/run-0.witness (written by --save-witness DIR)\n"},
		{"explained at 1 ms", []string{prog, "--history", good, "--history-unit", "1ms"}, 0, "1 time unit = 1ms"},
		{"forged answer", []string{prog, "--history", forged}, 1, "NotEquivalent"},
		{"in flight, closed history", []string{prog, "--history", open, "--max-states", "200"}, 2, "reply(2, 6)"},
		{"in flight, open history", []string{prog, "--history", open, "--history-open"}, 0, "Equivalent"},
		{"two programs", []string{prog, prog, "--history", good}, 3, "takes one program"},
		{"rewrite flag", []string{prog, "--history", good, "--runs", "3"}, 3, "--runs does not apply"},
		{"no traces", []string{prog, "--history", t.TempDir()}, 3, "no *.trace files"},
		{"unit without history", []string{prog, prog, "--history-unit", "1ms"}, 3, "need --history"},
		{"bad unit", []string{prog, "--history", good, "--history-unit", "1ns"}, 3, "whole number of microseconds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"check"}, tt.args...)...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, out+errOut, tt.want)
		})
	}
}
