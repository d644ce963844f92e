package rewrites

import "github.com/dsim-project/dsim/semantics/analysis"

// Independence (paper §3.1). C1 is independent of C2 when no rule of C1
// reads a relation that C2 derives: then nothing C2 computes can reach C1,
// whatever delays separate them. This covers the paper's condition (b), C1
// references no output of C2, and the dataflow reading of (a) that its
// examples use (Fig. 3's C1 and C2 both read acks, which C1 derives).
// Mutual independence adds the paper's (a) literally: the two sets
// reference disjoint relations, so that redirection can send every
// referenced relation to exactly one of the two nodes.

// Dependency is a witness that independence fails: Rule (of the dependent
// set) reads Relation, which the other set derives or also references.
type Dependency struct {
	Rule     *analysis.Rule
	Relation string
	// Shared is true when the witness is a relation both sets reference
	// (mutual independence only) rather than one the other set derives.
	Shared bool
}

// Independent reports whether c1 is independent of c2, and if not the first
// rule of c1 (in source order) that reads a relation c2 derives.
func Independent(p *analysis.Program, c1, c2 []*analysis.Rule) (bool, *Dependency) {
	derived := set(VocabOf(p, c2).Heads)
	for _, r := range c1 {
		for _, n := range refs(p, r) {
			if derived[n] {
				return false, &Dependency{Rule: r, Relation: n}
			}
		}
	}
	return true, nil
}

// MutuallyIndependent reports whether c1 and c2 are independent of each
// other and reference disjoint sets of relations; the witness is the first
// offending rule of either set.
func MutuallyIndependent(p *analysis.Program, c1, c2 []*analysis.Rule) (bool, *Dependency) {
	if ok, d := Independent(p, c1, c2); !ok {
		return false, d
	}
	if ok, d := Independent(p, c2, c1); !ok {
		return false, d
	}
	r1 := set(VocabOf(p, c1).References)
	for _, r := range c2 {
		for _, n := range refs(p, r) {
			if r1[n] {
				return false, &Dependency{Rule: r, Relation: n, Shared: true}
			}
		}
	}
	return true, nil
}
