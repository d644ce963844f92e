package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Analyze renders, per component, the facts the rewrites' preconditions
// are made of and the rewrites that apply, as deterministic text: the first
// half of an optimizer (`dsim analyze`). Candidate decouplings are the
// groups of rules that share no relation with the rest (mutually
// independent decoupling) and, for each output of the component, the rules
// deriving it (monotonic and functional decoupling); each is listed with
// the plan step that applies it.
func Analyze(p *analysis.Program) string {
	var b strings.Builder
	fds := InferFDs(p)
	try := confirmer(p)
	for _, c := range p.Components {
		fmt.Fprintf(&b, "component %s[%d]", c.Name, c.Count)
		if c.Refines != "" {
			fmt.Fprintf(&b, " refines %s", c.Refines)
		}
		b.WriteString("\n")
		line := func(label, text string) { fmt.Fprintf(&b, "  %-15s %s\n", label+":", text) }
		// suggest prints a step (with a comment) once applying it to the
		// program succeeded, and the refusal's precondition otherwise:
		// the analyses above are the preconditions' parts, not all of
		// them (redirection, block structure, the mechanism's own checks).
		suggest := func(label, step, comment string) {
			if why := try(step); why != "" {
				line(label, "no, "+step+" is refused: "+why)
				return
			}
			line(label, step+comment)
		}
		list := func(xs []string) string {
			if len(xs) == 0 {
				return "-"
			}
			return strings.Join(xs, ", ")
		}
		line("references", list(c.References))
		line("inputs", list(c.Inputs))
		line("outputs", list(c.Outputs))
		verdict := func(ok bool, v *Violation) string {
			if ok {
				return "yes"
			}
			return fmt.Sprintf("no, rule at %s %s", at(p, v.Rule), v.Reason)
		}
		line("monotonic", verdict(IsMonotonic(p, c, c.Rules)))
		line("functional", verdict(IsFunctional(p, c.Rules)))
		sm, smv := IsStateMachine(p, c.Rules)
		if sm {
			line("state machine", "yes")
		} else if smv.Rule != nil {
			line("state machine", verdict(sm, smv))
		} else {
			line("state machine", "no, "+smv.Reason)
		}
		d := StateDependencies(p, c.Rules)
		line("existence dep.", list(d.Existence))
		line("no-change dep.", list(d.NoChange))
		if len(d.Start) > 0 {
			line("start flags", list(d.Start))
		}
		var cfd []string
		for _, fd := range fds {
			if contains(c.Heads, fd.Rel) {
				cfd = append(cfd, fd.String(p))
			}
		}
		line("FDs", list(cfd))
		if v := Entangled(p, c.Name); v != nil {
			line("entangled", fmt.Sprintf("rule at %s %s: no decoupling or partitioning of %s applies", at(p, v.Rule), v.Reason, c.Name))
			continue
		}
		for _, g := range independentGroups(p, c) {
			suggest("mutual", "mutual "+c.Name+" -> NEW : "+strings.Join(g, " "), "")
		}
		for _, out := range c.Outputs {
			var c2 []*analysis.Rule
			for _, r := range c.Rules {
				if r.Head.Rel == out {
					c2 = append(c2, r)
				}
			}
			if len(c2) == len(c.Rules) {
				continue
			}
			c1 := without(c.Rules, c2)
			if ok, _ := Independent(p, c1, c2); !ok {
				continue
			}
			if ok, _ := IsFunctional(p, c2); ok {
				suggest("functional", "functional "+c.Name+" -> NEW : "+out, "")
			} else if ok, _ := IsMonotonic(p, c, c2); ok {
				suggest("monotonic", "monotonic "+c.Name+" -> NEW : "+out, "")
			} else if stateMachinePre(p, c, c1, c2) == nil {
				suggest("statemachine", "statemachine "+c.Name+" -> NEW : "+out, "")
			}
		}
		// State-machine and asymmetric decoupling of an output together
		// with everything of C it is derived from (the rules deriving one
		// output rarely form a state machine on their own).
		for _, out := range c.Outputs {
			heads := upstream(p, c, out)
			c2 := rulesDeriving(c, heads)
			if len(heads) == 1 || len(c2) == len(c.Rules) {
				continue // the output alone was tried above
			}
			c1 := without(c.Rules, c2)
			sel := c.Name + " -> NEW : " + strings.Join(heads, " ")
			if stateMachinePre(p, c, c1, c2) == nil {
				suggest("statemachine", "statemachine "+sel, "")
			}
			if asymmetricPre(p, c, c1, c2) == nil {
				suggest("asymmetric", "asymmetric "+sel, "")
			}
		}
		if len(c.ClientInputs)+len(c.Timers) > 0 {
			line("partitioning", "no, it receives client inputs or timers ("+list(append(append([]string{}, c.ClientInputs...), c.Timers...))+")")
			continue
		}
		if pol, conf := FindPolicy(p, c, false, nil); conf == nil {
			suggest("co-hashing", "cohash "+c.Name, " # by "+policyText(p, pol))
		} else if pol, conf2 := FindPolicy(p, c, true, nil); conf2 == nil {
			line("co-hashing", "no, "+conflictText(p, conf))
			suggest("dependencies", "deps "+c.Name, " # by "+policyText(p, pol))
		} else {
			line("co-hashing", "no, "+conflictText(p, conf))
			line("dependencies", "no, "+conflictText(p, conf2))
			if pp := PartialPlan(p, c); pp != nil {
				sm := "a state machine"
				if !pp.StateMachines {
					sm = "but not a state machine: refused"
				}
				ws := pp.Writes
				step := "no replicated input, so no step"
				if len(ws) > 0 {
					step = "partial " + c.Name + " : " + strings.Join(ws, " ")
					for _, r := range pp.Seals {
						step += " seal=" + r
					}
				}
				if why := ""; len(ws) > 0 && pp.StateMachines {
					if why = try(step); why != "" {
						step = "no, " + step + " is refused: " + why
					}
				}
				local := ""
				if len(pp.Local) > 0 {
					local = ", per partition " + list(pp.Local)
				}
				line("partial", fmt.Sprintf("%s # replicate %s, partition the rest by %s%s (%s)", step, list(pp.Replicated), policyText(p, pp.Policy), local, sm))
			} else {
				line("partial", "no")
			}
		}
	}
	return b.String()
}

