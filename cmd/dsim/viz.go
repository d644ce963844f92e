package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/sim"
	"github.com/dsim-project/dsim/sim/viz"
)

// This file holds `dsim viz`: spacetime diagrams of a trace written by
// `dsim run --trace FILE` (text) or `--trace FILE.json`, `dsim replay
// --trace` or `dsim check --save-witness`, as an HTML page or as text.

func init() {
	register(&cli.Command{
		Name:      "viz",
		Usage:     "draw a trace as a spacetime diagram (HTML page or terminal text)",
		ArgsUsage: "TRACE | MOLLY-PROG...",
		Description: "Reads TRACE, a trace in either form dsim writes (dsim run or replay --trace FILE for text,\n" +
			"--trace FILE.json for JSON, dsim check --save-witness DIR's counterexample.trace and\n" +
			"counterexample.trace.json; the form is told by the content), and\n" +
			"draws it as a spacetime diagram: a lane per client and per node, virtual time flowing down,\n" +
			"a dot per tick, arrows for messages (dropped ones end at a red X with the reason), inputs\n" +
			"and outputs, and marks for crashes, timers and invariant violations. -o writes one\n" +
			"self-contained HTML page (no network needed) where clicking a tick lists its facts;\n" +
			"--ascii prints the diagram as text. The same trace always gives the same bytes.\n\n" +
			"Example:\n" +
			"   dsim run corpus/hashset/base.ded --seed 4 --requests 2 --faults 'crash storage[2] at=6' --dump '*' --trace t.json\n" +
			"   dsim viz t.json -o t.html\n" +
			"   dsim viz t.json --ascii\n\n" +
			"Given program files in Molly's dialect instead of a trace, it draws their run in the\n" +
			"synchronous model to --eot: failure-free, or with the failures --lose and --crash name (as\n" +
			"dsim explore --model sync prints them):\n" +
			"   dsim viz bcast.ded spec.ded --eot 4 --lose 'a -> b @1' --crash 'c @2' --ascii\n\n" +
			"Exit status: 0 ok, 2 the trace is over --max-events, 3 usage error or unreadable trace.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the HTML page to `FILE` (- for standard output)"},
			&cli.BoolFlag{Name: "ascii", Usage: "print the diagram as text on standard output"},
			&cli.IntFlag{Name: "max-events", Value: viz.DefaultMaxEvents, Usage: "refuse traces with more than `N` events"},
			&cli.StringFlag{Name: "title", Usage: "title of the HTML page (default: the trace's file name)"},
			&cli.Int64Flag{Name: "eot", Value: 3, Usage: "Molly programs: the last round of the run drawn"},
		}, append(dialectFlags(), failureFlags()...)...),
		Action: vizAction,
	})
}

func vizAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		return usageError(c, "%v", err)
	}
	m, err := isMolly(c, c.Args().Slice())
	if err != nil {
		return usageError(c, "%v", err)
	}
	if !m && c.NArg() != 1 {
		return usageError(c, "dsim viz takes one trace file, got %d arguments (example: dsim viz t.json -o t.html)", c.NArg())
	}
	// withInterspersedFlags keeps -o and --output apart: read both.
	out, ascii := c.String("output"), c.Bool("ascii")
	if out == "" {
		out = c.String("o")
	}
	if out == "" && !ascii {
		return usageError(c, "say what to draw: -o FILE for an HTML page, --ascii for text (or both)")
	}
	if c.Int("max-events") < 1 {
		return usageError(c, "--max-events %d: give a positive number", c.Int("max-events"))
	}
	path := c.Args().First()
	var tr *sim.Trace
	if m {
		if tr, err = mollyTrace(c); err != nil {
			return err
		}
	} else {
		data, err := os.ReadFile(path)
		if err != nil {
			return usageError(c, "%v", err)
		}
		if tr, err = readTrace(path, data); err != nil {
			return usageError(c, "%v", err)
		}
	}
	d, err := viz.Build(tr, viz.Options{MaxEvents: c.Int("max-events")})
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim viz: %v\n", err)
		return exitError{2}
	}
	if ascii {
		if err := viz.WriteASCII(c.App.Writer, d); err != nil {
			return usageError(c, "%v", err)
		}
	}
	if out != "" {
		title := c.String("title")
		if title == "" {
			title = filepath.Base(path)
		}
		var page bytes.Buffer
		if err := viz.WriteHTML(&page, d, title); err != nil {
			return usageError(c, "%v", err)
		}
		if out == "-" {
			_, err = c.App.Writer.Write(page.Bytes())
		} else {
			err = os.WriteFile(out, page.Bytes(), 0o644)
		}
		if err != nil {
			return usageError(c, "writing the page: %v", err)
		}
	}
	return nil
}

// readTrace reads a trace in either form dsim writes (JSON or text), told
// apart by its content.
func readTrace(path string, data []byte) (*sim.Trace, error) {
	return sim.ReadTrace(path, data)
}
