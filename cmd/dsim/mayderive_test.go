package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/internal/golden"
)

// TestCheckMayDerive: a rewrite that emits a slot the original can never
// emit (-1; the original counts from 0) is NotEquivalent by the may-derive
// analysis even where the search alone is Unknown (--max-states 2; main
// before the analysis said "3 unknown" for this command), with the report
// in a golden file, may_derive in the JSON, and reproduce commands that
// still say NotEquivalent. A rewrite whose wrong slots lie inside the
// abstraction (every slot 0) is left to the search: Unknown, as before.
func TestCheckMayDerive(t *testing.T) {
	dir := filepath.Join("testdata", "mayderive")
	orig, rew, possible := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded"), filepath.Join(dir, "possible.ded")
	args := []string{"check", orig, rew, "--runs", "3", "--max-states", "2"}
	code, out, errOut := runCLI(args...)
	require.Equal(t, 1, code, "%s%s", out, errOut)
	require.Contains(t, out, "may-derive analysis, no search")
	require.Contains(t, out, "column 2 of done is always 0 in the original")
	golden.Check(t, filepath.Join(dir, "check.txt"), []byte(out))

	code, js, errOut := runCLI(append(args, "--json")...)
	require.Equal(t, 1, code, errOut)
	var rep struct {
		Verdict        string `json:"verdict"`
		Counterexample struct {
			MayDerive bool `json:"may_derive"`
			States    int  `json:"states"`
			Offense   struct {
				Kind string `json:"kind"`
				Fact string `json:"fact"`
			} `json:"offense"`
		} `json:"counterexample"`
	}
	require.NoError(t, json.Unmarshal([]byte(js), &rep), js)
	require.Equal(t, "NotEquivalent", rep.Verdict)
	require.True(t, rep.Counterexample.MayDerive, js)
	require.Equal(t, 0, rep.Counterexample.States, "no search")
	require.Equal(t, "done(2, -1)", rep.Counterexample.Offense.Fact)

	// The reproduce commands work as printed; the checks among them are
	// NotEquivalent again.
	w := filepath.Join(t.TempDir(), "w")
	code, out, errOut = runCLI(append(args, "--save-witness", w)...)
	require.Equal(t, 1, code, "%s%s", out, errOut)
	repro, cmds := reproduceCommands(t, out, filepath.Join(t.TempDir(), "out.html"))
	checks := 0
	for _, c := range cmds {
		line, a := c.line, c.args
		code, o, e := runCLI(a...)
		if a[0] == "check" {
			require.Equal(t, 1, code, "%s:\n%s%s", line, o, e)
			require.Contains(t, o, "may-derive analysis", line)
			checks++
		} else {
			require.Equal(t, 0, code, "%s:\n%s%s", line, o, e)
		}
	}
	require.Equal(t, 2, checks, repro)

	code, out, errOut = runCLI("check", orig, possible, "--runs", "3", "--max-states", "2")
	require.Equal(t, 2, code, "want Unknown:\n%s%s", out, errOut)
	require.NotContains(t, out, "may-derive")
}
