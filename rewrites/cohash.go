package rewrites

import (
	"fmt"
	"sort"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Distribution policies for partitioning (paper §4, Def. 4.1; §4.1
// co-hashing, App. B.1; §4.2 dependencies, App. B.2).
//
// A policy gives each relation C reads a Key: a column and a function of
// it; a fact goes to partition Key(fact) mod P. The policy is consistent
// with a rule when every IDB atom of the body (joined, anti-joined, or
// grouped over) evaluates its key to the same value in every binding, and
// the head's key, when the head stays on the node, evaluates to that value
// too: then each proof tree lies on one partition (parallel disjoint
// correctness). Values are compared as expressions over the rule's
// variables after replacing every variable the rule defines (y = e,
// hash(x, y)) by its definition.
//
// With co-hashing every key is a plain column (the join, group-by and
// anti-join attributes). With dependencies a key may also be a function of
// a column that the program itself computes: a definition y = f(x) in a
// rule that reads the column as x (a functional dependency of the built-in
// or the arithmetic, App. B.2.1 (1)), or a functional dependency inferred
// for the relation (fd.go). This is how the running example's storage
// nodes partition toStorage by hash(v) % 8 and hashset by its bucket.
//
// Relations that C derives without reading any partitioned relation (a
// count of component instances) are computed identically on every
// partition; they need no key.

// Key is how one relation is partitioned.
type Key struct {
	Col int
	// Fn is the function of the column, with hole ("$") for its value;
	// nil means the column itself.
	Fn syntax.Expr
}

// String renders the key, e.g. "v" or "hash(v) % 8" with the column's name.
func (k Key) String(p *analysis.Program, rel *analysis.Relation) string {
	name := fmt.Sprintf("#%d", k.Col+1)
	if rel != nil && p != nil && k.Col < rel.Arity() {
		name = columnVars(p, rel)[k.Col]
	}
	if k.Fn == nil {
		return name
	}
	return exprString(subst(k.Fn, map[string]syntax.Expr{hole: ident(name)}))
}

// value is the key's value for an argument expression.
func (k Key) value(arg syntax.Expr) syntax.Expr {
	if k.Fn == nil {
		return arg
	}
	return subst(k.Fn, map[string]syntax.Expr{hole: arg})
}

// Policy maps relation names to keys.
type Policy map[string]Key

// Relations lists the policy's relations, sorted.
func (pol Policy) Relations() []string {
	var out []string
	for r := range pol {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// replicated returns the relations comp derives only from relations that
// are themselves replicated or static: same on every partition.
func replicated(p *analysis.Program, comp *analysis.Component) map[string]bool {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range comp.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	out := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, h := range sortedHeads(byHead) {
			if out[h] || contains(comp.Inputs, h) {
				continue
			}
			ok := true
			for _, r := range byHead[h] {
				if r.Kind == analysis.Async {
					ok = false
				}
				for _, n := range refs(p, r) {
					if !out[n] {
						ok = false
					}
				}
			}
			if ok {
				out[h] = true
				changed = true
			}
		}
	}
	return out
}

// scope lists the relations of comp that need a key: every IDB relation
// read in a body, and every head a same-tick aggregate derives, minus the
// replicated ones.
func scope(p *analysis.Program, comp *analysis.Component, rep map[string]bool) []string {
	m := map[string]bool{}
	for _, r := range comp.Rules {
		for _, n := range refs(p, r) {
			if !rep[n] {
				m[n] = true
			}
		}
		if r.Head.HasAggregate && r.Kind != analysis.Async && !rep[r.Head.Rel] {
			m[r.Head.Rel] = true
		}
	}
	return keys(m, nil)
}

// candidates lists the keys tried for rel, identity columns first.
func candidates(p *analysis.Program, comp *analysis.Component, rel string, deps bool, fds []FD) []Key {
	r := p.Relation(rel)
	var out []Key
	seen := map[string]bool{}
	add := func(k Key) {
		s := fmt.Sprintf("%d:%s", k.Col, k.String(nil, nil))
		if !seen[s] {
			seen[s] = true
			out = append(out, k)
		}
	}
	// Only an int column is a key by itself: the destination is the key
	// mod the partition count (a string or an address key made a sender
	// compute k % n over a string, a program that does not vet).
	for c := 0; r != nil && c < r.Arity(); c++ {
		if r.Columns[c].Type == value.KindInt {
			add(Key{Col: c})
		}
	}
	if !deps {
		return out
	}
	for _, rule := range comp.Rules {
		defs := definitions(rule)
		for _, l := range rule.Body {
			if l.Kind != analysis.LitAtom || l.Rel != rel {
				continue
			}
			for c := range l.Args {
				x := atomArg(rule, l, c)
				if x == "" {
					continue
				}
				for _, y := range sortedDefs(defs) {
					e := expand(defs[y], defs)
					if vs := vars(e); len(vs) == 1 && vs[0] == x {
						add(Key{Col: c, Fn: subst(e, map[string]syntax.Expr{x: ident(hole)})})
					}
				}
			}
		}
	}
	for _, fd := range fds {
		if fd.Rel == rel {
			add(Key{Col: fd.From, Fn: fd.Fn})
		}
	}
	return out
}

func sortedDefs(m map[string]syntax.Expr) []string {
	b := map[string]bool{}
	for k := range m {
		b[k] = true
	}
	return keys(b, nil)
}

// Conflict explains why no policy exists: the rule, and a relation whose
// key it cannot agree on.
type Conflict struct {
	Rule     *analysis.Rule
	Relation string
	Reason   string
}

// FindPolicy searches for a policy of comp consistent with every rule; deps
// allows functions of columns (§4.2), otherwise only columns (§4.1). fixed
// pins keys given by the user. The first policy in a deterministic order
// (relations by name, columns left to right, plain columns before
// functions) is returned; on failure, the rule that refused the most
// promising partial policy.
func FindPolicy(p *analysis.Program, comp *analysis.Component, deps bool, fixed Policy) (Policy, *Conflict) {
	return findPolicy(p, comp, deps, fixed, nil, nil)
}

// findPolicy is FindPolicy with extra relations treated as replicated (on
// every partition), for partial partitioning.
//
// local lists relations that each partition computes over its own facts
// (partitioned aggregates, partagg.go): they need no key, and the rules
// deriving them are exempt from the policy.
func findPolicy(p *analysis.Program, comp *analysis.Component, deps bool, fixed Policy, extra, local map[string]bool) (Policy, *Conflict) {
	rep := replicated(p, comp)
	for r := range extra {
		rep[r] = true
	}
	for r := range local {
		rep[r] = true
	}
	rels := scope(p, comp, rep)
	var fds []FD
	if deps {
		fds = InferFDs(p)
	}
	cands := make([][]Key, len(rels))
	for i, r := range rels {
		if k, ok := fixed[r]; ok {
			cands[i] = []Key{k}
		} else {
			cands[i] = candidates(p, comp, r, deps, fds)
		}
	}
	// A relation with no column to key on that is nevertheless derived
	// from partitioned ones (a flag "some fact arrived this tick") would
	// differ between partitions: no policy can exist, and the search
	// below would report some other rule, tried last.
	for i, r := range rels {
		if len(cands[i]) == 0 {
			rule := firstDeriving(comp.Rules, r)
			if rule == nil {
				rule = firstReading(p, comp.Rules, r)
			}
			return nil, &Conflict{Rule: rule, Relation: r, Reason: fmt.Sprintf("%s has no column to key on, yet is derived from partitioned relations, so it would differ between partitions", r)}
		}
	}
	pol := Policy{}
	var best *Conflict
	bestDepth := -1
	var search func(i int) bool
	search = func(i int) bool {
		if i == len(rels) {
			return true
		}
		for _, k := range cands[i] {
			pol[rels[i]] = k
			if c := checkRules(p, comp, pol, rels, rep, local); c != nil {
				if i > bestDepth {
					best, bestDepth = c, i
				}
				continue
			}
			if search(i + 1) {
				return true
			}
		}
		delete(pol, rels[i])
		return false
	}
	if search(0) {
		return pol, nil
	}
	if best == nil {
		best = &Conflict{Reason: "no relation has a key"}
	}
	return nil, best
}

// checkRules checks every rule whose keyed body relations, and whose head
// when it is keyed and stays on the node, all have keys by now.
func checkRules(p *analysis.Program, comp *analysis.Component, pol Policy, scoped []string, rep, local map[string]bool) *Conflict {
	for _, r := range comp.Rules {
		if local[r.Head.Rel] {
			continue
		}
		ready := true
		for _, n := range refs(p, r) {
			if _, ok := pol[n]; !rep[n] && !ok {
				ready = false
			}
		}
		if _, ok := pol[r.Head.Rel]; r.Kind != analysis.Async && contains(scoped, r.Head.Rel) && !ok {
			ready = false
		}
		if !ready {
			continue
		}
		if c := CheckRule(p, r, pol, rep); c != nil {
			return c
		}
	}
	return nil
}

// CheckRule checks one rule against a policy: every keyed body atom and a
// keyed local head agree on one value.
func CheckRule(p *analysis.Program, r *analysis.Rule, pol Policy, rep map[string]bool) *Conflict {
	defs := definitions(r)
	var common string
	var commonRel string
	agree := func(rel string, e syntax.Expr) *Conflict {
		s := exprString(expand(e, defs))
		if common == "" {
			common, commonRel = s, rel
			return nil
		}
		if s != common {
			return &Conflict{Rule: r, Relation: rel, Reason: fmt.Sprintf("%s is keyed by %s here but %s by %s", rel, s, commonRel, common)}
		}
		return nil
	}
	for _, l := range r.Body {
		if (l.Kind != analysis.LitAtom && l.Kind != analysis.LitNegated) || rep[l.Rel] {
			continue
		}
		k, ok := pol[l.Rel]
		if !ok {
			if isIDB(p, l.Rel) {
				return &Conflict{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("%s has no key", l.Rel)}
			}
			continue
		}
		x := atomArg(r, l, k.Col)
		if x == "" {
			return &Conflict{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("%s's key column %d is a constant or _ here", l.Rel, k.Col+1)}
		}
		if c := agree(l.Rel, k.value(ident(x))); c != nil {
			return c
		}
	}
	if k, ok := pol[r.Head.Rel]; ok && r.Kind != analysis.Async && r.Source != nil {
		if k.Col >= len(r.Source.Head.Args) || r.Source.Head.Args[k.Col].Agg != nil {
			return &Conflict{Rule: r, Relation: r.Head.Rel, Reason: fmt.Sprintf("%s's key column %d is an aggregate", r.Head.Rel, k.Col+1)}
		}
		if common == "" {
			return &Conflict{Rule: r, Relation: r.Head.Rel, Reason: fmt.Sprintf("%s is keyed but the body reads no keyed relation", r.Head.Rel)}
		}
		if c := agree(r.Head.Rel, k.value(r.Source.Head.Args[k.Col].Expr)); c != nil {
			return c
		}
	}
	return nil
}
