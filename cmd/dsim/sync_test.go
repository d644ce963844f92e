package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mollyDir = "../../semantics/molly/testdata/"
const syncDir = "../../sim/testdata/sync/"

func TestExploreSyncCLI(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"molly omission", []string{mollyDir + "bcast.ded", mollyDir + "agreement.ded", "--eot", "4", "--eff", "2", "--nodes", "n1,n2,n3"}, 1,
			[]string{"COUNTEREXAMPLE", "lost messages (channel @ send round): n1 -> n2 @1", "crashes (node @ round): none", "spacetime diagram:", "DROPPED @1 (omission)"}},
		{"molly certified", []string{mollyDir + "retry.ded", mollyDir + "agreement.ded", "--model", "sync", "--eot", "5", "--eff", "3"}, 0,
			[]string{"CERTIFIED", "covered: 16 runs", "certificate: sha256 "}},
		{"molly crash", []string{mollyDir + "2pc_timeout.ded", "--eot", "7", "--eff", "4", "--crashes", "1"}, 1,
			[]string{"crashes (node @ round): c @2", "CRASH"}},
		{"dsim dialect", []string{syncDir + "2pc_crash.ded", "--model", "sync", "--eot", "8", "--eff", "3", "--crashes", "1"}, 1,
			[]string{"undecided(1) at participant[0]", "coord[0] @2"}},
		{"bound", []string{syncDir + "bcast_retry.ded", "--model", "sync", "--eot", "4", "--eff", "3", "--max-states", "2"}, 2,
			[]string{"UNKNOWN: stopped after 2 distinct states", "(raise with --max-states)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"explore"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tc.contains {
				assert.Contains(t, out, s)
			}
		})
	}
}

func TestExploreSyncUsageErrors(t *testing.T) {
	plain := filepath.Join(t.TempDir(), "plain.ded")
	writeFile(t, plain, "component a {\n  p(1).\n  q(x) :- p(x).\n}\n")
	for name, args := range map[string][]string{
		"bad model":       {syncDir + "bcast.ded", "--model", "fast"},
		"bad eot":         {syncDir + "bcast.ded", "--model", "sync", "--eot", "0"},
		"too many crash":  {syncDir + "bcast.ded", "--model", "sync", "--crashes", "4"},
		"no spec (dsim)":  {plain, "--model", "sync"},
		"no spec (molly)": {mollyDir + "bcast.ded"},
		"nodes on dsim":   {syncDir + "bcast.ded", "--model", "sync", "--nodes", "a,b"},
		"duplicate node":  {mollyDir + "2pc.ded", "--nodes", "c,c"},
		"molly async":     {mollyDir + "2pc.ded", "--model", "async"},
		"bad dialect":     {mollyDir + "2pc.ded", "--dialect", "prolog"},
		"seeded flag":     {mollyDir + "2pc.ded", "--faults", "omission random f=1 p=0.3 until=5"},
	} {
		code, out, errOut := runCLI(append([]string{"explore"}, args...)...)
		assert.Equal(t, 3, code, "%s\nstdout:\n%s\nstderr:\n%s", name, out, errOut)
		assert.NotEmpty(t, errOut, name)
	}
}

func TestMollyVetRunViz(t *testing.T) {
	code, out, errOut := runCLI("vet", mollyDir+"bcast.ded", mollyDir+"agreement.ded")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, out+errOut)

	code, out, _ = runCLI("run", mollyDir+"2pc.ded", "--eot", "6", "--print", "decided")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `decided("p1", "t1", "commit")`)
	assert.Contains(t, out, "spec holds at EOT")

	// A counterexample's trace is what dsim viz draws.
	trace := filepath.Join(t.TempDir(), "cex.json")
	code, _, errOut = runCLI("explore", mollyDir+"bcast.ded", mollyDir+"agreement.ded", "--eot", "4", "--trace", trace)
	require.Equal(t, 1, code, errOut)
	code, out, errOut = runCLI("viz", trace, "--ascii")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "xm1")
}

func TestMollyVetErrorNamesIncludedFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.ded"), "include \"sub/lib.ded\";\np(X) :- q(X);\n")
	writeFile(t, filepath.Join(dir, "sub", "lib.ded"), "q(\"a\")@1;\nr(X) :- q(X, Y);\n")
	code, _, errOut := runCLI("vet", filepath.Join(dir, "main.ded"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, filepath.Join(dir, "sub", "lib.ded")+":2:9: q has 2 columns here but 1")
	assert.Contains(t, errOut, "hint: ")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

// TestMollyScenarioFlags: the failures explore prints, given back to run
// and viz with --lose and --crash, reproduce the counterexample.
func TestMollyScenarioFlags(t *testing.T) {
	code, out, errOut := runCLI("explore", mollyDir+"retry.ded", mollyDir+"agreement.ded", "--eot", "5", "--eff", "3", "--crashes", "1")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, out, "lost messages (channel @ send round): n1 -> n2 @1")
	require.Contains(t, out, "crashes (node @ round): n1 @2")
	require.Contains(t, out, "replay: dsim run "+mollyDir+"retry.ded "+mollyDir+"agreement.ded --eot 5 --lose 'n1 -> n2 @1' --crash 'n1 @2'")

	code, out, errOut = runCLI("run", mollyDir+"retry.ded", mollyDir+"agreement.ded", "--eot", "5", "--lose", "n1 -> n2 @1", "--crash", "n1 @2")
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, out, `end-of-run spec violated: pre_without_post("n3", "update") at EOT 5`)
	code, out, _ = runCLI("run", mollyDir+"retry.ded", mollyDir+"agreement.ded", "--eot", "5", "--crash", "n1 @2")
	assert.Equal(t, 0, code, "the crash alone is survived:\n%s", out)

	code, out, errOut = runCLI("viz", mollyDir+"retry.ded", mollyDir+"agreement.ded", "--eot", "5", "--lose", "n1 -> n2 @1", "--crash", "n1 @2", "--ascii")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "DROPPED @1 (omission)")
	assert.Contains(t, out, "(crashed)")

	for _, bad := range [][]string{{"--crash", "zz @2"}, {"--lose", "n1 n2 @1"}, {"--lose", "n1 -> n2"}, {"--crash", "n1 @0"}} {
		code, _, errOut := runCLI(append([]string{"run", mollyDir + "retry.ded", mollyDir + "agreement.ded"}, bad...)...)
		assert.Equal(t, 3, code, "%v: %s", bad, errOut)
	}
}

func TestMollyFileGivenToDsimOnlyCommand(t *testing.T) {
	code, _, errOut := runCLI("check", mollyDir+"2pc.ded", mollyDir+"2pc.ded")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "looks like Molly's dialect")
}

func TestFmtRefusesMolly(t *testing.T) {
	code, out, errOut := runCLI("fmt", mollyDir+"2pc.ded")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "looks like Molly's dialect")
}
