package rewrites

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Two idioms of BasePaxos's acceptor that the conservative state machine
// test (App. A.4) cannot see through, with the arguments that admit them.
//
// Start flags. first() :- acceptorNodes(_), !started().  started() :+
// acceptorNodes(_).  .persist started — a relation f with one same-tick
// rule over static relations and the negation of a plainly persisted
// arity-0 record s whose only other rule is s() :+ B, B atoms of f's own
// body. If f holds in tick t, B held in t, so s holds from t+1 on and f
// never again; B being static, f holds in tick 0 or never. The analysis
// treats f as an input: "the node started" arrives in tick 0. That is
// sound where every other input of the rules is a message, which never
// arrives in tick 0 (delays are at least 1): tick 0 is then an input tick
// of its own in the original and in every piece alike. State-machine
// decoupling, whose C2 may receive C's client inputs and timers, refuses
// a C2 that derives a start flag when C has any (smdecouple.go).
//
// Maximum carries. promised(n, p) :+ newBallot(n, p) with
// cand(n, p) :- promised(n, p).  cand(n, p) :- p1a(n, p).
// candN(max(n)) :- cand(n, _).  newBallot(n, max(p)) :- cand(n, p), candN(n).
// r is recomputed every tick from itself and the inputs through a
// maximum. It has a no-change dependency when (maxCarry): r's rules are
// the carry r(X) :+ b(X) and same-tick rules with a positive input atom;
// b has one rule selecting one fact of c — its head is c's columns in
// order with one of them under max or min, its other atoms projections of
// c by max or min (candN above) — and has at most one fact (its group-by
// variables are bound by atoms of relations with at most one fact); c's
// rules are copies c(X) :- r(X) and rules with a positive input atom.
// Argument: in a tick t >= 1 without inputs, r(t) = b(t-1) has at most one
// fact and c(t) = r(t). If c(t) = {f}, the projection atoms hold of f's
// columns and the selection gives f: b(t) = r(t); if c(t) is empty so is
// b(t). So r(t+1) = r(t) whenever t+1 is without inputs too: r changes only
// in the first tick after one with inputs, as the App. A.4.1 relaxation
// allows, and r(t) is the maximum of the inputs of earlier ticks, whatever
// the number of empty ticks between.
//
// Per group. b may instead select one fact per group — its rule's body the
// one atom c(X..), its head X.. with one column under max or min (best(n,
// max(p)) :- cand(n, p)), no projections — and hold many facts. The
// argument is the same group by group: in a tick t >= 1 without inputs
// r(t) = b(t-1) holds at most one fact per group and c(t) = r(t), and the
// per-group maximum of a relation with one fact per group is that
// relation, so b(t) = r(t). (Forced before it was admitted, this shape was
// Equivalent in 18 configurations of 100 runs; docs/REWRITES.md.)

// startFlags lists the start flags among the relations rules derive.
func startFlags(p *analysis.Program, rules []*analysis.Rule, byHead map[string][]*analysis.Rule) map[string]bool {
	static := staticValued(p, rules, byHead)
	out := map[string]bool{}
	for h, rs := range byHead {
		if len(rs) != 1 || rs[0].Kind != analysis.Sync || rs[0].Head.HasAggregate {
			continue
		}
		r := rs[0]
		pos := map[string]bool{}
		var rec string
		ok := true
		for _, l := range r.Body {
			switch l.Kind {
			case analysis.LitAtom:
				if isIDB(p, l.Rel) && !static[l.Rel] {
					ok = false
				}
				pos[l.Rel] = true
			case analysis.LitNegated:
				if rec != "" || len(l.Args) != 0 {
					ok = false
				}
				rec = l.Rel
			case analysis.LitBuiltin:
			default:
				ok = false
			}
		}
		if ok && rec != "" && startRecord(byHead[rec], pos) {
			out[h] = true
		}
	}
	return out
}

// startRecord: s is persisted plainly and its only other rule is s() :+ B
// with B positive atoms of relations in pos.
func startRecord(rs []*analysis.Rule, pos map[string]bool) bool {
	persist, record := false, 0
	for _, s := range rs {
		switch {
		case s.Kind == analysis.Persist:
			persist = true
		case s.Kind == analysis.NextTick && len(s.Head.Args) == 0:
			for _, l := range s.Body {
				if l.Kind != analysis.LitAtom || !pos[l.Rel] {
					return false
				}
			}
			record++
		default:
			return false
		}
	}
	return persist && record == 1
}

