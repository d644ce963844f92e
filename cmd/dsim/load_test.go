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
