package main

import (
	"strings"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/mutate"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file explains a surviving mutant: the reason printed on its
// "why:" line and the class the summary counts it in (docs/CHECKING.md,
// "How to read a survivor").

// The classes of a survivor. The first four are equivalence arguments;
// the gap classes say the workload could not tell the mutant apart.
const (
	classInvariantOnly = "equivalent: derives only invariants"
	classNoOutput      = "equivalent: no output depends on it"
	classDelay         = "equivalent: by delay"
	classSuppression   = "equivalent: repeat suppression"
	classGapInvariant  = "gap: the changed invariant never fired"
	// The outputs are delayed alike, but an invariant reading the delayed
	// facts with others may fire in the mutant alone.
	classGapDelayInvariant = "gap: delayed alike, an invariant may differ"
	classGapSilent         = "gap: no output it reaches was derived"
	classGapNeverFired     = "gap: rule never fired"
	classGapNegation       = "gap: negation never blocked a row"
	classGapGroups         = "gap: groups never held two rows"
	classGapProbe          = "gap: killed by the probe"
	classGapFewer          = "gap: fewer outputs, none proved missing"
	classGapSameTrace      = "gap: runs identical to the rewrite's"
	classGapSameOutputs    = "gap: same outputs at the same times"
	classGapSameFacts      = "gap: same outputs at other times"
	classUnexplained       = "not explained"
)

// survivorClasses lists the classes in report order.
var survivorClasses = []string{classInvariantOnly, classNoOutput, classDelay, classSuppression,
	classGapInvariant, classGapDelayInvariant, classGapSilent, classGapNeverFired, classGapNegation, classGapGroups, classGapProbe, classGapFewer, classGapSameTrace, classGapSameOutputs, classGapSameFacts, classBounded, classBoundedPartial, classUnexplained}

// explainer holds what the explanations read: the rewrite, its
// dependency graph and relation shapes, and the coverage of its runs.
type explainer struct {
	rew    *analysis.Program
	deps   *mutate.Deps
	shapes *mutate.Shapes
	cov    *sim.Coverage
	// base is the unmutated rewrite's check, whose runs a survivor's are
	// compared with (sameRuns).
	base *checker.Report
	// baseOutputs counts the distinct outputs over the unmutated
	// rewrite's runs (countOutputs).
	baseOutputs int
}

// invariantFired reports whether a rule deriving invariant rel fired in
// the unmutated rewrite's runs (true when coverage is missing).
func (e *explainer) invariantFired(rel string) bool {
	if e.cov == nil {
		return true
	}
	for _, r := range e.rew.Rules {
		if r.Head.Rel == rel && r.ID < len(e.cov.Rules) && e.cov.Rules[r.ID].Fired > 0 {
			return true
		}
	}
	return false
}

// explain sets r.Reason and r.Class for a survivor m.
func (e *explainer) explain(r *mutantResult, m mutate.Mutant) {
	why, invs, monotone := e.shapes.LocalReason(mutate.RuleOf(e.rew, m))
	if why == "" && mutate.RuleOf(e.rew, m) == nil {
		why = e.deps.Reason(m) // no loaded rule to start from: by name
	}
	fired := false
	for _, inv := range invs {
		fired = fired || e.invariantFired(inv)
	}
	switch {
	case why == "":
	case len(invs) == 0:
		r.Reason, r.Class = why, classNoOutput
		return
	case m.Op == "delete" || m.Op == "drop-persist" || m.Op == "to-next" && r.Invariant:
		// Deleting or not carrying facts that reach the invariants only
		// positively makes them fire no more than the rewrite's; an
		// invariant's own rule made ":+" fires a tick after a tick in
		// which the rewrite's fired. Here the rewrite's never fired.
		if (monotone || m.Op == "to-next") && !fired {
			r.Reason, r.Class = why+"; equivalent on runs in which the rewrite violates none of them, as in these", classInvariantOnly
			if !strings.HasPrefix(why, "the rule derives only invariant") {
				r.Class = classNoOutput
			}
			return
		}
		fallthrough
	default:
		r.Reason, r.Class = why+"; the change may make one of them fire where the rewrite's does not, which no run here did (a gap in the workload)", classGapInvariant
		return
	}
	if e.cov != nil {
		if r.Reason = silentOutputs(e.rew, e.cov, e.deps.Outputs(m.Relation)); r.Reason != "" {
			r.Class = classGapSilent
			return
		}
	}
	if why, invariantsToo := e.shapes.Explain(m, e.invariantFired); why != "" {
		r.Reason = why
		switch {
		case m.Op != "to-next":
			r.Class = classSuppression
		case invariantsToo:
			r.Class = classDelay
		default:
			r.Class = classGapDelayInvariant
		}
		return
	}
	switch {
	case r.Probe == "killed":
		r.Class = classGapProbe
	case r.Fired == 0:
		r.Class = classGapNeverFired
	case strings.Contains(r.Exercised, "never blocked a row"):
		r.Class = classGapNegation
	case strings.Contains(r.Exercised, "never held more than"):
		r.Class = classGapGroups
	case r.Outputs < r.RewriteOutputs:
		r.Reason, r.Class = fewerOutputs(r), classGapFewer
	case r.Same == sameTrace:
		r.Reason, r.Class = "every sampled run of the mutant repeats the unmutated rewrite's run of its seed event for event (every tick's delivered and newly carried facts, every send, every output): the change never altered a message, an output or a newly carried fact, so the workload never reached a state where it matters (a gap, not an equivalence)", classGapSameTrace
	case r.Same == sameOutputs:
		r.Reason, r.Class = "the mutant's runs differ from the unmutated rewrite's of the same seeds in messages or carried facts, but in every run each output first reached the same client at the same time: the change never reached a client in these runs (a gap, not an equivalence)", classGapSameOutputs
	case r.Same == sameFacts:
		r.Reason, r.Class = "in every run the mutant delivered the unmutated rewrite's output facts to the same clients (its run of the same seed), some at other times, which the original explained: the only difference these runs show is when outputs arrive; a run in which the timing changes what is decided would be needed (a gap, not an equivalence)", classGapSameFacts
	default:
		r.Class = classUnexplained
	}
}