// staticValued lists relations derived only by same-tick rules from
// static facts, built-ins and static-valued relations: the same in every
// tick.
func staticValued(p *analysis.Program, rules []*analysis.Rule, byHead map[string][]*analysis.Rule) map[string]bool {
	out := map[string]bool{}
	for h := range byHead {
		out[h] = true
	}
	for changed := true; changed; {
		changed = false
		for h := range byHead {
			if !out[h] {
				continue
			}
			for _, r := range byHead[h] {
				ok := r.Kind == analysis.Sync
				for _, l := range r.Body {
					if l.Kind == analysis.LitNegated && isIDB(p, l.Rel) {
						ok = false
					}
					if l.Kind == analysis.LitAtom && isIDB(p, l.Rel) && !out[l.Rel] {
						ok = false
					}
				}
				if !ok {
					out[h] = false
					changed = true
					break
				}
			}
		}
	}
	for _, r := range rules {
		for _, n := range refs(p, r) {
			if _, derived := byHead[n]; !derived {
				out[n] = false // an input of the rule set
			}
		}
	}
	return out
}

// maxCarry reports whether next-tick rule r, r(X) :+ b(X), carries its head
// through a maximum (above); driven tells whether a rule has a positive
// input atom.
func maxCarry(p *analysis.Program, r *analysis.Rule, byHead map[string][]*analysis.Rule, driven func(*analysis.Rule) bool) bool {
	if r.Kind != analysis.NextTick || len(r.Body) != 1 || !isCopy(r) {
		return false
	}
	h, b := r.Head.Rel, r.Body[0].Rel
	for _, o := range byHead[h] {
		if o != r && !(o.Kind == analysis.Sync && driven(o)) {
			return false
		}
	}
	bs := byHead[b]
	if !carrySelects(p, b, byHead) {
		return false
	}
	c, ok := selection(bs[0], byHead)
	if !ok {
		return false
	}
	copies := 0
	for _, o := range byHead[c] {
		switch {
		case o.Kind == analysis.Sync && len(o.Body) == 1 && o.Body[0].Rel == h && isCopy(o):
			copies++
		case o.Kind == analysis.Sync && driven(o):
		default:
			return false
		}
	}
	return copies > 0
}

// carrySelects: b has one same-tick rule, and it holds at most one fact,
// or it is a selection per group (its body the one atom c(X..), its head
// X.. with one of them under max or min; no projections).
func carrySelects(p *analysis.Program, b string, byHead map[string][]*analysis.Rule) bool {
	bs := byHead[b]
	if len(bs) != 1 || bs[0].Kind != analysis.Sync {
		return false
	}
	s := bs[0]
	perGroup := len(s.Body) == 1 && s.Body[0].Kind == analysis.LitAtom && len(s.Body[0].Args) == len(s.Head.Args) && selects(s, s.Body[0])
	return perGroup || atMostOne(p, b, byHead, map[string]bool{})
}

// isCopy: rule r is head(X..) <- body(X..), one positive atom with the
// head's distinct variables in the same order.
func isCopy(r *analysis.Rule) bool {
	if len(r.Body) != 1 || r.Body[0].Kind != analysis.LitAtom || r.Head.HasAggregate || len(r.Body[0].Args) != len(r.Head.Args) {
		return false
	}
	seen := map[int]bool{}
	for i, a := range r.Body[0].Args {
		h := r.Head.Args[i].Term
		if a.Op != analysis.TermVar || h == nil || h.Op != analysis.TermVar || h.Var != a.Var || seen[a.Var] {
			return false
		}
		seen[a.Var] = true
	}
	return true
}

