package sim

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds the synchronous model's one pruning, a static form of
// lineage: the loss of a message can only change the spec's verdict if the
// spec depends on the message's relation. A relation is relevant when a
// .final or .invariant relation depends on it through the rules (any
// rule kind, negated and aggregated reads included; for located programs
// also through outboxes and round snapshots). A channel whose messages in
// a round are all of irrelevant relations is not branched on: losing them
// or not gives the same spec facts, so the search delivers them and counts
// both choices in Covered. TestSyncPruningMatchesBruteForce checks the
// claim against a search that prunes and merges nothing.

// specRelevant returns the relations the spec depends on.
func specRelevant(p *analysis.Program, extra map[string][]string) map[string]bool {
	deps := map[string][]string{}
	for _, r := range p.Rules {
		for _, l := range r.Body {
			if l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
				deps[r.Head.Rel] = append(deps[r.Head.Rel], l.Rel)
			}
		}
	}
	for k, v := range extra {
		deps[k] = append(deps[k], v...)
	}
	rel := map[string]bool{}
	var work []string
	for _, r := range p.Relations {
		if r.Final || r.Invariant {
			rel[r.Name] = true
			work = append(work, r.Name)
		}
	}
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		for _, y := range deps[x] {
			if !rel[y] {
				rel[y] = true
				work = append(work, y)
			}
		}
	}
	return rel
}

// targetRelevant computes the relevant relations of a sync target.
func targetRelevant(t SyncTarget) map[string]bool {
	if t.Located != nil {
		lp := t.Located
		extra := map[string][]string{}
		for _, a := range lp.Async {
			extra[a.Rel] = append(extra[a.Rel], a.Outbox)
		}
		for _, sn := range lp.Snapshots {
			extra[sn.As] = append(extra[sn.As], sn.Rel)
		}
		return specRelevant(lp.Prog, extra)
	}
	return specRelevant(t.Program, nil)
}

// splitChannels sorts the non-empty channels of a round into those whose
// losses must be branched on and counts those that carry only messages
// the spec does not depend on.
func (s *syncSearch) splitChannels(t int64, msgs []syncMsg, sc *syncScenario) (branch []syncChan, pruned int) {
	var all, rel []syncChan
	for _, m := range msgs {
		c := syncChan{m.from, m.to}
		if c.from == c.to || sc.silent(c.from, t) {
			continue
		}
		if !slices.Contains(all, c) {
			all = append(all, c)
		}
		if (s.relevant == nil || s.relevant[m.fact.Rel]) && !slices.Contains(rel, c) {
			rel = append(rel, c)
		}
	}
	return rel, len(all) - len(rel)
}

// satMulPow2 multiplies n by 2^k without wrapping.
func satMulPow2(n uint64, k int) uint64 {
	for range k {
		if n > ^uint64(0)/2 {
			return ^uint64(0)
		}
		n *= 2
	}
	return n
}
