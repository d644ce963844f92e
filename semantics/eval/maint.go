package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Maintained relations: delta-driven joins, filters and negation across
// ticks, by derivation counts (the counting algorithm of incremental view
// maintenance).
//
// Every relation X of a tick from State S has a state part X_S, its value
// in a tick from S with nothing delivered, and a tick value X_T. A
// maintained relation h is one whose only stratum is itself (no
// recursion) and whose rules are plain (no aggregate, no choose or
// index(), no Choices at all) over relations whose change between ticks
// is known: carried relations, deliveries, static facts, state-derived
// relations (memo.go), incrementally aggregated relations (incragg.go)
// and other maintained relations. The State keeps h_S with each tuple's
// number of derivations (a cntMemo). A tick computes h_T from h_S and the
// signed changes of the rules' inputs (dDelta) instead of re-joining
// everything: for a rule with one changed literal, each added row of it
// adds the rule's derivations through that row, each removed one takes
// them away (a negated literal the other way round); a tuple is in h_T
// while its count is positive. The next State's h_S' is h_T updated in the
// same way with the changes from the tick to the next State (a delivery
// leaving, a GC rule dropping rows). A rule with two or more changed
// literals (a join of two relations that both changed), an input whose
// change is not known, a State without the memo, or any error in the
// delta path send the rule's relation to the full path, which counts the
// derivations while it evaluates, so the next State has the memo again.
// A rule with exactly two changed positive atoms (a self-join over a
// relation that changes, a join of two changing relations) is maintained
// by the bilinear delta (maint_pair.go).
// Errors always come from the full path: a relation whose delta path
// meets one is evaluated again on it (maintStratum), which reports the
// first failing binding in plan order as the rest of the evaluator does.

// mKind says how the change of a maintained rule's input is known.
type mKind uint8

const (
	kBase   mKind = iota // no static facts; state part = the State's rows (carried, delivered)
	kStatic              // static facts only: unchanged unless a delivery adds to it
	kState               // state-derived (memo.go): unchanged in a tick; between States while the memo carries
	kAgg                 // head of an incrementally aggregated rule: incragg.go reports the changed groups
	kMaint               // another maintained relation
)

// mRel is one maintained relation, compiled once per engine.
type mRel struct {
	rel   string
	idx   int // position in maintPlan.rels
	si    int // its stratum
	rules []*mRule
	acc   *table // accumulator of changes (maint_tick.go); its rows go into memos
}

// mRule is one rule of a maintained relation with its plans: the full
// plan (counting sink) and one driver plan per atom or negated atom
// (that literal first, scanning a given list of changed rows).
type mRule struct {
	rule   *analysis.Rule
	lits   []int       // body positions of atoms and negated atoms
	kinds  []mKind     // by lits
	in     []int       // by lits: position in maintPlan.inputs
	full   *plan       // nil until first used
	driver []*plan     // by lits; nil until first used
	pairs  []pairPlan  // plans for two changed literals (maint_pair.go)
	buf    value.Tuple // head scratch
}

// cntMemo is a maintained relation's tuples (sorted) with their numbers
// of derivations, and each rule's number of derivations (by position in
// mRel.rules; a rule fired iff it has any). Immutable once made; States
// share it.
type cntMemo struct {
	rows    []value.Tuple
	sortedN int                         // rows[:sortedN] sorted, the rest a tail (patchTail)
	tip     *memoTip                    // the room behind rows (memorows.go); nil: none
	cnt     memoSeq[value.Tuple, int64] // by row; persistent, so a tick copies the chunks it changes
	fired   []int64
	ix      ixHolder // persistent indexes over rows (stateidx.go)
}

// rel returns m's rows as a rel (run and tail).
func (m *cntMemo) rel() rel { return tailRel(m.rows, m.sortedN) }

// dDelta is a relation's signed change between two of its values, as
// sorted, distinct rows; ok is false when the change is not known.
type dDelta struct {
	ok       bool
	add, del []value.Tuple
}

func (d dDelta) empty() bool { return d.ok && len(d.add) == 0 && len(d.del) == 0 }

// maintPlan is a component's maintained relations, in stratum order, and
// the kind of every relation their rules read.
type maintPlan struct {
	rels    []*mRel       // in stratum order
	byStrat map[int]*mRel // by stratum index
	inputs  []mInput      // the relations their rules read, each once
	statics []string      // kStatic relations read, sorted (a delivery of one spoils the tick's deltas)
}

// mInput is a relation maintained rules read, with its kind.
type mInput struct {
	rel  string
	kind mKind
}