// selection checks that rule s selects one fact of a relation c: a
// positive atom c(X1..Xk) of distinct variables, a head of X1..Xk in order
// with exactly one under max or min, and otherwise only atoms m(Y..) of
// projections of c (projection) agreeing with the c atom. It returns c.
func selection(s *analysis.Rule, byHead map[string][]*analysis.Rule) (string, bool) {
	var catom *analysis.Lit
	for i, l := range s.Body {
		if l.Kind == analysis.LitAtom && len(l.Args) == len(s.Head.Args) && selects(s, l) {
			catom = &s.Body[i]
			break
		}
	}
	if catom == nil {
		return "", false
	}
	col := map[int]int{} // variable slot -> column of c
	for i, a := range catom.Args {
		col[a.Var] = i
	}
	for i := range s.Body {
		l := &s.Body[i]
		if l == catom {
			continue
		}
		if l.Kind != analysis.LitAtom || !projection(l, catom.Rel, col, byHead) {
			return "", false
		}
	}
	return catom.Rel, true
}

// selects: the head of s is the atom's variables in order, one of them
// under max or min.
func selects(s *analysis.Rule, l analysis.Lit) bool {
	aggs := 0
	seen := map[int]bool{}
	for i, a := range l.Args {
		if a.Op != analysis.TermVar || seen[a.Var] {
			return false
		}
		seen[a.Var] = true
		h := s.Head.Args[i]
		switch {
		case h.Agg != nil:
			if (h.Agg.Func != syntax.AggMax && h.Agg.Func != syntax.AggMin) || len(h.Agg.Vars) != 1 || h.Agg.Vars[0] != a.Var {
				return false
			}
			aggs++
		case h.Term == nil || h.Term.Op != analysis.TermVar || h.Term.Var != a.Var:
			return false
		}
	}
	return aggs == 1
}

// projection: atom l reads a relation m with one same-tick rule
// m(..) :- c(W..) whose head arguments are variables of W or max/min of
// one, and l's arguments are the variables of the selection's c atom at
// the columns m's head takes from W. When c holds one fact, m holds its
// projection, and l holds for it.
func projection(l *analysis.Lit, c string, col map[int]int, byHead map[string][]*analysis.Rule) bool {
	ms := byHead[l.Rel]
	if len(ms) != 1 || ms[0].Kind != analysis.Sync || len(ms[0].Body) != 1 || ms[0].Body[0].Kind != analysis.LitAtom || ms[0].Body[0].Rel != c {
		return false
	}
	m := ms[0]
	wcol := map[int]int{}
	for i, a := range m.Body[0].Args {
		if a.Op == analysis.TermVar {
			if _, dup := wcol[a.Var]; dup {
				return false
			}
			wcol[a.Var] = i
		} else if a.Op != analysis.TermWildcard {
			return false
		}
	}
	if len(l.Args) != len(m.Head.Args) {
		return false
	}
	for j, h := range m.Head.Args {
		var v int
		switch {
		case h.Agg != nil:
			if (h.Agg.Func != syntax.AggMax && h.Agg.Func != syntax.AggMin) || len(h.Agg.Vars) != 1 {
				return false
			}
			v = h.Agg.Vars[0]
		case h.Term != nil && h.Term.Op == analysis.TermVar:
			v = h.Term.Var
		default:
			return false
		}
		w, ok := wcol[v]
		if !ok {
			return false
		}
		a := l.Args[j]
		if a.Op != analysis.TermVar {
			return false
		}
		if cc, ok := col[a.Var]; !ok || cc != w {
			return false
		}
	}
	return true
}

// atMostOne reports whether rel (derived by one same-tick rule) holds at
// most one fact: every head argument is an aggregate, a constant, or a
// variable bound by a positive atom of a relation with at most one fact.
func atMostOne(p *analysis.Program, rel string, byHead map[string][]*analysis.Rule, visiting map[string]bool) bool {
	rs := byHead[rel]
	if len(rs) != 1 || rs[0].Kind != analysis.Sync || visiting[rel] {
		return false
	}
	visiting[rel] = true
	defer delete(visiting, rel)
	r := rs[0]
	for _, h := range r.Head.Args {
		if h.Agg != nil || (h.Term != nil && h.Term.Op == analysis.TermConst) {
			continue
		}
		if h.Term == nil || h.Term.Op != analysis.TermVar {
			return false
		}
		bound := false
		for _, l := range r.Body {
			if l.Kind != analysis.LitAtom {
				continue
			}
			for _, a := range l.Args {
				if a.Op == analysis.TermVar && a.Var == h.Term.Var && atMostOne(p, l.Rel, byHead, visiting) {
					bound = true
				}
			}
		}
		if !bound {
			return false
		}
	}
	return true
}
