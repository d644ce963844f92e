package analysis

import "sort"

// This file computes the paper's §2.4 vocabulary for each component.
//
// A relation is IDB when some rule of the program derives it, or when it
// arrives from outside a node's rules: a client .input or a .timer.
// Relations holding only static facts are EDB (like the paper's
// storageNodes, numNodes, leader), and built-ins and component
// enumerations are not relations of the program: none of these is a
// reference. References, Inputs and Outputs follow the paper; all rules of
// the component count, persistence rules included.

func (a *analyser) vocabulary(c *Component) {
	idb := func(name string) bool {
		ri := a.rels[name]
		return ri != nil && ri.rel != nil && (ri.rel.Derived || ri.rel.Input || ri.rel.Timer != nil)
	}
	refs, heads := map[string]bool{}, map[string]bool{}
	for _, r := range c.Rules {
		heads[r.Head.Rel] = true
		for _, l := range r.Body {
			if (l.Kind == LitAtom || l.Kind == LitNegated) && idb(l.Rel) {
				refs[l.Rel] = true
			}
		}
	}
	c.References = sortedKeys(refs, nil)
	c.Heads = sortedKeys(heads, nil)
	c.Inputs = sortedKeys(refs, func(n string) bool { return !heads[n] })
	c.Outputs = sortedKeys(heads, func(n string) bool { return !refs[n] })
	for _, rel := range a.prog.Relations {
		if rel.Input && rel.InputComponent == c.Name {
			c.ClientInputs = append(c.ClientInputs, rel.Name)
		}
		if rel.Timer != nil && rel.TimerComponent == c.Name {
			c.Timers = append(c.Timers, rel.Name)
		}
	}
}

func sortedKeys(m map[string]bool, keep func(string) bool) []string {
	var out []string
	for k := range m {
		if keep == nil || keep(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
