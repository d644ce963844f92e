package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLoadErrorsShowSourceAndCaret: every command that loads a program
// prints its diagnostics the same way, with the source line and a caret
// (realnet's commands used to print the bare message).
func TestLoadErrorsShowSourceAndCaret(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.ded")
	src := ".input request(id: int)\ncomponent a {\n  out(x) :- request(y).\n}\n"
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	want := bad + ":3:7: head variable x is not bound by the body\n      out(x) :- request(y).\n          ^\n"
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"run", bad}, 1},
		{[]string{"explore", bad}, 1},
		{[]string{"check", bad, bad}, 3},
		{[]string{"serve", bad, "--node", "a[0]", "--cluster", "unused"}, 1},
		{[]string{"bench", bad}, 1},
		{[]string{"vet", bad}, 1},
	} {
		code, _, errOut := runCLI(tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.Contains(t, errOut, want, "%v", tc.args)
	}
}

// TestServeClusterErrorsShowSourceAndCaret: a bad cluster file is shown
// like a bad program, with the line and a caret under the offending word
// (serve used to print the bare message, and accepted a port that is not
// a number).
func TestServeClusterErrorsShowSourceAndCaret(t *testing.T) {
	dir := t.TempDir()
	cluster := filepath.Join(dir, "cluster.txt")
	src := "token 5c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5\nnode coordinator[0] 127.0.0.1:7000\nnode participant[0]  127.0.0.1:70x01\n"
	if err := os.WriteFile(cluster, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("serve", "corpus/2pc/base.ded", "--node", "coordinator[0]", "--cluster", cluster)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, cluster+":3:22: bad address \"127.0.0.1:70x01\"")
	assert.Contains(t, errOut, "\n    node participant[0]  127.0.0.1:70x01\n                         ^\nhint: ")
}

// A --node the cluster file does not name is a usage error (exit 3) said
// before any socket is opened, not a failure of a started node (exit 1).
func TestServeUnknownNodeIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	cluster := filepath.Join(dir, "cluster.txt")
	src := "token 5c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5\nnode leader[0] 127.0.0.1:7000\nnode participant[0] 127.0.0.1:7001\nnode participant[1] 127.0.0.1:7002\nnode participant[2] 127.0.0.1:7003\n"
	if err := os.WriteFile(cluster, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("serve", "corpus/voting/base.ded", "--node", "bogus[0]", "--cluster", cluster)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--node: bogus[0] is not in the cluster file "+cluster)
	assert.Contains(t, errOut, "hint: add `node bogus[0] host:port`")
}
