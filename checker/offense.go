package checker

import (
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Offense is the observable difference a NotEquivalent run shows: the
// output fact the original cannot match, and where the rewrite produced it.
type Offense struct {
	// Kind is "late" (the rewrite delivered Fact at Time; no run of the
	// original delivers it by then), "unexpected" (every run of the
	// original emits Fact, at the latest by Time, but the rewrite never
	// delivered it) or "violation" (every run of the original violates an
	// invariant, Fact, by Time).
	Kind        string
	Fact        value.Fact
	Time        int64
	Explanation string
	// Producer is the tick of the rewritten run that first emitted Fact
	// (late only), with the rules that can derive it.
	Producer *Producer
	// Why is the offence traced back through the runs (derive.go): for a
	// late output or a violation, the derivation of the offending fact in
	// the rewritten run; for an unexpected one, the original's rule
	// instance that emitted it and what the rewrite's corresponding rules
	// never saw.
	Why *Why
}

// Producer is a tick of the rewritten run that emitted an output.
type Producer struct {
	Node     value.Addr
	Time     int64
	Tick     int
	Consumed []value.Fact // facts delivered to that tick
	Output   value.Fact   // the output as the rewritten run emitted it (the rewrite's addresses)
	Rules    []RuleRef    // rules of the node's component whose head is the output's relation
}

// RuleRef names a rule by position.
type RuleRef struct {
	Pos  string // file:line:col
	Kind string
	Head string
}

func newOffense(m *refinementMap, res *sim.Result, tgt *target, best *failure) *Offense {
	o := describeOffense("the rewritten program", tgt, best)
	if best != nil && best.kind == failLate {
		if _, ok := tgt.index[factKey(best.fact)]; ok {
			o.Producer = findProducer(m, res, best.fact)
		}
	}
	return o
}

// violationOffense is the offence of a rewritten run that stopped on an
// invariant violation no run of the original matches: a rewrite that
// breaks its own safety property fails the check, it is not excused by
// its run ending early (DESIGN §4: a verdict must never be vacuous).
func violationOffense(v *sim.ViolationReport, why string) *Offense {
	return &Offense{Kind: "violation", Fact: v.Fact, Time: v.Time,
		Explanation: fmt.Sprintf("the rewritten program violated its invariant: %s at %s, time %d; %s", v.Fact, v.Node, v.Time, why)}
}

// describeOffense explains the failure of the search that got furthest;
// who names what delivered the outputs ("the rewritten program", "the
// history").
func describeOffense(who string, tgt *target, best *failure) *Offense {
	if best == nil {
		return &Offense{Kind: "late", Explanation: "no run of the original could be started"}
	}
	o := &Offense{Kind: best.kind.String(), Fact: best.fact, Time: best.time}
	switch best.kind {
	case failLate:
		if i, ok := tgt.index[factKey(best.fact)]; ok {
			o.Time = tgt.arrival[i]
			o.Explanation = fmt.Sprintf("%s delivered %s at time %d; no run of the original (within the bounds) delivers it by then", who, best.fact, o.Time)
		} else {
			o.Explanation = fmt.Sprintf("no run of the original (within the bounds) delivers %s", best.fact)
		}
	case failUnexpected:
		o.Explanation = fmt.Sprintf("every run of the original that gets this far emits %s (at time %d in the one that got furthest), but %s never delivered it", best.fact, best.time, who)
	case failViolation:
		o.Explanation = fmt.Sprintf("every run of the original that gets this far violates invariant %s (at time %d)", best.fact, best.time)
	}
	return o
}

// findProducer finds the first tick of the rewritten run that emitted f
// (compared after mapping addresses to the original's).
func findProducer(m *refinementMap, res *sim.Result, f value.Fact) *Producer {
	for _, e := range res.Trace.Events {
		if e.Kind != sim.EvTick {
			continue
		}
		for _, out := range e.Outputs {
			if m.fact(out).Compare(f) != 0 {
				continue
			}
			p := &Producer{Node: e.Node, Time: e.Time, Tick: e.Tick, Consumed: slices.Clone(e.Consumed), Output: out}
			p.Rules = rulesDeriving(m.rew, e.Node.Comp, out.Rel)
			return p
		}
	}
	return nil
}

func rulesDeriving(p *analysis.Program, comp, rel string) []RuleRef {
	var out []RuleRef
	for _, r := range p.Rules {
		if r.Component == comp && r.Head.Rel == rel {
			out = append(out, RuleRef{Pos: fmt.Sprintf("%s:%d:%d", p.File.Name, r.Pos.Line, r.Pos.Col), Kind: r.Kind.String(), Head: r.Head.Rel})
		}
	}
	return out
}
