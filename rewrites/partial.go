package rewrites

import "github.com/dsim-project/dsim/semantics/analysis"

// Partial partitioning (paper §4.3, report App. B.3): when no policy
// partitions every relation of C, some relations may be replicated on
// every partition instead (their writes then need a coordinator so that
// all partitions apply them in one order) and the rest partitioned.
//
// PartialPlan finds the smallest set of relations to replicate, trying
// single relations first and then pairs, in name order: a relation r is a
// candidate when it is in C's scope and the relations C derives from it are
// replicated with it. The precondition of the rewrite also asks that the
// replicated part be independent of the partitioned part and that both be
// state machines; PartialPlan checks independence and reports the state
// machine test's outcome. The mechanism is PartialPartition
// (partialpart.go).

// Partial is the outcome of PartialPlan.
type Partial struct {
	Replicated    []string // relations kept on every partition, sorted
	Policy        Policy   // the policy of the rest
	StateMachines bool     // the component passes the state machine test
}

// PartialPlan searches for a partial partitioning of comp; nil if none
// replicating at most two relations exists.
func PartialPlan(p *analysis.Program, comp *analysis.Component) *Partial {
	rep := replicated(p, comp)
	rels := scope(p, comp, rep)
	try := func(chosen []string) *Partial {
		extra := downstream(p, comp, chosen)
		var c1, c2 []*analysis.Rule
		for _, r := range comp.Rules {
			if extra[r.Head.Rel] {
				c1 = append(c1, r)
			} else {
				c2 = append(c2, r)
			}
		}
		if ok, _ := Independent(p, c1, c2); !ok {
			return nil
		}
		pol, conflict := findPolicy(p, comp, true, nil, extra)
		if conflict != nil {
			return nil
		}
		// As in the mechanism (partialpart.go), the state machine test is
		// applied to the component as a whole.
		sm, _ := IsStateMachine(p, comp.Rules)
		return &Partial{Replicated: keys(extra, nil), Policy: pol, StateMachines: sm}
	}
	for _, r := range rels {
		if got := try([]string{r}); got != nil {
			return got
		}
	}
	for i := range rels {
		for j := i + 1; j < len(rels); j++ {
			if got := try([]string{rels[i], rels[j]}); got != nil {
				return got
			}
		}
	}
	return nil
}

// downstream returns chosen plus every relation comp derives only from
// relations in the set (and static ones): what replicating chosen
// replicates with it.
func downstream(p *analysis.Program, comp *analysis.Component, chosen []string) map[string]bool {
	out := set(chosen)
	byHead := map[string][]*analysis.Rule{}
	for _, r := range comp.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	for changed := true; changed; {
		changed = false
		for _, h := range sortedHeads(byHead) {
			if out[h] {
				continue
			}
			ok, any := true, false
			for _, r := range byHead[h] {
				for _, n := range refs(p, r) {
					if n == h {
						continue
					}
					any = true
					if !out[n] {
						ok = false
					}
				}
			}
			if ok && any {
				out[h] = true
				changed = true
			}
		}
	}
	return out
}
