package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
	"github.com/dsim-project/dsim/sim/viz"
)

// --coverage-html FILE (run, explore, check): the rule coverage as one HTML
// page of each program's source, every rule coloured by what the runs did
// with it (docs/CHECKING.md, "Rule coverage"). It collects the same counts
// as --coverage, which it does not need; without --coverage the text
// report is unchanged.

func coverageHTMLFlag() cli.Flag {
	return &cli.StringFlag{Name: "coverage-html", Usage: "write rule coverage as an HTML page of the source, each rule coloured (fired, evaluated but never fired, never evaluated), to `FILE`"}
}

// wantCoverage reports whether the command collects coverage.
func wantCoverage(c *cli.Context) bool {
	return c.Bool("coverage") || c.String("coverage-html") != ""
}

// coveredProgram is one program of the page: the name it was loaded by
// (to read its source again), a heading, and its counts.
type coveredProgram struct {
	path, heading string
	prog          *analysis.Program
	cov           *sim.Coverage
}

// writeCoverageHTML writes the page to --coverage-html's file, if given.
func writeCoverageHTML(c *cli.Context, title string, progs ...coveredProgram) error {
	file := c.String("coverage-html")
	if file == "" {
		return nil
	}
	var parts []viz.CoverageSource
	for _, p := range progs {
		if p.prog == nil || p.cov == nil {
			continue
		}
		src, err := readSource(p.path)
		if err != nil {
			return usageError(c, "--coverage-html: %v", err)
		}
		parts = append(parts, viz.CoverageSource{Heading: p.heading, Source: src, Prog: p.prog, Cov: p.cov})
	}
	if len(parts) == 0 {
		return usageError(c, "--coverage-html: the %s collected no coverage (nothing ran)", c.Command.Name)
	}
	var b bytes.Buffer
	if err := viz.WriteCoverageHTML(&b, title, parts); err != nil {
		return fmt.Errorf("--coverage-html: %w", err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return usageError(c, "--coverage-html: %v", err)
	}
	return nil
}
