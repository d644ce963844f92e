package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// State machines (report App. A.4). A relation has an existence dependency
// on the inputs when it is empty in every tick in which all inputs are
// empty, and a no-change dependency when in such a tick it equals its value
// of the previous tick. A rule set is a state machine when every relation it
// references has one of the two and every output has an existence
// dependency: its behaviour depends on each tick's inputs and the order of
// earlier inputs, never on the tick number, so batching and sealing can
// change when inputs arrive without changing what it does.
//
// The checks are the report's conservative ones:
//   - existence: r is derived only by same-tick or asynchronous rules (no
//     next-tick rule), and each of them has
//     a positive atom of an input or of an existence-dependent relation,
//     or is a first derivation (firsttime.go: !recorded(..) over strictly
//     no-change relations, recorded persisting every fact r derives);
//   - no-change: r's only next-tick rule is its persistence rule and its
//     other rules each have a positive input or existence-dependent atom
//     (or read static relations only); or
//     r has no next-tick rule and is derived only from static and no-change
//     relations.
// Both are greatest fixpoints over the set's relations.
//
// The relaxation of App. A.4.1 (next-tick rules driven by inputs, and
// persistence with a garbage-collection condition) is admitted in this
// form: r has a no-change dependency when it is persisted — by .persist
// or by a rule r(x..) :+ r(x..), !g1(..), .., !gk(..) whose negated
// relations are inputs or existence-dependent — every other next-tick
// rule of r has a positive input or existence-dependent atom, and its
// same-tick rules are as for the persisted case above. Such an r may
// change in the first tick without inputs after one with inputs (the
// driven rule's facts arrive then), but from then on it stays put: in a
// tick without inputs the driven rules derive nothing and the GC
// condition is empty, so the persistence rule copies r whole. Its value
// in every tick is therefore a function of the earlier ticks' inputs and
// the current tick's, whatever the number of ticks without inputs in
// between — which is what batching and buffering need. Persistence is
// required: without it (tick(x) :+ now(x) alone) r holds the facts in the
// first tick without inputs and loses them in the next, so the number of
// empty ticks matters. Filters are not allowed in the GC rule for the same
// reason (a fact derived by a driven rule would be dropped one tick later).

// Dependencies classifies the relations of a rule set.
type Dependencies struct {
	Existence []string // sorted
	NoChange  []string // sorted
	// Start lists start flags (carry.go): true in tick 0 only, treated
	// as an input.
	Start []string // sorted
}

