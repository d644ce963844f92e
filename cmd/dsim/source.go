package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/importer"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/molly"
)

// This file is the one place programs are loaded from the command line
// (every command but fmt, which only parses, and vet, which also prints
// warnings, goes through loadProgram), so that a program that does not
// load prints the same way everywhere: each diagnostic as file:line:col,
// the source line and a caret under the offending text.

// loadProgram reads PROG (readSource) and analyses it. A name that cannot
// be read is a usage error (exit status 3); a program with diagnostics is
// exit status 1, after they are rendered on stderr.
func loadProgram(c *cli.Context, path string) (*analysis.Program, error) {
	p, _, err := loadProgramSource(c, path)
	return p, err
}

// loadProgramSource is loadProgram that also returns the source text
// (realnet fingerprints it so that nodes of different programs refuse
// each other).
func loadProgramSource(c *cli.Context, path string) (*analysis.Program, []byte, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, nil, usageError(c, "%v", err)
	}
	prog, diags := analysis.Load(path, src)
	if len(diags) > 0 {
		fmt.Fprint(c.App.ErrWriter, diags.Render(src))
		if molly.Detect(src) {
			fmt.Fprintf(c.App.ErrWriter, "note: %s looks like Molly's dialect, which dsim vet, run, explore and viz read (without --dialect dsim; docs/LANGUAGE.md)\n", path)
		}
		return nil, nil, exitError{1}
	}
	return prog, src, nil
}

// readSource returns the text of a program named on the command line: a
// file on disk, or else (for names starting with corpus/) a program
// embedded in the binary, so that corpus programs work from any directory.
//
// A Rust file (.rs) is a role of the paper's artifact: its text is that of
// its datalog! macros, at their lines and columns (importer.Extract).
func readSource(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err == nil && strings.HasSuffix(path, ".rs") {
		text, diags := importer.Extract(path, src)
		if len(diags) > 0 {
			return nil, fmt.Errorf("%s", strings.TrimSuffix(diags.Render(src), "\n"))
		}
		return text, nil
	}
	if err == nil {
		return src, nil
	}
	if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(path, corpus.Prefix) {
		return corpus.Open(path)
	}
	return nil, fmt.Errorf("%v (hint: give a .ded file, or an embedded program such as corpus/hashset/base.ded)", err)
}
