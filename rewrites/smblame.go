package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// Near misses of the state-machine test: when a relation has neither
// dependency because one rule falls just outside a relaxation (App. A.4.1
// GC persistence, first derivations, maximum carries), IsStateMachine
// names that rule, with a reason and a hint of its own, rather than the
// first rule deriving the relation (which is usually fine). The checks
// mirror the relaxations' conditions with the one failing part inverted.

// gcPersistBlame names, for a relation rel without either dependency, the
// persistence rule r(x..) :+ r(x..), .. that the App. A.4.1 relaxation
// would have admitted but for one literal: a filter, or a negation of a
// relation that may hold in a tick without inputs. That rule, not the
// first rule deriving rel, is what breaks the precondition: without the
// literal rel would have a no-change dependency. nil when rel has no such
// rule.
func gcPersistBlame(p *analysis.Program, rules []*analysis.Rule, rel string, inputs, exist map[string]bool) *Violation {
	for _, r := range rules {
		if r.Head.Rel != rel || r.Kind != analysis.NextTick || !isGCPersist(r) {
			continue
		}
		for _, l := range r.Body {
			switch {
			case l.Kind == analysis.LitFilter:
				return &Violation{Rule: r, Relation: rel,
					Reason: fmt.Sprintf("the persistence rule of %s has a filter (at %d:%d) besides its GC condition, so a fact it keeps can be dropped in a tick without inputs; %s has neither an existence nor a no-change dependency on the inputs", rel, l.Pos.Line, l.Pos.Col, rel),
					Hint:   fmt.Sprintf("drop the filter from %s's persistence rule, or apply it where %s is derived: a GC condition may only negate inputs or relations that exist only in ticks with inputs (App. A.4.1)", rel, rel)}
			case l.Kind == analysis.LitNegated && !inputs[l.Rel] && !exist[l.Rel]:
				return &Violation{Rule: r, Relation: rel,
					Reason: fmt.Sprintf("the persistence rule of %s negates %s (at %d:%d), which may hold in a tick without inputs (no existence dependency), so a fact it keeps can be dropped then; %s has neither an existence nor a no-change dependency on the inputs", rel, l.Rel, l.Pos.Line, l.Pos.Col, rel),
					Hint:   fmt.Sprintf("make the GC condition of %s an input, or a relation derived in the same tick from inputs (App. A.4.1)", rel)}
			}
		}
	}
	return nil
}

// unpersistedRecordBlame names, for a relation rel without either
// dependency, the recording rule s(..) :+ rel(..) of a first derivation
// (firsttime.go) whose record s is not persisted: rel's rule negating s
// would be a first derivation but for the missing .persist, so the
// recording rule is the one to change (without persistence the record
// lasts one tick and rel holds again the tick after, without inputs).
func unpersistedRecordBlame(p *analysis.Program, rules []*analysis.Rule, rel string) *Violation {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	for _, r := range byHead[rel] {
		if r.Kind != analysis.Sync || r.Head.HasAggregate {
			continue
		}
		for _, l := range r.Body {
			if l.Kind != analysis.LitNegated {
				continue
			}
			persisted := false
			var record *analysis.Rule
			for _, s := range byHead[l.Rel] {
				switch {
				case s.Kind == analysis.Persist:
					persisted = true
				case s.Kind == analysis.NextTick && len(s.Body) == 1 && !s.Head.HasAggregate && s.Body[0].Kind == analysis.LitAtom && s.Body[0].Rel == rel && recordsArgs(r, l, s):
					record = s
				}
			}
			if record != nil && !persisted {
				return &Violation{Rule: record, Relation: l.Rel,
					Reason: fmt.Sprintf("%s records %s but is not persisted, so the rule at %s:%d:%d is no first derivation (%s holds again one tick after the record lapses, in a tick without inputs); %s has neither an existence nor a no-change dependency on the inputs", l.Rel, rel, p.File.Name, r.Pos.Line, r.Pos.Col, rel, rel),
					Hint:   fmt.Sprintf("persist the record (.persist %s): a first derivation needs a record that keeps every fact it derives", l.Rel)}
			}
		}
	}
	return nil
}

// carryBlame names, for a relation rel without either dependency that
// belongs to a maximum carry r(X) :+ b(X) with b a selection of c
// (carry.go), the rule of c that is neither a copy of r nor driven by an
// input: the carry would hold but for it (a step such as q = p + 1 makes
// r change in every tick without inputs).
func carryBlame(p *analysis.Program, rules []*analysis.Rule, rel string, inputs, exist map[string]bool) *Violation {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	driven := func(r *analysis.Rule) bool {
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom && (inputs[l.Rel] || exist[l.Rel]) {
				return true
			}
		}
		return false
	}
	for _, r := range rules {
		if r.Kind != analysis.NextTick || !isCopy(r) {
			continue
		}
		h, b := r.Head.Rel, r.Body[0].Rel
		bs := byHead[b]
		if !carrySelects(p, b, byHead) {
			continue
		}
		c, ok := selection(bs[0], byHead)
		if !ok || (rel != h && rel != b && rel != c) {
			continue
		}
		for _, o := range byHead[c] {
			copyOf := o.Kind == analysis.Sync && len(o.Body) == 1 && o.Body[0].Rel == h && isCopy(o)
			if copyOf || (o.Kind == analysis.Sync && driven(o)) || !contains(refs(p, o), h) {
				continue
			}
			return &Violation{Rule: o, Relation: c,
				Reason: fmt.Sprintf("the rule reads %s into %s without copying it, so %s :+ %s is no maximum carry (%s changes in ticks without inputs); %s has neither an existence nor a no-change dependency on the inputs", h, c, h, b, h, rel),
				Hint:   fmt.Sprintf("carry %s unchanged into %s (%s(X..) :- %s(X..).): a maximum carry may only re-select what it keeps", h, c, c, h)}
		}
	}
	return nil
}
