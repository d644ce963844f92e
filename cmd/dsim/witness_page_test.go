package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/internal/golden"
)

// sideOrig and sideRew: a rewrite (b refines a, idle[2] refines a) that
// never delivers out(1), which every run of the original emits.
const (
	sideOrig = ".invariant bad(id: int)\ncomponent a {\n  .input in(id: int)\n  .output out(id: int)\n  out(id) :- in(id).\n  bad(id) :- out(id), (id < 0).\n}\n"
	sideRew  = ".invariant bad(id: int)\ncomponent b refines a {\n  .input in(id: int)\n  .output out(id: int)\n  mid(id) :- in(id).\n  out(id) :- mid(id), (id > 1).\n  bad(id) :- out(id), (id < 0).\n}\ncomponent idle[2] refines a {\n  x(1) :- x(1).\n}\n"
)

// TestCheckSideBySide: dsim check --ascii draws the counterexample beside
// the original's run that got furthest (golden), and --save-witness writes
// the same as an HTML page naming the offending fact.
func TestCheckSideBySide(t *testing.T) {
	dir := t.TempDir()
	o, r := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded")
	require.NoError(t, os.WriteFile(o, []byte(sideOrig), 0o644))
	require.NoError(t, os.WriteFile(r, []byte(sideRew), 0o644))
	out := filepath.Join(dir, "out")
	code, stdout, errOut := runCLI("check", o, r, "--inputs", "2", "--save-witness", out, "--ascii")
	require.Equal(t, 1, code, "want NotEquivalent:\n%s%s", stdout, errOut)
	_, side, ok := strings.Cut(stdout, "\nthe rewritten run beside the original's run that got furthest:\n")
	require.True(t, ok, stdout)
	require.Contains(t, side, "rewritten b[0] : original a[0]", "b[0] is not aligned with a[0]")
	require.Contains(t, side, "original:  OFFENDING o1 a[0] -> client 0 out(1)")
	require.Contains(t, side, "folded (quiet in both runs): rewritten idle[0] + rewritten idle[1]")
	golden.Check(t, filepath.Join("testdata", "check-sidebyside.txt"), []byte(side))
	require.Contains(t, stdout, "open "+filepath.Join(out, "counterexample.html"))
	page, err := os.ReadFile(filepath.Join(out, "counterexample.html"))
	require.NoError(t, err)
	require.Contains(t, string(page), `<span class="offending-fact" id="offending-fact">out(1)</span>`)
	require.Contains(t, string(page), `<td class="original offending">`)
	require.Contains(t, string(page), "OFFENDING o1 a[0] -&gt; client 0 out(1)")
	// The offence traced back is on the page too: the original's rule
	// instance, and the rewrite's rule whose comparison excludes out(1).
	require.Contains(t, string(page), `<section id="why"><h2>Why it diverged</h2>`)
	require.Contains(t, string(page), "out(1) at a[0] @0 tick 1: rule ")
	require.Contains(t, string(page), ":6:3 out: its comparison at 6:23 is false for out(1)")
	// Without --ascii the report has no drawing.
	_, plain, _ := runCLI("check", o, r, "--inputs", "2")
	require.NotContains(t, plain, "beside the original's run")
}
