package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// State-machine decoupling (report App. A.4): C2 is neither monotonic nor
// functional, so the order and grouping of its inputs matter, but it is a
// state machine (statemachine.go): what it does in a tick depends on that
// tick's inputs and the order of earlier ones, never on the tick number.
// Then C2 may run elsewhere and later, as long as it sees the same
// sequence of input ticks. Mechanism: every input of C2 passes through C1
// (including the messages other components send C and C's client inputs,
// which are not redirected) and travels to C2 in batches (batch.go), one
// per tick of C1 with any of them; C2 admits the batches whole, in order,
// one per tick, and reads the admitted facts where it read its inputs.
//
// Preconditions: C1 is independent of C2, C2 is a state machine, and every
// input of C2 that C1 derives has an existence dependency in C1. The last one is
// ours, not the report's: a relation C1 derives in ticks without inputs
// (persisted state, say) would make every tick a non-empty batch, so the
// rewritten program would send forever and never quiesce. Forward it with
// monotonic decoupling instead, or move its rules to C2. A C of several
// instances is decoupled pairwise: C[i] sends its batches to NEW[i] only.

// stateMachinePre checks state-machine decoupling's preconditions.
func stateMachinePre(p *analysis.Program, c *analysis.Component, c1, c2 []*analysis.Rule) error {
	name, cite := StateMachine.Name(), kindCite[StateMachine]
	if ok, d := Independent(p, c1, c2); !ok {
		return refuse(p, d.Rule.Pos, name, "C1 is independent of C2",
			"move the rule to C2, or the rules deriving "+d.Relation+" to C1",
			"rule at %s (C1) reads %s, which C2 derives; C1 must not depend on C2 (%s)", at(p, d.Rule), d.Relation, cite)
	}
	if ok, v := IsStateMachine(p, c2); !ok {
		pos := c.Pos
		if v.Rule != nil {
			pos = v.Rule.Pos
			return refuse(p, pos, name, "C2 is a state machine",
				hintOr(v, "derive C2's state only from its inputs (persist it, or compute it in the same tick from inputs); keep next-tick rules other than persistence out of C2"),
				"rule at %s: %s; C2 must be a state machine (%s)", at(p, v.Rule), v.Reason, cite)
		}
		return refuse(p, pos, name, "C2 is a state machine", "derive C2's state only from its inputs",
			"%s; C2 must be a state machine (%s)", v.Reason, cite)
	}
	// A start flag (carry.go) counts as an input arriving in tick 0, which
	// holds only if nothing else can arrive then: C's client inputs and
	// timers can, and in the original they would meet the flag in tick 0,
	// while NEW receives them in batches, later.
	if flags := StateDependencies(p, c2).Start; len(flags) > 0 && len(c.ClientInputs)+len(c.Timers) > 0 {
		r := firstDeriving(c2, flags[0])
		return refuse(p, r.Pos, name, "C2 is a state machine",
			"keep the start flag in C1, or decouple a component without client inputs or timers",
			"rule at %s derives the start flag %s, true in tick 0 only, and %s receives client inputs or timers, which may arrive in tick 0 too; C2 must be a state machine (%s)", at(p, r), flags[0], c.Name, cite)
	}
	exist := set(StateDependencies(p, c1).Existence)
	heads1 := set(VocabOf(p, c1).Heads)
	for _, in := range VocabOf(p, c2).Inputs {
		if !heads1[in] || exist[in] {
			continue
		}
		r := firstDeriving(c1, in)
		return refuse(p, r.Pos, name, "C1 forwards only in ticks with inputs",
			"forward "+in+" with monotonic decoupling, or move the rules deriving it into C2",
			"rule at %s derives %s, an input of C2, in ticks without inputs (no existence dependency in C1); batching it would send a batch every tick (%s)", at(p, r), in, cite)
	}
	return nil
}

// batchToC2 is the mechanism: C1 (blk) sends every input of C2 in batches
// to NEW (nb), whose rules (c2src) read the admitted facts instead. dest
// binds the destination d: every instance of NEW for a one-instance C,
// else the instance of NEW paired with this instance of C.
func batchToC2(p *analysis.Program, taken map[string]bool, blk, nb *syntax.Component, c2src []*syntax.Rule, inputs []string, to, dest string) {
	name, cite := StateMachine.Name(), kindCite[StateMachine]
	var rels []*analysis.Relation
	for _, in := range inputs {
		rels = append(rels, p.Relation(in))
	}
	b := newBatchPlan(p, taken, rels, to, name, cite)
	blk.Items = append(blk.Items, b.send(p, taken, dest)...)
	nb.Items = append(b.receive(p, taken), nb.Items...)
	for i, r := range rels {
		renameInBodies(c2src, r.Name, b.in[i])
	}
	nb.Doc = append(nb.Doc, note(fmt.Sprintf("C2 reads its inputs (%s) as admitted batches from %s.", relNames(rels), blk.Name.Name))...)
}
