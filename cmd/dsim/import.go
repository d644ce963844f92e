package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/importer"
	"github.com/dsim-project/dsim/semantics/syntax"
)

func init() {
	register(&cli.Command{
		Name:      "import",
		Usage:     "turn the paper artifact's datalog! role files into one dsim program",
		ArgsUsage: "MANIFEST",
		Description: "import reads a deployment manifest (TOML, docs/IMPORT.md) naming the roles of a\n" +
			"protocol written for the paper's artifact (one .rs file with a datalog! macro per\n" +
			"role, or extracted .dl files), their instance counts, where each .async relation\n" +
			"goes, the values of their EDB inputs, timers, the client request and reply\n" +
			"relations and the tick input, and writes one ordinary dsim program that run,\n" +
			"explore, check and bench accept. Errors name file:line:col in the manifest or the\n" +
			"role file, with a hint; exit 1.\n\n" +
			"Example:\n   dsim import voting.toml -o voting.ded && dsim run voting.ded --requests 3",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the program to `FILE` (default: standard output)"},
		},
		Action: importAction,
	})
}

func importAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return err
	}
	if c.NArg() != 1 {
		return fmt.Errorf("import needs one manifest (usage: dsim import MANIFEST [-o PROG.ded])")
	}
	out := c.String("output")
	if out == "" {
		out = c.String("o") // the alias, when given after the manifest
	}
	name := out
	if name == "" {
		name = "imported.ded"
	}
	res, ierr := importer.Import(c.Args().First(), nil, name)
	if ierr != nil {
		fmt.Fprint(c.App.ErrWriter, ierr.Render())
		return exitError{1}
	}
	for _, w := range res.Warnings {
		fmt.Fprint(c.App.ErrWriter, renderWarnings(syntax.Diagnostics{w}, res.Sources[w.File]))
	}
	if out == "" {
		_, err := c.App.Writer.Write(res.Program)
		return err
	}
	if err := os.WriteFile(out, res.Program, 0o644); err != nil {
		return fmt.Errorf("writing %s: %v", out, err)
	}
	return nil
}
