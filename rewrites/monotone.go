package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Monotonicity (paper §3.2, report App. A.2). A component is monotonic when
// a larger input set never shrinks its output set; by the CALM theorem it
// then tolerates any reordering and delay of its inputs, which is what
// decoupling does to the facts C1 sends C2. Monotonicity is undecidable, so
// this is the paper's sufficient test with the report's relaxations:
//
//   - no negation. The report's relaxation 3, a persistence rule with a
//     garbage-collection condition r(x..) :+ r(x..), !done(..), is not
//     applied: it is the user's claim that a dropped fact is never needed
//     again, which decoupling breaks whenever the claim is false (the
//     decoupled C2 keeps persisted aliases of its inputs, and sees done
//     and the facts it drops in another order); see
//     TestRelaxationControls and docs/REWRITES.md. Only an exact
//     persistence rule (or .persist) makes a relation persisted here;
//   - no aggregation, except count and max whose result is only compared
//     with a threshold (n >= q, n > q) — a monotone test over a monotone
//     aggregate (relaxation 2) — and aggregates over no IDB relation at all
//     (counting component instances, a constant);
//   - every input is persisted in the component, or logically persisted:
//     derived only by monotone same-tick rules from persisted relations
//     (relaxation 1). An input read only by rules whose body has no other
//     IDB relation needs no persistence: each of its facts is handled on
//     its own (acks(x) :- ack(x)), so its arrival time cannot change which
//     facts join.

// Violation names the rule and relation that break a property, and why.
type Violation struct {
	Rule     *analysis.Rule // nil when the witness is a relation only
	Relation string
	Reason   string
	// Hint, when set, replaces the rewrite's generic hint: the check
	// knows what would mend this rule.
	Hint string
}

// IsMonotonic checks c2, a subset of component comp's rules.
func IsMonotonic(p *analysis.Program, comp *analysis.Component, c2 []*analysis.Rule) (bool, *Violation) {
	aggRels := map[string]*analysis.Rule{}
	for _, r := range c2 {
		if r.Head.HasAggregate && len(refs(p, r)) > 0 {
			aggRels[r.Head.Rel] = r
		}
	}
	for _, r := range c2 {
		for _, l := range r.Body {
			if l.Kind == analysis.LitNegated && isGCPersist(r) {
				return false, &Violation{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("garbage-collects %s when %s holds, which decoupling does not preserve (C2 keeps its inputs and receives them in another order; the report's relaxation 3 is not applied)", r.Head.Rel, l.Rel)}
			}
			if l.Kind == analysis.LitNegated {
				return false, &Violation{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("negates %s", l.Rel)}
			}
		}
		if r.Head.HasAggregate && len(refs(p, r)) > 0 {
			for _, a := range r.Head.Args {
				if a.Agg != nil && a.Agg.Func != syntax.AggCount && a.Agg.Func != syntax.AggMax {
					return false, &Violation{Rule: r, Relation: r.Head.Rel, Reason: fmt.Sprintf("aggregates with %s, which is not monotone", a.Agg.Func)}
				}
			}
		}
		for _, l := range r.Body {
			if l.Kind != analysis.LitAtom {
				continue
			}
			if ar := aggRels[l.Rel]; ar != nil {
				if !thresholdOnly(r, l, ar) {
					return false, &Violation{Rule: r, Relation: l.Rel, Reason: fmt.Sprintf("uses the aggregate %s other than in a threshold test (n >= q)", l.Rel)}
				}
			}
		}
	}
	persisted := logicallyPersisted(p, comp)
	v := VocabOf(p, c2)
	for _, in := range v.Inputs {
		if persisted[in] || readAlone(p, c2, in) {
			continue
		}
		for _, r := range c2 {
			if contains(refs(p, r), in) {
				return false, &Violation{Rule: r, Relation: in, Reason: fmt.Sprintf("joins the input %s, which is not persisted", in)}
			}
		}
	}
	return true, nil
}

// isExactPersist reports whether r is a persistence rule without any
// condition: .persist, or r(x..) :+ r(x..) alone.
func isExactPersist(r *analysis.Rule) bool {
	return isGCPersist(r) && (r.Kind == analysis.Persist || len(r.Body) == 1)
}

