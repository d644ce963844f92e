package rewrites

import "github.com/dsim-project/dsim/semantics/analysis"

// First derivations: a refinement of the existence test (App. A.4) for the
// idiom "derive a fact the first time a stable condition holds",
//
//	chosenNow(slot, v) :- accepts(slot, v, k), (k >= 2), !decidedHere(slot).
//	decidedHere(slot) :+ chosenNow(slot, _).
//	.persist decidedHere
//
// chosenNow has no positive input atom, so the report's conservative check
// denies it an existence dependency; yet it is empty in every tick t
// without inputs. Argument: let θ be a valuation of the rule's body at t.
// Every other relation the body reads (positively or negated) is strictly
// no-change — equal in t and t-1 whenever t has no inputs (below) — so θ
// satisfied the same atoms, negations and filters at t-1. Either
// decidedHere(slot θ) held at t-1, and persistence keeps it at t; or it did
// not, the rule fired at t-1 with θ, and the recording rule put
// decidedHere(slot θ) into t. Either way !decidedHere(slot θ) fails at t.
// (Within tick t, by induction on the order of derivation: the first fact
// of chosenNow in t would need body facts derived before it, all of them
// present at t-1.)
//
// Conditions, all checked: the rule is same-tick with no aggregate; it
// negates a relation s that the rule set persists with a plain persistence
// rule (.persist; a GC condition could drop the record) and records with a
// next-tick rule s(..) :+ h(..) whose body is the one atom of h, the
// negated atom's arguments being the head terms that the recording rule
// copies; every other IDB relation of the body is strictly no-change.
//
// Strictly no-change is the report's no-change test without the App.
// A.4.1 relaxation (a relation the relaxation admits may change in the
// first tick without inputs after one with inputs, which the argument
// above cannot allow): r's only next-tick rule is its plain persistence
// rule and its other rules are same-tick, each with a positive input or
// existence-dependent atom or over static relations only; or r has no
// next-tick rule and is derived only from static and strictly no-change
// relations by same-tick rules.

// strictNoChange is the greatest fixpoint described above, for the given
// existence candidates.
func strictNoChange(p *analysis.Program, heads []string, byHead map[string][]*analysis.Rule, hasDriver func(*analysis.Rule) bool) map[string]bool {
	strict := map[string]bool{}
	for _, h := range heads {
		strict[h] = true
	}
	for changed := true; changed; {
		changed = false
		for _, h := range heads {
			if !strict[h] {
				continue
			}
			persist := false
			for _, r := range byHead[h] {
				if r.Kind == analysis.Persist {
					persist = true
				}
			}
			ok := true
			for _, r := range byHead[h] {
				switch {
				case r.Kind == analysis.Persist:
				case r.Kind != analysis.Sync:
					ok = false
				case persist:
					if !hasDriver(r) && len(refs(p, r)) > 0 {
						ok = false
					}
				default:
					for _, n := range refs(p, r) {
						if !strict[n] {
							ok = false
						}
					}
				}
			}
			if !ok {
				strict[h] = false
				changed = true
			}
		}
	}
	return strict
}

// firstDerivation reports whether same-tick rule r is a first derivation
// (above): empty in every tick without inputs although no positive atom
// drives it.
func firstDerivation(p *analysis.Program, r *analysis.Rule, byHead map[string][]*analysis.Rule, strict map[string]bool) bool {
	if r.Kind != analysis.Sync || r.Head.HasAggregate {
		return false
	}
	record := -1
	for i, l := range r.Body {
		if l.Kind == analysis.LitNegated && records(r, l, byHead[l.Rel]) {
			record = i
			break
		}
	}
	if record < 0 {
		return false
	}
	for i, l := range r.Body {
		if i == record || (l.Kind != analysis.LitAtom && l.Kind != analysis.LitNegated) || !isIDB(p, l.Rel) {
			continue
		}
		if !strict[l.Rel] {
			return false
		}
	}
	return true
}

// records reports whether the rules of s (sRules) persist s plainly and
// record every fact of r's head h as s(neg's arguments): a next-tick rule
// s(T..) :+ h(U..) with U distinct variables or wildcards and each T a
// variable of U, where neg's j-th argument is the variable of r's head at
// the position of T[j] in U.
func records(r *analysis.Rule, neg analysis.Lit, sRules []*analysis.Rule) bool {
	persist, recorded := false, false
	for _, s := range sRules {
		switch {
		case s.Kind == analysis.Persist:
			persist = true
		case s.Kind == analysis.NextTick && len(s.Body) == 1 && !s.Head.HasAggregate && s.Body[0].Kind == analysis.LitAtom && s.Body[0].Rel == r.Head.Rel && recordsArgs(r, neg, s):
			recorded = true
		}
	}
	return persist && recorded
}

func recordsArgs(r *analysis.Rule, neg analysis.Lit, s *analysis.Rule) bool {
	u := s.Body[0].Args
	if len(u) != len(r.Head.Args) || len(s.Head.Args) != len(neg.Args) {
		return false
	}
	pos := map[int]int{} // variable slot of s -> index in u
	for i, a := range u {
		switch a.Op {
		case analysis.TermWildcard:
		case analysis.TermVar:
			if _, dup := pos[a.Var]; dup {
				return false
			}
			pos[a.Var] = i
		default:
			return false
		}
	}
	for j, t := range s.Head.Args {
		if t.Term == nil || t.Term.Op != analysis.TermVar {
			return false
		}
		i, ok := pos[t.Term.Var]
		if !ok {
			return false
		}
		h, a := r.Head.Args[i].Term, neg.Args[j]
		if h == nil || h.Op != analysis.TermVar || a.Op != analysis.TermVar || h.Var != a.Var {
			return false
		}
	}
	return true
}

// laggedCopy reports whether next-tick rule r reads only strictly
// no-change and static relations (promised(n, p) :+ newBallot(n, p) with
// newBallot computed from persisted ballots). Its facts in tick t are a
// function of those relations in t-1, which equal their values in t-2
// whenever t-1 has no inputs: so r's facts change only in the first tick
// after a tick with inputs, as for the relaxation of App. A.4.1, and are
// a function of the inputs of earlier ticks, whatever the number of empty
// ticks in between. Without persistence too: the rule itself re-derives
// the same facts in every later empty tick.
func laggedCopy(p *analysis.Program, r *analysis.Rule, strict map[string]bool) bool {
	if r.Kind != analysis.NextTick {
		return false
	}
	for _, n := range refs(p, r) {
		if !strict[n] {
			return false
		}
	}
	return true
}
