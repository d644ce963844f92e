package rewrites

import (
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Partitioned aggregates (report App. B.3 with B.4): after partial
// partitioning, a relation with no column to key on that C derives from
// its partitioned relations — BasePaxos's logSize(count(slot)) over the
// accepted log, and the flag anyAccepted() behind its default of 0 — would
// differ between partitions, so no distribution policy exists. It can still
// be computed per partition when its value leaves C only in a reply sealed
// across the partitions (`seal=`): each partition sends its own part of
// the aggregate, and the receiver combines the parts of one reply (the sum
// of counts or sums, the maximum of maxima, the minimum of minima) once
// every partition's part arrived.
//
// Precondition (partAggs and partAggKeys), for each such relation A:
//
//   - A has one column and one aggregate rule A(f(..)) :- P(..). whose
//     body is one atom over a partitioned relation P (distinct variables or
//     _, nothing else), f one of count, sum, min, max; for count and sum,
//     the counted variables (count) or the body's (sum, count(*)) include
//     P's partition key, so that no counted value lies in two partitions
//     and the parts add up to the whole.
//   - Besides, only defaults A(0) :- S.., !E(). for count and sum, where S
//     are static or replicated atoms and E() :- P(..). is the existence of
//     the same P (one atom): a partition with no facts reports 0, and the
//     sum is still the whole count. E is read by nothing else.
//   - A is read only by rules sending a relation r sealed with seal=, and
//     only to put its value in one column of r (used nowhere else in the
//     rule); every rule sending r carries an aggregate in that column with
//     the same combination, and reads no other partitioned relation, so
//     every partition's part agrees on every other column.
//
// Why the combination is the original's value: every partition answers the
// same replicated write (index i), and no partition processes a
// partitioned input between voting on write i and applying it (it is
// frozen). The coordinator commits only once every partition voted, so
// there is a moment at which all of them are frozen: every partitioned
// input any partition processed before write i was processed before that
// moment, every one after it, after. The union of the partitions' facts of
// P when they apply write i is therefore the original's P at one point of
// a run in which the write arrived at that moment, and the replicated
// columns (the ballot) are the same at index i on every partition. The
// combined reply is what the original sent in that run; it is delivered
// whole at the time of the last part, which sealing argues is a delivery
// the original allows.

// forcePartAggs makes partAggs accept an aggregate that a rule other than
// a sealed reply reads (each partition then reads its own part): the
// negative control of TestPartitionedAggregates, which shows that the
// checker finds the forced program NotEquivalent. Tests only.
var forcePartAggs bool

// partAgg is a relation computed per partition and combined by a sealed
// reply's receiver: an aggregate (Func count, sum, min or max) or the
// existence flag behind a count's default (Func "").
type partAgg struct {
	Rel     string
	Func    syntax.AggFunc
	Over    string         // the partitioned relation aggregated
	Rule    *analysis.Rule // the aggregate (or existence) rule
	Combine string         // how a receiver combines the parts: sum, min, max
}

// aggCol is the column of a sealed relation that carries a partitioned
// aggregate, and how its parts combine.
type aggCol struct {
	Col     int
	Combine string
}

// partAggs finds C's partitioned aggregates and checks that only sealed
// replies carry them (see above). rep is the replicated part (with the
// replicated writes); seals the relations sealed with seal=. It returns the
// aggregates (to be kept per partition, outside the policy search) and,
// per sealed relation, its aggregate column. A relation of the shape whose
// readers break the precondition is refused, naming the reading rule.
func partAggs(p *analysis.Program, c *analysis.Component, rep map[string]bool, seals []string) (map[string]*partAgg, map[string]aggCol, error) {
	rw, cite := "partitioned aggregate", "App. B.3, B.4"
	aggs, exists, defaults, partitioned := aggCandidates(p, c, rep)
	// Readers: an aggregate only in a sealed reply's column, an existence
	// flag only in the default of an aggregate.
	cols := map[string]aggCol{}
	for _, h := range sortedKeys(aggs) {
		a := aggs[h]
		for _, r := range c.Rules {
			if r == a.Rule || !contains(refs(p, r), h) {
				continue
			}
			col, why := carried(r, h)
			if why == "" && (r.Kind != analysis.Async || !contains(seals, r.Head.Rel)) {
				why = "outside a reply sealed with seal= (" + r.Head.Rel + " is not)"
			}
			if why != "" && forcePartAggs {
				continue // the negative control: a partition's own part escapes
			}
			if why != "" {
				return nil, nil, refuse(p, r.Pos, rw, "only a sealed reply carries a partitioned aggregate",
					"read "+h+" only to send it in a reply to the replicated write, sealed across the partitions with seal=, whose receiver combines the parts",
					"rule at %s reads %s, the %s over the partitioned %s, %s; each partition knows only its own part (%s)", at(p, r), h, a.Func, a.Over, why, cite)
			}
			if prev, ok := cols[r.Head.Rel]; ok && prev != (aggCol{col, a.Combine}) {
				return nil, nil, refuse(p, r.Pos, rw, "only a sealed reply carries a partitioned aggregate", "carry one aggregate per sealed relation, in one column",
					"rule at %s puts %s in column %d of %s, which another rule or aggregate fills differently; the receiver combines one column one way (%s)", at(p, r), h, col+1, r.Head.Rel, cite)
			}
			cols[r.Head.Rel] = aggCol{col, a.Combine}
		}
	}
	for _, h := range sortedKeys(exists) {
		e := exists[h]
		for _, r := range c.Rules {
			if r == e.Rule || !contains(refs(p, r), h) {
				continue
			}
			if d := defaults[r]; d != e || aggs[r.Head.Rel] == nil {
				return nil, nil, refuse(p, r.Pos, rw, "only a sealed reply carries a partitioned aggregate",
					"read "+h+" only in the default (0) of a count or sum over "+e.Over+" that a sealed reply carries",
					"rule at %s reads %s, whether the partitioned %s has facts, which each partition knows only of its own part (%s)", at(p, r), h, e.Over, cite)
			}
		}
	}
	// A sealed relation with an aggregate column: every rule sending it
	// carries one there, and no other partitioned relation.
	for _, r := range sortedKeys(cols) {
		ac := cols[r]
		for _, ar := range c.Rules {
			if ar.Head.Rel != r {
				continue
			}
			col, agg := -1, ""
			for _, n := range refs(p, ar) {
				if aggs[n] != nil {
					col, _ = carried(ar, n)
					agg = n
				} else if partitioned(n) {
					return nil, nil, refuse(p, ar.Pos, rw, "only a sealed reply carries a partitioned aggregate",
						"send the aggregate in a reply that reads only it and replicated or static relations",
						"rule at %s sends %s with a partitioned aggregate and also reads the partitioned %s, so the partitions' parts would not agree on the other columns (%s)", at(p, ar), r, n, cite)
				}
			}
			if agg == "" || col != ac.Col || aggs[agg].Combine != ac.Combine {
				return nil, nil, refuse(p, ar.Pos, rw, "only a sealed reply carries a partitioned aggregate",
					"carry the aggregate in the same column in every rule sending "+r,
					"rule at %s sends %s without the partitioned aggregate in column %d that another rule sending it carries; the receiver would combine facts that are no parts (%s)", at(p, ar), r, ac.Col+1, cite)
			}
		}
	}
	all := map[string]*partAgg{}
	for h, a := range aggs {
		all[h] = a
	}
	for h, e := range exists {
		if used := firstReading(p, c.Rules, h); used == nil || defaults[used] == e {
			all[h] = e
		}
	}
	return all, cols, nil
}

// aggCandidates finds the relations of c that have the shape of a
// partitioned aggregate (one column, one aggregate rule over one
// partitioned atom, optionally count defaults) and the existence flags
// behind such defaults, before their readers are checked; rep is the
// replicated part. It also returns, per default rule, its flag, and the
// test of a relation being partitioned. partAggs checks the readers;
// PartialPlan uses the candidates to tell which replies to seal.
func aggCandidates(p *analysis.Program, c *analysis.Component, rep map[string]bool) (aggs, exists map[string]*partAgg, defaults map[*analysis.Rule]*partAgg, partitioned func(string) bool) {
	same := replicated(p, c)
	for r := range rep {
		same[r] = true
	}
	partitioned = func(n string) bool { return isIDB(p, n) && !same[n] }
	byHead := map[string][]*analysis.Rule{}
	for _, r := range c.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	// oneAtom is the partitioned relation a rule's body is a single atom of
	// (distinct variables or _), or "".
	oneAtom := func(r *analysis.Rule) string {
		if r.Kind != analysis.Sync || len(r.Body) != 1 || r.Body[0].Kind != analysis.LitAtom || !partitioned(r.Body[0].Rel) {
			return ""
		}
		seen := map[int]bool{}
		for _, t := range r.Body[0].Args {
			if t.Op == analysis.TermConst || (t.Op == analysis.TermVar && seen[t.Var]) {
				return ""
			}
			if t.Op == analysis.TermVar {
				seen[t.Var] = true
			}
		}
		return r.Body[0].Rel
	}
	exists = map[string]*partAgg{}
	for _, h := range sortedHeads(byHead) {
		rel := p.Relation(h)
		if same[h] || rel == nil || rel.Arity() != 0 || len(byHead[h]) != 1 {
			continue
		}
		if over := oneAtom(byHead[h][0]); over != "" && !byHead[h][0].Head.HasAggregate {
			exists[h] = &partAgg{Rel: h, Over: over, Rule: byHead[h][0]}
		}
	}
	aggs = map[string]*partAgg{}
	defaults = map[*analysis.Rule]*partAgg{} // a count's default rule -> its existence flag
	for _, h := range sortedHeads(byHead) {
		rel := p.Relation(h)
		if same[h] || rel == nil || rel.Arity() != 1 {
			continue
		}
		var a *partAgg
		var rest []*analysis.Rule
		for _, r := range byHead[h] {
			if g := r.Head.Args[0].Agg; g != nil && a == nil && oneAtom(r) != "" {
				comb := map[syntax.AggFunc]string{syntax.AggCount: "sum", syntax.AggSum: "sum", syntax.AggMin: "min", syntax.AggMax: "max"}[g.Func]
				if comb != "" {
					a = &partAgg{Rel: h, Func: g.Func, Over: oneAtom(r), Rule: r, Combine: comb}
					continue
				}
			}
			rest = append(rest, r)
		}
		if a == nil {
			continue
		}
		ok := true
		for _, r := range rest {
			e := defaultOf(p, r, same, exists)
			if e == nil || e.Over != a.Over || a.Combine != "sum" {
				ok = false
				break
			}
			defaults[r] = e
		}
		if ok {
			aggs[h] = a
		}
	}
	return aggs, exists, defaults, partitioned
}

// defaultOf returns the existence flag E when r is A(0) :- S.., !E(). with
// S static or replicated atoms; nil otherwise.
func defaultOf(p *analysis.Program, r *analysis.Rule, same map[string]bool, exists map[string]*partAgg) *partAgg {
	s := r.Source
	if r.Kind != analysis.Sync || s == nil || len(s.Head.Args) != 1 {
		return nil
	}
	if lit, ok := s.Head.Args[0].Expr.(*syntax.IntLit); !ok || lit.Value != 0 {
		return nil
	}
	var e *partAgg
	for _, l := range r.Body {
		switch {
		case l.Kind == analysis.LitNegated && exists[l.Rel] != nil && e == nil:
			e = exists[l.Rel]
		case l.Kind == analysis.LitAtom && (same[l.Rel] || !isIDB(p, l.Rel)):
		default:
			return nil
		}
	}
	return e
}

// carried returns the head column of r that is exactly the value of rel's
// one column, and "" as the reason; or a reason why the value is used
// otherwise.
func carried(r *analysis.Rule, rel string) (int, string) {
	v := -1
	for _, l := range r.Body {
		if l.Rel == rel && l.Kind == analysis.LitAtom && len(l.Args) == 1 && l.Args[0].Op == analysis.TermVar {
			v = l.Args[0].Var
		}
	}
	if v < 0 {
		return -1, "without binding its value to a variable"
	}
	uses := 0
	for _, l := range r.Body {
		for _, t := range append(append([]analysis.Term{}, l.Args...), l.Left, l.Right) {
			if t.UsesVar(v) {
				uses++
			}
		}
	}
	if uses != 1 {
		return -1, "and uses its value in the body"
	}
	col := -1
	for i, h := range r.Head.Args {
		if h.Term != nil && h.Term.Op == analysis.TermVar && h.Term.Var == v {
			if col >= 0 {
				return -1, "and puts its value in two columns"
			}
			col = i
		} else if (h.Term != nil && h.Term.UsesVar(v)) || h.Agg != nil {
			return -1, "and computes with its value in the head"
		}
	}
	if r.Head.At != nil && r.Head.At.UsesVar(v) {
		return -1, "and addresses with its value"
	}
	if col < 0 {
		return -1, "without sending its value"
	}
	return col, ""
}

// partAggKeys checks, once the policy of the partitioned part is known,
// that each count or sum counts by its relation's partition key: a value
// that two partitions hold would be counted twice.
func partAggKeys(p *analysis.Program, aggs map[string]*partAgg, pol Policy) error {
	for _, h := range sortedKeys(aggs) {
		a := aggs[h]
		if a.Combine != "sum" {
			continue
		}
		k, ok := pol[a.Over]
		r := a.Rule
		if !ok || k.Col >= len(r.Body[0].Args) {
			continue // P replicated after all: every partition holds it whole (never, since partitioned() excluded it)
		}
		t := r.Body[0].Args[k.Col]
		g := r.Head.Args[0].Agg
		counted := t.Op == analysis.TermVar
		if counted && g.Func == syntax.AggCount && !g.Star {
			counted = false
			for _, v := range g.Vars {
				if v == t.Var {
					counted = true
				}
			}
		}
		if !counted {
			rel := p.Relation(a.Over)
			return refuse(p, r.Pos, "partitioned aggregate", "a count or sum over the partition key",
				"count the partition key's column ("+k.String(p, rel)+") too, or aggregate with min or max",
				"rule at %s: %s over %s does not count by %s's partition key %s, so a value held by two partitions would be counted twice (App. B.3, B.4)",
				at(p, r), aggText(r.Source.Head.Args[0].Agg), a.Over, a.Over, k.String(p, rel))
		}
	}
	return nil
}

// aggText renders an aggregate head term, e.g. count(payload).
func aggText(g *syntax.Aggregate) string {
	if g.Star {
		return string(g.Func) + "(*)"
	}
	var xs []string
	for _, x := range g.Args {
		xs = append(xs, x.Name)
	}
	return string(g.Func) + "(" + strings.Join(xs, ", ") + ")"
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
