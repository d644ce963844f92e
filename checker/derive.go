package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Why it diverged (docs/CHECKING.md, "Why it diverged"): a counterexample
// says which output the original cannot match; Why says where that output
// came from. The counterexample's run of the rewrite is replayed from its
// schedule with every tick's facts in the trace, and sim.Derive traces the
// offending fact back to inputs and messages. For an output the rewrite
// never delivered, the original's run that got furthest is replayed the
// same way: its rule instance that emitted the output, and the body facts
// of that instance that no node of the rewrite standing for the emitting
// node ever held — what the rewrite's corresponding rules never saw.

// Why is an offence traced back through the runs.
type Why struct {
	// Derivation is the offending fact's derivation in the rewritten run
	// (late outputs and violations).
	Derivation *sim.Derivation `json:"derivation,omitempty"`
	// Original is the derivation of the output in the original's run
	// that got furthest (unexpected outputs); Corresponding names the
	// rewrite's rules deriving its relation in the components that stand
	// for the emitting node's; NeverSeen lists the facts of Original's
	// rule instance (the original's addresses) that no node of those
	// components held in any tick of the rewritten run.
	Original      *sim.Derivation `json:"original,omitempty"`
	Corresponding []string        `json:"corresponding_rules,omitempty"`
	NeverSeen     []string        `json:"never_seen,omitempty"`
	// Missed says, per corresponding rule bound to the output's tuple,
	// what kept it from the output: a comparison that is false for it, or
	// a body atom no node of those components ever held.
	Missed []string `json:"missed,omitempty"`
	// Note says what could not be traced, and why.
	Note string `json:"note,omitempty"`
}

// The bounds of the original's derivation, which is context: the rule
// that emitted the output and a few levels below it.
const (
	originalDeriveDepth = 6
	originalDeriveNodes = 60
)

// addWhy attaches Why to the counterexample's offence.
func (rep *Report) addWhy(m *refinementMap) {
	cx := rep.Counterexample
	if cx == nil || cx.Offense == nil || cx.Schedule == nil {
		return
	}
	off := cx.Offense
	w := &Why{}
	off.Why = w
	cfg := cx.Schedule.Config()
	cfg.Trace = sim.TraceOptions{Dump: []string{"*"}}
	cfg.Coverage, cfg.CoverageDetail = false, false
	res, err := sim.Run(m.rew, cfg)
	if err != nil {
		w.Note = "the rewritten run did not replay: " + err.Error()
		return
	}
	switch off.Kind {
	case "late":
		p := off.Producer
		if p == nil {
			w.Note = "the rewritten run never emitted the output (it was delivered at the horizon only)"
			return
		}
		w.Derivation, err = sim.Derive(m.rew, res, p.Output, p.Node, p.Tick, sim.DeriveLimits{})
	case "violation":
		v := cx.Violation
		if v == nil {
			w.Note = "the violation is not in the rewritten run"
			return
		}
		tick := tickAt(res.Trace, v.Node, v.Time)
		if tick == 0 {
			w.Note = fmt.Sprintf("the rewritten run has no tick of %s at time %d", v.Node, v.Time)
			return
		}
		w.Derivation, err = sim.Derive(m.rew, res, v.Fact, v.Node, tick, sim.DeriveLimits{})
	case "unexpected":
		rep.whyUnexpected(m, cx, res, w)
		return
	}
	if err != nil {
		w.Derivation, w.Note = nil, "no derivation: "+err.Error()
	}
}

// tickAt returns the tick number of node's tick at time t, or 0.
func tickAt(tr *sim.Trace, node value.Addr, t int64) int {
	for _, e := range tr.Events {
		if e.Kind == sim.EvTick && e.Node == node && e.Time == t {
			return e.Tick
		}
	}
	return 0
}

