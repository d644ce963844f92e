package checker

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// Rule coverage of a check (docs/CHECKING.md, "Rule coverage"): an
// Equivalent verdict says how many of the rewrite's rules its runs
// exercised and names those that never fired, and Options.MinCoverage
// refuses an Equivalent that exercised too few.

// addCoverage merges the runs' coverage into the report and applies
// MinCoverage.
func (rep *Report) addCoverage(orig, rew *analysis.Program, opts Options) {
	rep.rew, rep.orig = rew, orig
	for _, r := range rep.Runs {
		if r == nil {
			continue
		}
		if r.Coverage != nil {
			if rep.Coverage == nil {
				rep.Coverage = &sim.Coverage{Rules: make([]sim.RuleCoverage, len(rew.Rules))}
			}
			rep.Coverage.Merge(r.Coverage)
		}
		if r.OriginalCoverage != nil {
			if rep.OriginalCoverage == nil {
				rep.OriginalCoverage = &sim.Coverage{Rules: make([]sim.RuleCoverage, len(orig.Rules))}
			}
			rep.OriginalCoverage.Merge(r.OriginalCoverage)
		}
	}
	if rep.Verdict != Equivalent || opts.MinCoverage <= 0 || rep.Coverage == nil {
		return
	}
	fired, total, never := rep.Coverage.Summary(rew)
	if total > 0 && float64(fired)*100 < opts.MinCoverage*float64(total) {
		rep.Verdict = Unknown
		rep.CoverageShort = fmt.Sprintf("every run was explained, but only %d of the rewrite's %d rules fired (%.0f%%, below %s %g%%); never fired: %s",
			fired, total, 100*float64(fired)/float64(total), sim.OptMinCoverage, opts.MinCoverage, strings.Join(never, ", "))
	}
}

// Programs are the original and the rewrite the report's coverage counts
// (nil before Check filled them in).
func (rep *Report) Programs() (orig, rew *analysis.Program) { return rep.orig, rep.rew }

// writeCoverage is the report's line on the rewrite's coverage.
func (rep *Report) writeCoverage(b *strings.Builder) {
	if rep.Coverage == nil || rep.rew == nil {
		return
	}
	fired, total, never := rep.Coverage.Summary(rep.rew)
	fmt.Fprintf(b, "  rules of the rewrite that fired: %d of %d (invariant rules not counted)", fired, total)
	if len(never) > 0 {
		fmt.Fprintf(b, "; never fired: %s", strings.Join(never, ", "))
	}
	b.WriteString("\n")
	if rep.CoverageShort != "" {
		fmt.Fprintf(b, "\nUnknown: %s\n", rep.CoverageShort)
	}
}

// CoverageText renders the coverage tables of the rewrite and, when
// counted, of the original ("" when the report has none).
func (rep *Report) CoverageText() string {
	var b strings.Builder
	if rep.Coverage != nil && rep.rew != nil {
		b.WriteString(rep.Coverage.Text(rep.rew))
	}
	if rep.OriginalCoverage != nil && rep.orig != nil {
		b.WriteString("witnesses: ")
		b.WriteString(rep.OriginalCoverage.Text(rep.orig))
	}
	return b.String()
}
