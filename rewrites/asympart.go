package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Asymmetric decoupling onto a partitioned NEW: `asymmetric C -> NEW :
// SELECTOR... partitions=N key=REL.COLUMN` decouples as usual and then
// partitions NEW by co-hashing, ScalablePaxos's p2b proxy leaders
// partitioned on the slot (paper §5.2: "both can be partitioned on
// sequence numbers with co-hashing").
//
// The relations the decoupling generated in NEW — the batch numbering,
// the buffers of held outputs, the acknowledgements, NEW's own index — are
// per-partition bookkeeping, not state of C2: each partition numbers its
// own batches, sends them to C[j mod n] (C admits batches per sender, in
// order) and holds its own outputs until its own batches are
// acknowledged; the acknowledgements go to the partition that sent the
// batch. So they need no key (they are left out of the policy, as
// partial partitioning leaves out replicated relations) and the rule
// counting NEW's instances keeps counting all of them. The precondition
// is co-hashing's over C2's own rules: a policy under which every proof
// tree of C2 lies on one partition.
//
// Why that is sound: the run of the original that explains a run of the
// output delivers each partition's batch to C in the tick C admits it, as
// for one NEW (asymmetric.go). Batches of several partitions may be
// admitted in one tick; there C2 sees their union, and since every rule of
// C2 joins, groups and negates within one key (the policy), C2 over the
// union derives the union of what each partition derived over its own
// batch, its state being the disjoint union of the partitions' states.
// Each output is held until its own partition's batch is acknowledged,
// which is no earlier than the original could emit it.

// partitionedC2Pre checks, on the step's input, that C2's own rules have
// a co-hashing policy (with the step's pinned keys), so that a refusal
// points at C2's rules in the program the user wrote.
func partitionedC2Pre(p *analysis.Program, st Step, c *analysis.Component, c2 []*analysis.Rule) error {
	name, cite := Cohash.Name(), kindCite[Cohash]
	fixed, err := pinned(p, st)
	if err != nil {
		return err
	}
	v := VocabOf(p, c2)
	sub := &analysis.Component{Name: c.Name, Pos: c.Pos, Count: c.Count, Rules: c2, Inputs: v.Inputs, References: v.References, Heads: v.Heads, Outputs: v.Outputs}
	if _, conflict := findPolicy(p, sub, false, fixed, nil, nil); conflict != nil {
		hint := "partition " + st.New + " on an attribute every rule of C2 joins, groups and anti-joins on, or decouple without partitions="
		if conflict.Rule == nil {
			return refuse(p, c.Pos, name, "a consistent distribution policy", hint, "no distribution policy for C2 of %s: %s (%s)", c.Name, conflict.Reason, cite)
		}
		return refuse(p, conflict.Rule.Pos, name, "a consistent distribution policy", hint,
			"rule at %s: %s; no distribution policy for C2 (to be %s) is consistent with every rule (%s)", at(p, conflict.Rule), conflict.Reason, st.New, cite)
	}
	return nil
}

// partitionDecoupled partitions NEW after Decouple wrote the asymmetric
// decoupling into p (not yet printed). c2 are the selected rules of the
// step's input.
func partitionDecoupled(p *analysis.Program, name string, st Step, c2 []*analysis.Rule, pos syntax.Pos) (*analysis.Program, Policy, error) {
	mid := fmt.Sprintf("%s (after %s)", name, st.Kind.Name())
	src := syntax.Print(p.File)
	np, diags := analysis.Load(mid, src)
	if len(diags) > 0 {
		return nil, nil, fmt.Errorf("%s produced a program that does not vet (a bug of the rewrite engine):\n%s\n%s", st.Kind.Name(), diags.Render(src), src)
	}
	own := map[string]bool{}
	for _, r := range c2 {
		own[r.Head.Rel] = true
	}
	nc := np.Component(st.New)
	if nc == nil {
		return nil, nil, fmt.Errorf("%s: no component %s after decoupling (a bug of the rewrite engine)", st.Kind.Name(), st.New)
	}
	read := set(VocabOf(np, c2).Inputs)
	generated := map[string]bool{}
	for _, h := range nc.Heads {
		if !own[h] {
			generated[h] = true
		}
	}
	// What C sends NEW besides C2's inputs: the acknowledgements, sent
	// back to the partition that sent the batch (its address is in the
	// batch), not by key.
	for _, in := range nc.Inputs {
		if !read[in] {
			generated[in] = true
		}
	}
	fixed, err := pinned(np, st)
	if err != nil {
		return nil, nil, err
	}
	pol, _, err := partition(np, Cohash, st.New, st.Partitions, fixed, pos, generated, generated, nil)
	if err != nil {
		return nil, nil, err
	}
	return np, pol, nil
}
