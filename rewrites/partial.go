package rewrites

import (
	"sort"

	"github.com/dsim-project/dsim/semantics/analysis"
)

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
	// Writes are the message inputs the replicated part reads (the
	// step's INPUTs), Seals the replies to seal across the partitions
	// (seal=), Local the partitioned aggregates each partition computes
	// over its own part (partagg.go); both empty when there are none.
	Writes, Seals, Local []string
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
		ws := writesOf(p, comp, extra)
		seals, local := sealsFor(p, comp, extra, ws)
		pol, conflict := findPolicy(p, comp, true, nil, extra, set(local))
		if conflict != nil {
			return nil
		}
		state := false // a derived relation is partitioned, not only inputs routed
		for r := range pol {
			state = state || !contains(comp.Inputs, r)
		}
		if !state {
			return nil
		}
		// As in the mechanism (partialpart.go), the state machine test is
		// applied to the component as a whole.
		sm, _ := IsStateMachine(p, comp.Rules)
		for _, w := range ws {
			delete(pol, w)
		}
		return &Partial{Replicated: keys(extra, nil), Policy: pol, StateMachines: sm, Writes: ws, Seals: seals, Local: local}
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
// replicates with it. A relation is replicated when nothing it depends on
// (through the bodies, transitively) is another input of comp, and it
// depends on a chosen write; a cycle through the writes alone (BasePaxos's
// promise: promised feeds cand, cand newBallot, newBallot promised in the
// next tick) is replicated whole. The relations of that kind that depend
// on no write but that the replicated ones read (a start flag) are
// replicated with them, so that the replicated part reads nothing the
// partitioned part derives.
func downstream(p *analysis.Program, comp *analysis.Component, chosen []string) map[string]bool {
	byHead := map[string][]*analysis.Rule{}
	for _, r := range comp.Rules {
		byHead[r.Head.Rel] = append(byHead[r.Head.Rel], r)
	}
	heads := sortedHeads(byHead)
	// reach(seed): seed plus every relation whose bodies read one, not
	// through the chosen relations (replicated as they are, whatever they
	// read).
	reach := func(seed map[string]bool) map[string]bool {
		for changed := true; changed; {
			changed = false
			for _, h := range heads {
				if contains(chosen, h) {
					continue
				}
				for _, r := range byHead[h] {
					for _, n := range refs(p, r) {
						if seed[n] && !seed[h] {
							seed[h] = true
							changed = true
						}
					}
				}
			}
		}
		return seed
	}
	other := map[string]bool{}
	for _, in := range comp.Inputs {
		if !contains(chosen, in) {
			other[in] = true
		}
	}
	bad := reach(other)
	out := reach(set(chosen))
	for h := range out {
		if bad[h] {
			delete(out, h)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, h := range heads {
			if !out[h] {
				continue
			}
			for _, r := range byHead[h] {
				for _, n := range refs(p, r) {
					if !out[n] && !bad[n] && len(byHead[n]) > 0 {
						out[n] = true
						changed = true
					}
				}
			}
		}
	}
	return out
}

// writesOf lists the inputs of comp that the rules of the replicated part
// rep read, in comp's input order: the writes a partial partitioning
// step names.
func writesOf(p *analysis.Program, comp *analysis.Component, rep map[string]bool) []string {
	var ws []string
	for _, in := range comp.Inputs {
		for _, r := range comp.Rules {
			if rep[r.Head.Rel] && contains(refs(p, r), in) && !contains(ws, in) {
				ws = append(ws, in)
			}
		}
	}
	return ws
}

// sealsFor finds, when comp has partitioned aggregates (partagg.go), the
// replies partitioned sealing must seal so that partial partitioning with
// replicated part rep and writes ws applies: every relation comp sends
// that reads such an aggregate, and every other reply to a write that
// carries comp's own address (sealAllReplies). It returns them sorted,
// with the aggregates and existence flags computed per partition, or
// nothing when there are no candidates or the preconditions of sealing
// or of partitioned aggregates fail with them (the step is then refused
// without seal= as well, and the policy search reports why).
func sealsFor(p *analysis.Program, comp *analysis.Component, rep map[string]bool, ws []string) (seals, local []string) {
	aggs, _, _, _ := aggCandidates(p, comp, rep)
	if len(aggs) == 0 || len(ws) == 0 {
		return nil, nil
	}
	add := func(r string) {
		if !contains(seals, r) {
			seals = append(seals, r)
		}
	}
	for _, r := range comp.Rules {
		for _, n := range refs(p, r) {
			if aggs[n] != nil && r.Kind == analysis.Async {
				add(r.Head.Rel)
			}
		}
	}
	if len(seals) == 0 {
		return nil, nil
	}
	// The other replies with comp's address must be sealed too.
	for _, r := range unsealedReplies(p, comp, ws, seals) {
		add(r.Head.Rel)
	}
	sort.Strings(seals)
	for _, r := range seals {
		if sealPre(p, comp, ws, r) != nil {
			return nil, nil
		}
	}
	if sealAllReplies(p, comp, ws, seals) != nil {
		return nil, nil
	}
	all, _, err := partAggs(p, comp, rep, seals)
	if err != nil {
		return nil, nil
	}
	return seals, sortedKeys(all)
}
