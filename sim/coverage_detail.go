package sim

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
)

// Body-level coverage (Config.CoverageDetail; docs/CHECKING.md, "Rule
// coverage"): after each tick, every rule of the node's component is
// matched once more over the tick's facts (eval.Matches), which says how
// often its body found rows, which negated literal blocked which row, and
// how large an aggregate's groups grew. A negated literal that never
// blocked a row could be dropped without any run noticing; an invariant
// whose body never matched was never checked against data.

// MaxDetailMatches bounds the matches of one rule in one tick that the
// body-level counts look at; past it the tick counts in RuleCoverage.Capped.
const MaxDetailMatches = 100_000

// negations counts a rule's negated literals.
func negations(r *analysis.Rule) int {
	n := 0
	for i := range r.Body {
		if r.Body[i].Kind == analysis.LitNegated {
			n++
		}
	}
	return n
}

func (t *covTracker) detail(node eval.Node, comp *analysis.Component, res *eval.Result) error {
	for _, r := range comp.Rules {
		ms, capped, err := eval.Matches(t.prog, node, res.Facts(), r, MaxDetailMatches)
		if err != nil {
			return err
		}
		rc := &t.cov.Rules[r.ID]
		if reached(r, res.Facts()) {
			rc.Reached++
		}
		if capped {
			rc.Capped++
		}
		if len(ms) > 0 {
			rc.Matched++
		}
		if len(rc.Blocked) > 0 {
			// Blocked is indexed by negated literal; body index -> that.
			neg := make([]int, len(r.Body))
			k := 0
			for i := range r.Body {
				if r.Body[i].Kind == analysis.LitNegated {
					neg[i], k = k, k+1
				}
			}
			for _, m := range ms {
				for _, i := range m.Blocked {
					rc.Blocked[neg[i]]++
				}
			}
		}
		if r.Head.HasAggregate && len(ms) > 0 {
			largest, _, err := eval.Groups(t.prog, node, r, ms)
			if err != nil {
				return err
			}
			rc.LargestGroup = max(rc.LargestGroup, largest)
		}
	}
	return nil
}

// reached reports whether every positive atom of r's body has rows in the
// tick's facts.
func reached(r *analysis.Rule, facts eval.FactSet) bool {
	for i := range r.Body {
		if l := &r.Body[i]; l.Kind == analysis.LitAtom && len(facts[l.Rel]) == 0 {
			return false
		}
	}
	return true
}
