package checker

import (
	"fmt"
	"strings"
)

// This file holds what a report says about the runs of the rewrite that
// stopped on an invariant violation (docs/CHECKING.md, "No vacuous
// verdicts"): whether the original matched each, and, when not, whether
// that was proved (NotEquivalent) or a bound cut the search (Violated).

// violatedCount is the summary line's count of Violated runs, ", N
// violated", or "" when there are none (the line predates the verdict).
func (rep *Report) violatedCount() string {
	if rep.Violated == 0 {
		return ""
	}
	return fmt.Sprintf(", %d violated", rep.Violated)
}

// writeViolations says, for the runs of the rewrite that stopped on an
// invariant violation, whether the original matched it: how many
// explained runs did (each matched by the original's witness violating
// the same-named invariant at the same time or earlier), so that an
// Equivalent over runs cut short is never silent about it, and, for each
// run that was not matched, why not (an exhaustive search, or the bound
// that stopped a search that was not).
func (rep *Report) writeViolations(b *strings.Builder) {
	n := 0
	var first *RunReport
	for _, r := range rep.Runs {
		if r.Violation != nil && r.Verdict == Equivalent {
			if n++; first == nil {
				first = r
			}
		}
	}
	if n > 0 {
		v := first.Violation
		fmt.Fprintf(b, "  %d explained runs stopped on an invariant violation of the rewrite, each matched by the original violating the same-named invariant at the same time or earlier (first: run %d, %s at %s, time %d)\n",
			n, first.Index, v.Fact, v.Node, v.Time)
	}
	for _, r := range rep.Runs {
		if v := r.Violation; v != nil && r.Verdict != Equivalent {
			fmt.Fprintf(b, "  run %d (seed %d) stopped on a violation of the rewrite's invariant %s at %s, time %d, not matched by the original: %s\n",
				r.Index, r.Seed, v.Fact, v.Node, v.Time, unmatchedViolation(r))
		}
	}
}

// unmatchedViolation says why a run that stopped on a violation was not
// explained.
func unmatchedViolation(r *RunReport) string {
	switch r.Verdict {
	case NotEquivalent:
		if r.NoInvariant {
			return "it has no invariant " + r.Violation.Fact.Rel + " (NotEquivalent, without a search)"
		}
		return "no run of the original violates " + r.Violation.Fact.Rel + " by then (search exhaustive within its bounds: NotEquivalent)"
	case Violated:
		return "no run of the original violating " + r.Violation.Fact.Rel + " by then was found, but the search was not exhaustive (Violated): " + r.Bound
	}
	return r.Verdict.String() + ": " + r.Bound
}
