package rewrites

import (
	"sort"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds the paper's §2.4 vocabulary for an arbitrary set of rules
// (the C1 and C2 of a decoupling are subsets of one component, so the
// per-component lists of package analysis are not enough).

// Vocab is the references, inputs, outputs and heads of a set of rules,
// each sorted by name.
type Vocab struct {
	References []string // IDB relations in some body (negated included)
	Inputs     []string // referenced, derived by no rule of the set
	Outputs    []string // derived, referenced by no rule of the set
	Heads      []string // derived by some rule of the set
}

// isIDB reports whether name is an IDB relation of p: derived by some rule,
// a client input or a timer (static-only relations, built-ins and component
// enumerations are not).
func isIDB(p *analysis.Program, name string) bool {
	r := p.Relation(name)
	return r != nil && (r.Derived || r.Input || r.Timer != nil)
}

// refs lists the IDB relations one rule's body reads, in body order, each
// once; negated atoms count (§2.4).
func refs(p *analysis.Program, r *analysis.Rule) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range r.Body {
		if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && isIDB(p, l.Rel) && !seen[l.Rel] {
			seen[l.Rel] = true
			out = append(out, l.Rel)
		}
	}
	return out
}

// VocabOf computes the §2.4 vocabulary of rules.
func VocabOf(p *analysis.Program, rules []*analysis.Rule) Vocab {
	ref, head := map[string]bool{}, map[string]bool{}
	for _, r := range rules {
		head[r.Head.Rel] = true
		for _, n := range refs(p, r) {
			ref[n] = true
		}
	}
	var v Vocab
	v.References = keys(ref, nil)
	v.Heads = keys(head, nil)
	v.Inputs = keys(ref, func(n string) bool { return !head[n] })
	v.Outputs = keys(head, func(n string) bool { return !ref[n] })
	return v
}

func keys(m map[string]bool, keep func(string) bool) []string {
	var out []string
	for k := range m {
		if keep == nil || keep(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}