// isGCPersist reports whether r is r(x..) :+ r(x..), ... with only negated
// atoms, filters or static relations besides: a persistence rule with a
// garbage-collection condition (or an exact persistence rule).
func isGCPersist(r *analysis.Rule) bool {
	if r.Kind == analysis.Persist {
		return true
	}
	if r.Kind != analysis.NextTick || r.Head.HasAggregate {
		return false
	}
	self := false
	for _, l := range r.Body {
		switch l.Kind {
		case analysis.LitAtom:
			if l.Rel != r.Head.Rel || self {
				return false
			}
			if len(l.Args) != len(r.Head.Args) {
				return false
			}
			for i, a := range l.Args {
				h := r.Head.Args[i].Term
				if a.Op != analysis.TermVar || h == nil || h.Op != analysis.TermVar || h.Var != a.Var {
					return false
				}
			}
			self = true
		case analysis.LitNegated, analysis.LitFilter:
		default:
			return false
		}
	}
	return self
}

// thresholdOnly reports whether rule r uses the aggregate value of atom l
// (of aggregate rule agg) only as the larger side of >= or > comparisons.
func thresholdOnly(r *analysis.Rule, l analysis.Lit, agg *analysis.Rule) bool {
	for i, ha := range agg.Head.Args {
		if ha.Agg == nil || i >= len(l.Args) {
			continue
		}
		a := l.Args[i]
		if a.Op != analysis.TermVar {
			return false
		}
		v := a.Var
		uses := 0
		for _, o := range r.Body {
			switch o.Kind {
			case analysis.LitFilter:
				big, small := o.Left, o.Right
				if o.Op == "<" || o.Op == "<=" {
					big, small = o.Right, o.Left
				}
				if small.UsesVar(v) {
					return false
				}
				if big.UsesVar(v) {
					if (o.Op != ">=" && o.Op != ">" && o.Op != "<" && o.Op != "<=") || big.Op != analysis.TermVar {
						return false
					}
					uses++
				}
			case analysis.LitAtom, analysis.LitNegated, analysis.LitBuiltin:
				for j, x := range o.Args {
					if x.Op == analysis.TermVar && x.Var == v && !(o.Rel == l.Rel && j == i) {
						return false
					}
				}
			case analysis.LitAssign:
				if o.Right.UsesVar(v) {
					return false
				}
			}
		}
		for _, h := range r.Head.Args {
			if h.Term != nil && h.Term.UsesVar(v) {
				return false
			}
		}
		if uses == 0 {
			return false
		}
	}
	return true
}

// logicallyPersisted returns the relations of comp that are persisted (a
// persistence rule, possibly with a GC condition) or derived only by
// positive same-tick rules, without aggregation, from logically persisted
// relations and static ones — a least fixpoint.
func logicallyPersisted(p *analysis.Program, comp *analysis.Component) map[string]bool {
	out := map[string]bool{}
	byHead := map[string][]*analysis.Rule{}
	for _, r := range comp.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
		if isExactPersist(r) {
			out[r.Head.Rel] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, h := range sortedHeads(byHead) {
			if out[h] {
				continue
			}
			ok := true
			for _, r := range byHead[h] {
				if r.Kind != analysis.Sync || r.Head.HasAggregate {
					ok = false
					break
				}
				for _, l := range r.Body {
					if l.Kind == analysis.LitNegated || (l.Kind == analysis.LitAtom && isIDB(p, l.Rel) && !out[l.Rel]) {
						ok = false
					}
				}
			}
			if ok && len(byHead[h]) > 0 {
				out[h] = true
				changed = true
			}
		}
	}
	return out
}

func sortedHeads(m map[string][]*analysis.Rule) []string {
	b := map[string]bool{}
	for k := range m {
		b[k] = true
	}
	return keys(b, nil)
}

// readAlone reports whether every rule of rules that reads rel has no other
// IDB atom in its body.
func readAlone(p *analysis.Program, rules []*analysis.Rule, rel string) bool {
	for _, r := range rules {
		rs := refs(p, r)
		if contains(rs, rel) && len(rs) > 1 {
			return false
		}
	}
	return true
}
