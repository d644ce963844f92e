package checker

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the derived state guide, the third run of the state
// guide (docs/CHECKING.md, "The search", step 2). The state guide delivers
// a message of the original when some piece of its receiver came to carry
// a fact with the message's tuple in the rewritten run; any relation's
// fact counts, so a coincidence misleads it: in corpus/micro/partial the
// partition's pendingW(1) (a write's index, carried from the vote request)
// has the tuple of newBallot(1) (the ballot) and is carried long before
// the ballot is applied. The derived guide counts only facts of the
// relations the original derives from the message's relation directly (a
// rule of the original with the message's relation in its body and that
// relation in its head: ballots(b) :- newBallot(b)), which a faithful
// rewrite keeps under the same name. It delivers the message at the tick
// in which the piece derived the fact (not from the next tick, as the
// state guide does): the original derives it in the tick that receives
// the message and reacts in that tick, as the piece did.

// derivedFrom maps each relation of the original to the relations its
// rules derive from it directly (sorted, without duplicates).
func derivedFrom(orig *analysis.Program) map[string][]string {
	out := map[string][]string{}
	for _, r := range orig.Rules {
		if r.Kind == analysis.Async {
			continue
		}
		for _, l := range r.Body {
			if l.Kind != analysis.LitAtom || l.Rel == r.Head.Rel {
				continue
			}
			if !slices.Contains(out[l.Rel], r.Head.Rel) {
				out[l.Rel] = append(out[l.Rel], r.Head.Rel)
			}
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// settledRelKey keys target.settledRel: mapped node, relation, tuple.
func settledRelKey(n value.Addr, rel string, t value.Tuple) string {
	return n.String() + ">" + rel + ">" + t.Key()
}

// settledDerivedAt is settledAt (first adoption) restricted to the facts
// of relations the original derives from f's relation.
func (t *target) settledDerivedAt(to value.Addr, f value.Fact, now int64) (int64, bool) {
	return t.firstSettledIn(t.derives[f.Rel], to, f.Tuple, now)
}

// firstSettledIn is the delay after now of the first tick in which a piece
// of to came to carry a fact of one of rels with tuple tup.
func (t *target) firstSettledIn(rels []string, to value.Addr, tup value.Tuple, now int64) (int64, bool) {
	best, ok := int64(0), false
	for _, rel := range rels {
		ts := t.settledRel[settledRelKey(to, rel, tup)]
		i, _ := slices.BinarySearch(ts, now+1)
		if i < len(ts) && (!ok || ts[i]-now < best) {
			best, ok = ts[i]-now, true
		}
	}
	return best, ok
}

// reachableFrom closes derivedFrom: each relation of the original maps to
// every relation its rules derive from it through any chain of rules
// (sorted). The response-state guide (responseguide.go) uses it to find
// the carried state a message leads to several rules later: a Paxos p1a
// reaches the acceptor's carried promise through cand and newBallot, which
// are derived within the tick and so never appear as carried state.
func reachableFrom(derives map[string][]string) map[string][]string {
	out := map[string][]string{}
	for rel := range derives {
		seen := map[string]bool{}
		queue := slices.Clone(derives[rel])
		for len(queue) > 0 {
			r := queue[0]
			queue = queue[1:]
			if seen[r] {
				continue
			}
			seen[r] = true
			queue = append(queue, derives[r]...)
		}
		for r := range seen {
			out[rel] = append(out[rel], r)
		}
		slices.Sort(out[rel])
	}
	return out
}

// settledReachableAt is settledDerivedAt over every relation the original
// derives from f's relation through a chain of rules: the first tick after
// now in which a piece of to derived a carried fact of one of them with
// f's tuple.
func (t *target) settledReachableAt(to value.Addr, f value.Fact, now int64) (int64, bool) {
	return t.firstSettledIn(t.reaches[f.Rel], to, f.Tuple, now)
}
