package main

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"

	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "vet",
		Usage:     "check programs for errors (silent and exit 0 when they are well-formed)",
		ArgsUsage: "FILE...",
		Description: "vet parses and analyses each program: syntax, arity and types, safety,\n" +
			"@ destinations, stratification, rule kinds. It prints every diagnostic with its\n" +
			"file:line:col, the source line, a caret and a hint, and exits 1 if there was any.\n" +
			"Warnings (e.g. a directive on a relation no rule uses) are printed the same way,\n" +
			"prefixed \"warning:\", and do not change the exit status.\n\n" +
			"Files in Molly's dialect (detected, or --dialect molly) are read together as one program,\n" +
			"includes included, and vetted as the translation the synchronous model runs.\n\n" +
			"Example:\n   dsim vet corpus/hashset/base.ded\n   dsim vet -v myprotocol.ded\n   dsim vet bcast.ded bcast_spec.ded",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print a summary of each program: components, relations, strata, rule kinds"},
		}, dialectFlags()...),
		Action: vetAction,
	})
}

func vetAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("vet needs at least one program (usage: dsim vet FILE...)")
	}
	if m, err := isMolly(c, c.Args().Slice()); err != nil {
		return usageError(c, "%v", err)
	} else if m {
		p, err := loadMolly(c, c.Args().Slice())
		if err != nil {
			return err
		}
		if c.Bool("verbose") {
			fmt.Fprintf(c.App.Writer, "%s (Molly dialect; nodes %s):\n%s", strings.Join(p.Files, " "),
				strings.Join(p.Located.Locations, ","), p.Located.Prog.Summary())
		}
		return nil
	}
	failed := false
	for _, path := range c.Args().Slice() {
		src, err := readSource(path)
		if err != nil {
			fmt.Fprintf(c.App.ErrWriter, "dsim: %v\n", err)
			failed = true
			continue
		}
		prog, diags := analysis.Load(path, src)
		if len(diags) > 0 {
			fmt.Fprint(c.App.ErrWriter, syntax.Diagnostics(diags).Render(src))
			failed = true
			continue
		}
		fmt.Fprint(c.App.ErrWriter, renderWarnings(prog.Warnings, src))
		if c.Bool("verbose") {
			fmt.Fprintf(c.App.Writer, "%s:\n%s", path, prog.Summary())
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// renderWarnings renders analysis warnings like errors, with "warning: "
// before the message so that a reader (or a script) tells them apart.
func renderWarnings(ws syntax.Diagnostics, src []byte) string {
	out := make(syntax.Diagnostics, len(ws))
	for i, w := range ws {
		w.Msg = "warning: " + w.Msg
		out[i] = w
	}
	return out.Render(src)
}