// planMaint classifies the component's relations (once per engine).
//
// Any relation's change is known exactly in the last resort (kBase): its
// tick table starts with the State's rows and only grows, so the rows it
// gained are those beyond the State's, and what the next State lost or
// gained against the tick is a merge of two sorted runs. The other kinds
// report smaller changes: none at all for static and state-derived
// relations, the changed groups of an aggregate, the changed tuples of a
// maintained relation. The "value at a State" each kind implies (the
// State's rows; the tick's value; the groups over the State's rows) is
// the same in pass 2, which makes the next State's memo, and in pass 1
// of the ticks from that State, which is all the counting needs.
func planMaint(comp *analysis.Component, mp *memoPlan, aggs func(*analysis.Rule) bool) *maintPlan {
	static := map[string]bool{}
	for _, f := range comp.Facts {
		static[f.Rel] = true
	}
	carried := map[string]bool{}
	syncRules := map[string][]*analysis.Rule{}
	for _, r := range comp.Rules {
		switch r.Kind {
		case analysis.NextTick, analysis.Persist:
			carried[r.Head.Rel] = true
		case analysis.Sync:
			syncRules[r.Head.Rel] = append(syncRules[r.Head.Rel], r)
		}
	}
	kind := map[string]mKind{}
	for _, name := range mp.derived {
		kind[name] = kState
	}
	for x, rules := range syncRules { // order-free: one entry each
		if _, ok := kind[x]; !ok && len(rules) == 1 && !carried[x] && !static[x] && aggs(rules[0]) {
			kind[x] = kAgg
		}
	}
	p := &maintPlan{byStrat: map[int]*mRel{}}
	for si := range comp.Strata {
		st := &comp.Strata[si]
		x := st.Relations[0]
		if _, ok := kind[x]; ok || len(st.Relations) != 1 || carried[x] || static[x] || slices.Contains(comp.Inputs, x) {
			continue
		}
		ok := true
		for _, r := range st.Rules {
			if r.Head.HasAggregate || r.Head.At != nil {
				ok = false
			}
			for i := range r.Body {
				if l := &r.Body[i]; (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && l.Rel == x {
					ok = false
				}
			}
		}
		if !ok {
			continue
		}
		m := &mRel{rel: x, idx: len(p.rels), si: si}
		for _, r := range st.Rules {
			mr := &mRule{rule: r}
			for _, li := range r.Plan {
				l := &r.Body[li]
				if l.Kind != analysis.LitAtom && l.Kind != analysis.LitNegated {
					continue
				}
				k, known := kind[l.Rel]
				switch {
				case p.byRel(l.Rel) != nil:
					k = kMaint
				case known:
				case len(syncRules[l.Rel]) > 0 && !carried[l.Rel]:
					// Derived on the full path and carried in no
					// State: all of it would change every tick.
					ok = false
				case static[l.Rel] && !carried[l.Rel] && len(syncRules[l.Rel]) == 0:
					k = kStatic
					if !slices.Contains(p.statics, l.Rel) {
						p.statics = append(p.statics, l.Rel)
					}
				default:
					k = kBase
				}
				in := slices.IndexFunc(p.inputs, func(x mInput) bool { return x.rel == l.Rel })
				if in < 0 {
					in = len(p.inputs)
					p.inputs = append(p.inputs, mInput{rel: l.Rel, kind: k})
				}
				mr.lits = append(mr.lits, li)
				mr.kinds = append(mr.kinds, k)
				mr.in = append(mr.in, in)
			}
			m.rules = append(m.rules, mr)
		}
		if !ok {
			continue
		}
		p.rels = append(p.rels, m)
		p.byStrat[si] = m
	}
	slices.Sort(p.statics)
	return p
}

// byRel returns the maintained relation rel (nil if it is not one).
func (p *maintPlan) byRel(rel string) *mRel {
	for _, m := range p.rels {
		if m.rel == rel {
			return m
		}
	}
	return nil
}

// canDrive reports whether body literal l can be a driver with its
// changed rows as they are: a positive atom always; a negated one when it
// has no wildcard (so each changed row is exactly one binding of its
// arguments, and it turns the negation over for the bindings of the rest
// of the rule that match it). A negated atom with trailing wildcards
// drives with the rows keyFlips picks instead (maint_neg.go).
func canDrive(l *analysis.Lit) bool {
	if l.Kind == analysis.LitAtom {
		return true
	}
	for i := range l.Args {
		if l.Args[i].Op == analysis.TermWildcard {
			return false
		}
	}
	return true
}

// mergeCounts returns m with the signed count changes d (tuples sorted
// and distinct, parallel counts) applied (fired left to the caller), and
// the tuples that came and went; ok is false when a count would
// go negative (an inconsistency: the caller takes the full path). The
// counts are a persistent sequence: only the chunks holding a changed
// tuple are copied, and the rows only when a tuple comes or goes.
func mergeCounts(m *cntMemo, keys []value.Tuple, d []int64) (out *cntMemo, add, del []value.Tuple, ok bool) {
	if len(keys) == 0 {
		out = &cntMemo{rows: m.rows, sortedN: m.sortedN, tip: m.tip, cnt: m.cnt}
		out.ix.shareFrom(&m.ix)
		return out, nil, nil, true
	}
	upds := make([]memoUpd[value.Tuple, int64], 0, len(keys))
	for j, k := range keys {
		old, c, found := m.cnt.find(k, compareTuples)
		n := c + d[j]
		switch {
		case n < 0:
			return nil, nil, nil, false
		case n == 0:
			if found {
				del = append(del, old)
				upds = append(upds, memoUpd[value.Tuple, int64]{key: old, del: true})
			}
		default:
			if !found {
				old = k
				add = append(add, k)
			}
			upds = append(upds, memoUpd[value.Tuple, int64]{key: old, pay: n})
		}
	}
	out = &cntMemo{cnt: m.cnt.with(upds, compareTuples)}
	out.rows, out.sortedN, out.tip = patchTail(m.rows, m.sortedN, m.tip, del, add)
	if len(add) == 0 && len(del) == 0 {
		// Only counts changed: the same rows, so the same tries (a
		// memo without them costs the next tick that probes it a
		// rebuild from every row).
		out.ix.shareFrom(&m.ix)
	}
	return out, add, del, true
}
