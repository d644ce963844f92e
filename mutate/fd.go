package mutate

import (
	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file infers keys: which columns of a relation its first-column
// request id determines over a whole run, when every input's first column
// is a fresh id (the default workload: no --repeats, no --values on the
// id column; docs/CHECKING.md "How workload values are picked"). The
// repeat-suppression argument (Suppresses) uses it for the common guard
// !replied(id, _).

// keyCols maps relation -> key column -> the set of columns that column
// determines (column k always determines itself).
type keyCols map[string]map[int]map[int]bool

// inferKeys computes, as a greatest fixpoint, for every relation and
// column k the columns determined by k: an input's first column
// determines every column; a derived relation's column k determines
// column c when every rule deriving it (persistence rules aside) takes
// the head's k-th and c-th terms from one body atom A, where A's column
// of the k-th term determines A's column of the c-th, or computes the
// c-th term (assignments, built-in functions) from terms so determined.
// An aggregate's value column is never determined (it changes from tick
// to tick); its group-by columns are.
func (s *Shapes) inferKeys() keyCols {
	det := keyCols{}
	all := func(n int) map[int]bool {
		m := map[int]bool{}
		for i := 0; i < n; i++ {
			m[i] = true
		}
		return m
	}
	for _, rel := range s.p.Relations {
		n := len(rel.Columns)
		det[rel.Name] = map[int]map[int]bool{}
		for k := 0; k < n; k++ {
			switch {
			case rel.Input && k == 0:
				det[rel.Name][k] = all(n)
			case rel.Input || rel.Timer != nil || len(s.derivers[rel.Name]) == 0:
				det[rel.Name][k] = map[int]bool{k: true}
			default:
				det[rel.Name][k] = all(n) // refined below
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, rel := range s.p.Relations {
			if rel.Input || rel.Timer != nil || len(s.derivers[rel.Name]) == 0 {
				continue
			}
			for k, cols := range det[rel.Name] {
				for c := range cols {
					if c == k {
						continue
					}
					// Two rules could derive two rows for one key: only a
					// relation with one deriving rule gets a key.
					rules := 0
					for _, r := range s.derivers[rel.Name] {
						if r.Kind == analysis.Persist {
							continue
						}
						rules++
						if rules > 1 || !ruleDetermines(r, k, c, det) {
							delete(cols, c)
							changed = true
							break
						}
					}
				}
			}
		}
	}
	return det
}

// ruleDetermines reports whether in rule r the head's k-th term
// determines its c-th (inferKeys).
func ruleDetermines(r *analysis.Rule, k, c int, det keyCols) bool {
	if k >= len(r.Head.Args) || c >= len(r.Head.Args) {
		return false
	}
	hk, hc := r.Head.Args[k], r.Head.Args[c]
	if hk.Term == nil || hk.Term.Op != analysis.TermVar || hc.Agg != nil {
		return false
	}
	key := hk.Term.Var
	for _, a := range r.Body {
		if a.Kind != analysis.LitAtom {
			continue
		}
		ka := -1
		for i, t := range a.Args {
			if t.Op == analysis.TermVar && t.Var == key {
				ka = i
				break
			}
		}
		if ka < 0 {
			continue
		}
		// Variables of r determined by the key through atom a.
		known := map[int]bool{key: true}
		for i, t := range a.Args {
			if t.Op == analysis.TermVar && det[a.Rel][ka][i] {
				known[t.Var] = true
			}
		}
		for grew := true; grew; {
			grew = false
			for _, l := range r.Body {
				switch l.Kind {
				case analysis.LitAssign:
					if l.Left.Op == analysis.TermVar && !known[l.Left.Var] && termKnown(l.Right, known) {
						known[l.Left.Var], grew = true, true
					}
				case analysis.LitBuiltin:
					b := analysis.LookupBuiltin(l.Rel)
					if b == nil || b.Enumerates || b.Output < 0 || b.Output >= len(l.Args) || len(l.Args) != len(b.Args) {
						continue
					}
					ok := true
					for _, in := range b.Inputs {
						if !termKnown(l.Args[in], known) {
							ok = false
						}
					}
					if o := l.Args[b.Output]; ok && o.Op == analysis.TermVar && !known[o.Var] {
						known[o.Var], grew = true, true
					}
				}
			}
		}
		if hc.Term != nil && termKnown(*hc.Term, known) {
			return true
		}
	}
	return false
}

// termKnown reports whether every variable of t is in known (constants
// and pure function calls of known terms are known).
func termKnown(t analysis.Term, known map[int]bool) bool {
	switch t.Op {
	case analysis.TermVar:
		return known[t.Var]
	case analysis.TermConst:
		return true
	case analysis.TermWildcard:
		return false
	}
	for _, a := range t.Args {
		if !termKnown(a, known) {
			return false
		}
	}
	return true
}
