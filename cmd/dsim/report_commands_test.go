package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportCommandsRun: every command a counterexample report prints
// under "reproduce:" works as printed (issue #12), and viz draws both
// trace files --save-witness writes.
func TestReportCommandsRun(t *testing.T) {
	dir := t.TempDir()
	// A rewrite that violates its own invariant at its first step: a
	// cheap NotEquivalent (kind violation) with a trace to draw.
	const orig = ".invariant bad(id: int)\ncomponent a {\n  .input in(id: int)\n  .output out(id: int)\n  out(id) :- in(id).\n  bad(id) :- out(id), (id < 0).\n}\n"
	o, r := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded")
	require.NoError(t, os.WriteFile(o, []byte(orig), 0o644))
	require.NoError(t, os.WriteFile(r, []byte(strings.Replace(orig, "bad(id) :- out(id), (id < 0).", "bad(id) :- in(id).", 1)), 0o644))
	out := filepath.Join(dir, "out")
	code, stdout, errOut := runCLI("check", o, r, "--save-witness", out)
	require.Equal(t, 1, code, "want NotEquivalent:\n%s%s", stdout, errOut)
	repro, cmds := reproduceCommands(t, stdout, filepath.Join(dir, "out.html"))
	n := 0
	for _, c := range cmds {
		line, args := c.line, c.args
		code, o, e := runCLI(args...)
		// 0 or 1 (the check's NotEquivalent); never a usage error.
		require.Contains(t, []int{0, 1}, code, "%s: exit %d\n%s%s", line, code, o, e)
		if args[0] == "viz" {
			require.Equal(t, 0, code, e)
			page, err := os.ReadFile(filepath.Join(dir, "out.html"))
			require.NoError(t, err)
			require.Contains(t, string(page), "<html")
		}
		n++
	}
	require.Equal(t, 4, n, "want the check, check --schedule, replay and viz commands:\n%s", repro)
	// viz reads every trace form --save-witness writes, and both draw the
	// same diagram.
	var drawn []string
	for _, f := range []string{"counterexample.trace", "counterexample.trace.json"} {
		code, o, e := runCLI("viz", filepath.Join(out, f), "--ascii")
		require.Equal(t, 0, code, "viz %s: %s", f, e)
		require.Contains(t, o, "VIOLATION bad(")
		drawn = append(drawn, o)
	}
	require.Equal(t, drawn[0], drawn[1], "the text and JSON traces draw different diagrams")
}

// A reproduceCommand is one "dsim ..." line of a report's "reproduce:"
// block, as printed and split into arguments.
type reproduceCommand struct {
	line string
	args []string
}

// reproduceCommands returns the "reproduce:" block of a report and its
// dsim commands (comments after "    #" dropped), with a viz command's
// output page redirected to vizOut.
func reproduceCommands(t *testing.T, report, vizOut string) (string, []reproduceCommand) {
	t.Helper()
	_, repro, ok := strings.Cut(report, "\nreproduce:\n")
	require.True(t, ok, report)
	var cmds []reproduceCommand
	for _, line := range strings.Split(strings.TrimSpace(repro), "\n") {
		line, _, _ = strings.Cut(strings.TrimSpace(line), "    #")
		if !strings.HasPrefix(line, "dsim ") {
			continue
		}
		args := shellWords(t, strings.TrimPrefix(line, "dsim "))
		if args[0] == "viz" {
			args[len(args)-1] = vizOut
		}
		cmds = append(cmds, reproduceCommand{line: line, args: args})
	}
	return repro, cmds
}