// whyUnexpected explains an output every run of the original emits and
// the rewrite never delivered.
func (rep *Report) whyUnexpected(m *refinementMap, cx *RunReport, rew *sim.Result, w *Why) {
	f := cx.Offense.Fact
	if cx.replayOriginal == nil {
		w.Note = "the original's run that got furthest cannot be replayed"
		return
	}
	orig := cx.replayOriginal()
	if orig == nil || orig.Trace == nil {
		w.Note = "the original's run that got furthest did not replay"
		return
	}
	var node value.Addr
	tick := 0
	for _, e := range orig.Trace.Events {
		if e.Kind != sim.EvTick {
			continue
		}
		for _, o := range e.Outputs {
			if o.Compare(f) == 0 && tick == 0 {
				node, tick = e.Node, e.Tick
			}
		}
	}
	if tick == 0 {
		w.Note = fmt.Sprintf("the original's run that got furthest does not emit %s before it stops", f)
		return
	}
	d, err := sim.Derive(m.orig, orig, f, node, tick, sim.DeriveLimits{MaxDepth: originalDeriveDepth, MaxNodes: originalDeriveNodes})
	if err != nil {
		w.Note = "no derivation in the original: " + err.Error()
		return
	}
	w.Original = d
	// The rewrite's components standing for the emitting node's.
	comps := map[string]bool{}
	for _, c := range m.rew.Components {
		if m.compOf[c.Name] == node.Comp {
			comps[c.Name] = true
		}
	}
	// What those nodes held in any tick, in the original's addresses.
	held := map[string]bool{}
	var heldFacts []value.Fact
	for _, e := range rew.Trace.Events {
		if e.Kind != sim.EvTick || !comps[e.Node.Comp] {
			continue
		}
		for _, g := range append(slices.Clone(e.Dump), e.Consumed...) {
			g = m.fact(g)
			if k := g.String(); !held[k] {
				held[k] = true
				heldFacts = append(heldFacts, g)
			}
		}
	}
	for _, r := range m.rew.Rules {
		if !comps[r.Component] || r.Head.Rel != f.Rel {
			continue
		}
		name := sim.RuleName(m.rew, r)
		w.Corresponding = append(w.Corresponding, name)
		b, ok, err := eval.BindHead(m.rew, eval.Node{Addr: value.Addr{Comp: r.Component}, Topology: topology(rew)}, r, f.Tuple)
		switch {
		case err != nil:
			continue
		case !ok:
			w.Missed = append(w.Missed, fmt.Sprintf("%s: its head cannot be %s", name, f))
			continue
		}
		before := len(w.Missed)
		for _, fr := range b.Filters {
			if !fr.Holds {
				w.Missed = append(w.Missed, fmt.Sprintf("%s: its comparison at %d:%d is false for %s", name, fr.Lit.Pos.Line, fr.Lit.Pos.Col, f))
			}
		}
		for _, pt := range b.Patterns {
			if !slices.ContainsFunc(heldFacts, pt.Fits) {
				w.Missed = append(w.Missed, fmt.Sprintf("%s: no node of %s held %s in any tick", name, strings.Join(sortedKeys(comps), ", "), pt.Text))
			}
		}
		if len(w.Missed) == before {
			w.Missed = append(w.Missed, fmt.Sprintf("%s: every atom of its body, bound to %s, was held at some tick (not together, or a negation blocked it)", name, f))
		}
	}
	names := sortedKeys(comps)
	for _, c := range d.Children {
		if !held[c.Fact.String()] {
			w.NeverSeen = append(w.NeverSeen, fmt.Sprintf("%s: held by %s in the original, by no node of %s in the rewritten run", c.Fact, c.Node, strings.Join(names, ", ")))
		}
	}
}

// Text is the report's lines on Why (as under the offending output).
func (w *Why) Text() string {
	var b strings.Builder
	w.write(&b)
	return b.String()
}

// write renders Why under the offending output.
func (w *Why) write(b *strings.Builder) {
	if w == nil {
		return
	}
	if w.Derivation != nil {
		b.WriteString("  derivation in the rewritten run:\n")
		writeIndented(b, w.Derivation.Text(), "    ")
	}
	if w.Original != nil {
		b.WriteString("  the original emits it so (its run that got furthest):\n")
		writeIndented(b, w.Original.Text(), "    ")
		if len(w.Corresponding) == 0 {
			b.WriteString("  the rewrite has no rule deriving " + w.Original.Fact.Rel + " in a component standing for " + w.Original.Node.Comp + "\n")
		} else {
			b.WriteString("  the rewrite's corresponding rules, bound to the output:\n")
			for _, s := range w.Missed {
				b.WriteString("    " + s + "\n")
			}
		}
		if len(w.NeverSeen) > 0 {
			b.WriteString("  facts of the original's rule instance the rewritten run never held there:\n")
			for _, s := range w.NeverSeen {
				b.WriteString("    " + s + "\n")
			}
		} else {
			b.WriteString("  every body fact of the original's rule instance was also held, at some tick, by a node of the rewrite standing for " + w.Original.Node.Comp + "\n")
		}
	}
	if w.Note != "" {
		fmt.Fprintf(b, "  (not traced: %s)\n", w.Note)
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// topology is the instance counts of a run's nodes.
func topology(res *sim.Result) eval.Topology {
	counts := map[string]int{}
	for _, n := range res.Nodes {
		counts[n.Addr.Comp]++
	}
	return eval.Topology{Counts: counts}
}

func writeIndented(b *strings.Builder, text, indent string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(indent + line + "\n")
	}
}