// StateDependencies computes existence and no-change dependencies of the
// relations derived by rules (a subset of one component).
func StateDependencies(p *analysis.Program, rules []*analysis.Rule) Dependencies {
	v := VocabOf(p, rules)
	inputs := set(v.Inputs)
	byHead := map[string][]*analysis.Rule{}
	for _, r := range rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	start := startFlags(p, rules, byHead)
	var heads []string
	for _, h := range v.Heads {
		if start[h] {
			inputs[h] = true
		} else {
			heads = append(heads, h)
		}
	}
	exist := map[string]bool{}
	for _, h := range heads {
		exist[h] = true
	}
	hasDriver := func(r *analysis.Rule) bool {
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom && (inputs[l.Rel] || exist[l.Rel]) {
				return true
			}
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		strict := strictNoChange(p, heads, byHead, hasDriver)
		for _, h := range heads {
			if !exist[h] {
				continue
			}
			for _, r := range byHead[h] {
				driven := (r.Kind == analysis.Sync || r.Kind == analysis.Async) && hasDriver(r)
				if !driven && !firstDerivation(p, r, byHead, strict) {
					exist[h] = false
					changed = true
					break
				}
			}
		}
	}
	nochange := map[string]bool{}
	for _, h := range heads {
		nochange[h] = !exist[h]
	}
	// gcPersist: r(x..) :+ r(x..), !g(..).. with every g an input or
	// existence-dependent relation (empty in ticks without inputs).
	gcPersist := func(r *analysis.Rule) bool {
		if r.Kind != analysis.NextTick || !isGCPersist(r) {
			return false
		}
		for _, l := range r.Body {
			if l.Kind == analysis.LitFilter || (l.Kind == analysis.LitNegated && !inputs[l.Rel] && !exist[l.Rel]) {
				return false
			}
		}
		return true
	}
	strict := strictNoChange(p, heads, byHead, hasDriver)
	for changed := true; changed; {
		changed = false
		for _, h := range heads {
			if !nochange[h] {
				continue
			}
			ok := true
			persist := false
			for _, r := range byHead[h] {
				if r.Kind == analysis.Persist || gcPersist(r) {
					persist = true
				}
			}
			for _, r := range byHead[h] {
				switch {
				case r.Kind == analysis.Persist || gcPersist(r):
				case r.Kind == analysis.NextTick:
					// Driven by this tick's inputs (App. A.4.1), and
					// kept by the persistence rule afterwards; or a
					// next-tick function of strictly no-change state
					// (laggedCopy); or a maximum carry (carry.go).
					if (!persist || !hasDriver(r)) && !laggedCopy(p, r, strict) && !maxCarry(p, r, byHead, hasDriver) {
						ok = false
					}
				case persist:
					// A rule over static relations only derives the same
					// facts every tick, which persistence keeps anyway.
					if !hasDriver(r) && len(refs(p, r)) > 0 {
						ok = false
					}
				case hasDriver(r):
					// Empty in a tick without inputs: the relation is
					// then what its other rules derive from no-change
					// state, a function of the earlier ticks' inputs.
				default:
					for _, l := range r.Body {
						if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && isIDB(p, l.Rel) && !nochange[l.Rel] {
							ok = false
						}
					}
				}
			}
			if !ok {
				nochange[h] = false
				changed = true
			}
		}
	}
	return Dependencies{Existence: keys(exist, func(n string) bool { return exist[n] }), NoChange: keys(nochange, func(n string) bool { return nochange[n] }), Start: keys(start, nil)}
}

// IsStateMachine reports whether rules form a state machine, and if not the
// relation that breaks it.
func IsStateMachine(p *analysis.Program, rules []*analysis.Rule) (bool, *Violation) {
	v := VocabOf(p, rules)
	d := StateDependencies(p, rules)
	e, n := set(d.Existence), set(d.NoChange)
	inputs := set(v.Inputs)
	for _, f := range d.Start {
		inputs[f] = true
	}
	first := func(rel string) *analysis.Rule {
		for _, r := range rules {
			if r.Head.Rel == rel {
				return r
			}
		}
		for _, r := range rules {
			if contains(refs(p, r), rel) {
				return r
			}
		}
		return nil
	}
	for _, rel := range v.References {
		if !inputs[rel] && !e[rel] && !n[rel] {
			if b := gcPersistBlame(p, rules, rel, inputs, e); b != nil {
				return false, b
			}
			if b := unpersistedRecordBlame(p, rules, rel); b != nil {
				return false, b
			}
			if b := carryBlame(p, rules, rel, inputs, e); b != nil {
				return false, b
			}
			return false, &Violation{Rule: first(rel), Relation: rel, Reason: fmt.Sprintf("%s has neither an existence nor a no-change dependency on the inputs", rel)}
		}
	}
	for _, rel := range v.Outputs {
		// An invariant is a check, not an output anyone observes: one
		// over no-change state is evaluated on states the original
		// reaches too (batching and buffering change when, not which).
		if r := p.Relation(rel); r != nil && r.Invariant && n[rel] {
			continue
		}
		if !e[rel] {
			return false, &Violation{Rule: first(rel), Relation: rel, Reason: fmt.Sprintf("output %s has no existence dependency on the inputs", rel)}
		}
	}
	return true, nil
}
