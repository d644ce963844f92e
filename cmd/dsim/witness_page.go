package main

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim/viz"
)

// This file draws a counterexample side by side with the original's run
// that got furthest explaining it: --save-witness writes the page
// (counterexample.html), dsim check --ascii prints the same as text.

func counterexampleSideBySide(rep *checker.Report) (*viz.SideBySide, error) {
	cx := rep.Counterexample
	opt := viz.SideBySideOptions{Map: rep.LaneMap()}
	if cx.Offense != nil && cx.Offense.Fact.Rel != "" {
		opt.Offending = cx.Offense.Fact.String()
		if cx.Offense.Why != nil {
			opt.Why = cx.Offense.Why.Text()
		}
	}
	return viz.BuildSideBySide(cx.Trace, cx.Furthest, opt)
}

// writeWitnessPage writes DIR/counterexample.html.
func writeWitnessPage(dir string, rep *checker.Report) (string, error) {
	sb, err := counterexampleSideBySide(rep)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := viz.WriteSideBySideHTML(&b, sb, rep.Original+" vs "+rep.Rewritten); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "counterexample.html")
	return path, os.WriteFile(path, b.Bytes(), 0o644)
}

// sideBySideText is the --ascii drawing of the counterexample ("" when
// there is none).
func sideBySideText(rep *checker.Report) (string, error) {
	if rep.Counterexample == nil || rep.Counterexample.Trace == nil {
		return "", nil
	}
	sb, err := counterexampleSideBySide(rep)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	b.WriteString("\nthe rewritten run beside the original's run that got furthest:\n")
	if err := viz.WriteSideBySideASCII(&b, sb); err != nil {
		return "", err
	}
	return b.String(), nil
}