// confirmer returns a function that applies a suggested step (NEW standing
// for a fresh component name) to a fresh copy of p, printed and loaded
// again, and returns "" when it applies, else the precondition that
// refused it (or the error, for a step the engine fails on).
func confirmer(p *analysis.Program) func(step string) string {
	var src []byte
	return func(step string) string {
		if src == nil {
			src = syntax.Print(p.File)
		}
		fresh := "NEW"
		for i := 2; p.Component(fresh) != nil || p.Relation(fresh) != nil; i++ {
			fresh = fmt.Sprintf("NEW%d", i)
		}
		st, err := ParseStep(strings.Replace(step, " NEW ", " "+fresh+" ", 1))
		if err != nil {
			return "the step does not parse: " + err.Error()
		}
		_, err = Apply(p.File.Name, src, st)
		if r, ok := err.(*Refusal); ok {
			return r.Precondition
		} else if err != nil {
			first, _, _ := strings.Cut(err.Error(), "\n")
			return "engine error: " + first
		}
		return ""
	}
}

func conflictText(p *analysis.Program, c *Conflict) string {
	if c.Rule == nil {
		return c.Reason
	}
	return fmt.Sprintf("rule at %s: %s", at(p, c.Rule), c.Reason)
}

func without(all, some []*analysis.Rule) []*analysis.Rule {
	var out []*analysis.Rule
	for _, r := range all {
		if !in(some, r) {
			out = append(out, r)
		}
	}
	return out
}

// independentGroups splits c's rules into groups connected by a shared
// relation (read or derived); with two or more groups each is a C2 of a
// mutually independent decoupling. Groups are named by their heads, sorted.
func independentGroups(p *analysis.Program, c *analysis.Component) [][]string {
	n := len(c.Rules)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	rels := func(r *analysis.Rule) []string { return append(refs(p, r), r.Head.Rel) }
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for _, a := range rels(c.Rules[i]) {
				if contains(rels(c.Rules[j]), a) {
					parent[find(j)] = find(i)
				}
			}
		}
	}
	groups := map[int]map[string]bool{}
	for i, r := range c.Rules {
		g := find(i)
		if groups[g] == nil {
			groups[g] = map[string]bool{}
		}
		groups[g][r.Head.Rel] = true
	}
	if len(groups) < 2 {
		return nil
	}
	var out [][]string
	for i := range c.Rules {
		if g := groups[find(i)]; g != nil {
			out = append(out, keys(g, nil))
			delete(groups, find(i))
		}
	}
	return out
}

// upstream returns out and every relation of comp it is derived from,
// directly or not, sorted.
func upstream(p *analysis.Program, comp *analysis.Component, out string) []string {
	in := map[string]bool{out: true}
	for changed := true; changed; {
		changed = false
		for _, r := range comp.Rules {
			if !in[r.Head.Rel] {
				continue
			}
			for _, n := range refs(p, r) {
				if !in[n] && contains(comp.Heads, n) {
					in[n] = true
					changed = true
				}
			}
		}
	}
	return keys(in, nil)
}

// rulesDeriving returns the rules of comp whose head is in heads.
func rulesDeriving(comp *analysis.Component, heads []string) []*analysis.Rule {
	var out []*analysis.Rule
	for _, r := range comp.Rules {
		if contains(heads, r.Head.Rel) {
			out = append(out, r)
		}
	}
	return out
}
