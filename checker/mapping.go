package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// refinementMap relates the rewritten program's nodes to the original's
// (docs/CHECKING.md, "The refinement map"): a component declared
// `component X[n] refines Y` stands for Y, unless the original itself has
// a component X (then X stands for X: a program checked against itself maps
// to itself); one without `refines` stands for the original's X. Instance j
// stands for instance j mod count(Y) of Y.
type refinementMap struct {
	orig, rew *analysis.Program
	compOf    map[string]string // rewritten component -> original component
	origCount map[string]int
}

func newRefinementMap(orig, rew *analysis.Program) (*refinementMap, error) {
	if orig == nil || rew == nil {
		return nil, fmt.Errorf("checker: need two programs")
	}
	m := &refinementMap{orig: orig, rew: rew, compOf: map[string]string{}, origCount: map[string]int{}}
	for _, c := range orig.Components {
		m.origCount[c.Name] = c.Count
	}
	for _, c := range rew.Components {
		// A component the original has by name stands for it (so that a
		// program checked against itself maps to itself); otherwise
		// `refines Y` names Y.
		target := c.Refines
		if _, same := m.origCount[c.Name]; same || target == "" {
			target = c.Name
		}
		if _, ok := m.origCount[target]; !ok {
			how := "declare which original component it stands for: `component " + c.Name + " refines NAME`"
			if c.Refines != "" {
				how = "it refines " + c.Refines + ", which the original does not have"
			}
			return nil, fmt.Errorf("%s:%d:%d: component %s of the rewritten program stands for no component of the original (%s); %s",
				rew.File.Name, c.Pos.Line, c.Pos.Col, c.Name, componentList(orig), how)
		}
		m.compOf[c.Name] = target
	}
	// Inputs: every input relation of the rewrite must be one of the original's.
	for _, r := range rew.Relations {
		if !r.Input {
			continue
		}
		o := orig.Relation(r.Name)
		if o == nil || !o.Input {
			return nil, fmt.Errorf("%s: the rewritten program accepts input %s, which the original does not (original inputs: %s)",
				rew.File.Name, r.Name, strings.Join(inputList(orig), ", "))
		}
		if len(o.Columns) != len(r.Columns) {
			return nil, fmt.Errorf("%s: input %s has %d columns in the rewrite and %d in the original", rew.File.Name, r.Name, len(r.Columns), len(o.Columns))
		}
	}
	return m, nil
}

func componentList(p *analysis.Program) string {
	names := make([]string, len(p.Components))
	for i, c := range p.Components {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func inputList(p *analysis.Program) []string {
	var out []string
	for _, r := range p.Relations {
		if r.Input {
			out = append(out, r.Name)
		}
	}
	return out
}

// node maps a node of the rewrite to the original node it stands for.
func (m *refinementMap) node(a value.Addr) value.Addr {
	comp, ok := m.compOf[a.Comp]
	if !ok {
		return a
	}
	return value.Addr{Comp: comp, Instance: a.Instance % m.origCount[comp]}
}

// fact maps the addresses a fact of the rewrite carries.
func (m *refinementMap) fact(f value.Fact) value.Fact {
	var t value.Tuple
	for i, v := range f.Tuple {
		if v.K != value.KindAddr {
			continue
		}
		if t == nil {
			t = slices.Clone(f.Tuple)
		}
		t[i] = value.AddrOf(m.node(v.Addr()))
	}
	if t == nil {
		return f
	}
	return value.Fact{Rel: f.Rel, Tuple: t}
}

// inputs turns the rewritten run's inputs into the original's workload:
// same facts at the same times, at the original's entry node standing for
// the rewrite's entry node.
func (m *refinementMap) inputs(h *sim.History) (sim.Workload, error) {
	var w sim.Workload
	for _, in := range h.Inputs {
		rel := m.orig.Relation(in.Fact.Rel)
		if rel == nil || !rel.Input {
			return nil, fmt.Errorf("input %s is not an input of the original", in.Fact)
		}
		n := m.origCount[rel.InputComponent]
		w = append(w, sim.InputEvent{Time: in.Time, Fact: m.fact(in.Fact), Node: value.Addr{Comp: rel.InputComponent, Instance: in.Node.Instance % max(n, 1)}, Client: in.Client})
	}
	w.Sort()
	return w, nil
}

// faultBudget is what the original may lose: messages to or from an
// original node sent at a time up to lossUntil[node]. Only nodes some piece
// of which was faulty in the rewritten run have an entry (docs/ARCHITECTURE.md,
// Verdicts; paper §2.5).
type faultBudget struct {
	lossUntil map[value.Addr]int64
}

// widen grants every loss extra grants (the later until where both do).
func (b faultBudget) widen(extra faultBudget) {
	for a, u := range extra.lossUntil {
		if v, ok := b.lossUntil[a]; !ok || u > v {
			b.lossUntil[a] = u
		}
	}
}

// allows reports whether a message from -> to sent at t may be lost.
func (b faultBudget) allows(from, to value.Addr, t int64) bool {
	if u, ok := b.lossUntil[from]; ok && t <= u {
		return true
	}
	if u, ok := b.lossUntil[to]; ok && t <= u {
		return true
	}
	return false
}

// allowsInput reports whether the original's entry node may omit to
// receive an input (receive omission at a faulty node).
func (b faultBudget) allowsInput(in sim.InputEvent) bool {
	u, ok := b.lossUntil[in.Node]
	return ok && in.Time <= u
}

// allowsOutput reports whether a node may omit to send an output to its
// client at time t (send omission at a faulty node).
func (b faultBudget) allowsOutput(n value.Addr, t int64) bool {
	u, ok := b.lossUntil[n]
	return ok && t <= u
}

// plan renders the budget as a fault plan of the original (for the
// witness schedule's header; the witness pins every loss itself).
func (b faultBudget) plan() sim.FaultPlan {
	var p sim.FaultPlan
	nodes := make([]value.Addr, 0, len(b.lossUntil))
	for a := range b.lossUntil {
		nodes = append(nodes, a)
	}
	slices.SortFunc(nodes, value.Addr.Compare)
	for _, a := range nodes {
		p.Omissions = append(p.Omissions, sim.Omission{Nodes: []value.Addr{a}, P: 0.5, Until: b.lossUntil[a]})
	}
	return p
}

// budgetOf maps the faults of a rewritten run to the original's nodes:
// a piece chosen for omission may lose until its clause's until=; a
// crashed piece, or one on either side of a partition, lets its original
// node lose messages for the whole run (horizon).
func (m *refinementMap) budgetOf(plan sim.FaultPlan, res *sim.Result, horizon int64) faultBudget {
	b := faultBudget{lossUntil: map[value.Addr]int64{}}
	grant := func(a value.Addr, until int64) {
		o := m.node(a)
		if u, ok := b.lossUntil[o]; !ok || until > u {
			b.lossUntil[o] = until
		}
	}
	omissionUntil := int64(-1)
	for _, o := range plan.Omissions {
		omissionUntil = max(omissionUntil, o.Until)
		for _, a := range o.Nodes {
			grant(a, o.Until)
		}
	}
	for _, n := range res.Nodes {
		if n.Faulty && omissionUntil >= 0 {
			grant(n.Addr, omissionUntil)
		}
		if n.Crashed {
			grant(n.Addr, horizon)
		}
	}
	for _, p := range plan.Partitions {
		for _, a := range append(slices.Clone(p.A), p.B...) {
			grant(a, p.To)
		}
	}
	return b
}
