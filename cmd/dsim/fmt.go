package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/dsim-project/dsim/semantics/molly"
	"github.com/dsim-project/dsim/semantics/syntax"

	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "fmt",
		Usage:     "print programs in canonical form",
		ArgsUsage: "FILE...",
		Description: "fmt parses each program and prints it in the one canonical layout (comments\n" +
			"kept). With -w it rewrites the files in place; with -l it only lists the files\n" +
			"whose layout differs. A file with syntax errors is left alone and reported.\n\n" +
			"Example:\n   dsim fmt protocol.ded\n   dsim fmt -w corpus/*.ded",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "write the result to the file instead of stdout"},
			&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list files whose formatting differs"},
		},
		Action: fmtAction,
	})
}

func fmtAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("fmt needs at least one program (usage: dsim fmt FILE...)")
	}
	failed := false
	for _, path := range c.Args().Slice() {
		src, err := readSource(path)
		if err != nil {
			fmt.Fprintf(c.App.ErrWriter, "dsim: %v\n", err)
			failed = true
			continue
		}
		if molly.Detect(src) {
			// Printing Molly's dialect is not fmt's job; a page of dsim
			// syntax errors would only hide that.
			fmt.Fprintf(c.App.ErrWriter, "dsim fmt: %s looks like Molly's dialect (a ';', @next or @async outside strings and comments); fmt prints dsim's dialect only (dsim vet, run, explore and viz read Molly's)\n", path)
			failed = true
			continue
		}
		f, diags := syntax.ParseFile(path, src)
		if len(diags) > 0 {
			fmt.Fprint(c.App.ErrWriter, diags.Render(src))
			failed = true
			continue
		}
		out := syntax.Print(f)
		switch {
		case c.Bool("list"):
			if !bytes.Equal(out, src) {
				fmt.Fprintln(c.App.Writer, path)
			}
		case c.Bool("write"):
			if !bytes.Equal(out, src) {
				if err := os.WriteFile(path, out, 0o644); err != nil {
					fmt.Fprintf(c.App.ErrWriter, "dsim: %v\n", err)
					failed = true
				}
			}
		default:
			c.App.Writer.Write(out)
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}
