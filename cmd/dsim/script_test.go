package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dsim-project/dsim/internal/golden"
)

// The CLI tests in testdata/script/*.txtar are testscript files, the
// format the Go toolchain tests its own commands with: commands and their
// expected output side by side, each script in a fresh directory. `dsim`
// in a script is this test binary running main's run (TestMain below).
// go test ./cmd/dsim -run TestScripts/NAME runs one; -testwork keeps its
// directory. A script's `cmp stdout FILE` compares with a file of the
// script's own archive; go test ./cmd/dsim -run TestScripts -rewrite
// rewrites those files in the .txtar with the current output.

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dsim": func() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", RequireExplicitExec: true, UpdateScripts: golden.Rewrite()})
}
