package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Asymmetric decoupling (paper footnote 2, report App. A.5): C2 is
// independent of C1, but C1 may read what C2 derives or receives (a Paxos
// proposer must learn of higher ballots from the p2bs its collector
// counts). C2 moves to NEW and receives its inputs there (redirection);
// every relation C1 reads from C2's side travels back to C in batches
// (batch.go), which C1 admits whole and in order and acknowledges; and
// every output of C2 — what it sends other components, and client outputs
// — is held until the batch of everything NEW had sent C1 up to the tick
// that produced it is acknowledged. So no one observes an output of C2
// before C1 has seen what the original C would have seen in the same tick.
//
// Preconditions: C2 is independent of C1; C2 is a state machine, and is
// monotonic or functional (its outputs may appear later and in other
// ticks than in C) unless C1 reads every input of C2 (inputsNotBack: then
// every tick of C2's inputs travels back as one batch); C2 reads no client
// input or timer
// (clients address C, and redirection cannot move them); every relation
// C1 reads from C2's side is an input of C2 or derived by C2 only (not by
// both sides), and those C2 derives have an existence dependency in C2
// (else every tick would be a batch, as for state-machine decoupling).
// A C of several instances is decoupled pairwise: NEW[i] receives what
// C[i] received and sends its batches back to C[i] only.

// Asymmetric is the plan step `asymmetric C -> NEW : SELECTOR...`.
const Asymmetric Kind = "asymmetric"

func init() {
	kindNames[Asymmetric] = "asymmetric decoupling"
	kindCite[Asymmetric] = "footnote 2, App. A.5"
}

// asymmetricPre checks asymmetric decoupling's preconditions.
func asymmetricPre(p *analysis.Program, c *analysis.Component, c1, c2 []*analysis.Rule) error {
	name, cite := Asymmetric.Name(), kindCite[Asymmetric]
	if ok, d := Independent(p, c2, c1); !ok {
		return refuse(p, d.Rule.Pos, name, "C2 is independent of C1",
			"move the rule to C1, or the rules deriving "+d.Relation+" to C2",
			"rule at %s (C2) reads %s, which C1 derives; C2 must not depend on C1 (%s)", at(p, d.Rule), d.Relation, cite)
	}
	if ok, v := IsStateMachine(p, c2); !ok {
		if v.Rule == nil {
			return refuse(p, c.Pos, name, "C2 is a state machine", "derive C2's state only from its inputs",
				"%s; C2 must be a state machine (%s)", v.Reason, cite)
		}
		return refuse(p, v.Rule.Pos, name, "C2 is a state machine",
			hintOr(v, "derive C2's outputs in ticks with inputs only, and its state only from its inputs"),
			"rule at %s: %s; C2 must be a state machine (%s)", at(p, v.Rule), v.Reason, cite)
	}
	v1, v2 := VocabOf(p, c1), VocabOf(p, c2)
	okM, vm := IsMonotonic(p, c, c2)
	okF, _ := IsFunctional(p, c2)
	if unbatched := inputsNotBack(p, c1, c2); !okM && !okF && len(unbatched) > 0 {
		return refuse(p, vm.Rule.Pos, name, "C2 is monotonic or functional",
			"keep negation and non-threshold aggregation out of C2, let C1 read every input of C2, or use state-machine decoupling if C1 does not read from C2",
			"rule at %s %s, and C1 does not read C2's input %s (so its ticks are not batched back); C2 must be monotonic or functional (%s)", at(p, vm.Rule), vm.Reason, unbatched[0], cite)
	}
	for _, in := range v2.Inputs {
		if contains(c.ClientInputs, in) || contains(c.Timers, in) {
			r := firstReading(p, c2, in)
			return refuse(p, r.Pos, name, "C2's inputs are messages",
				"decouple with functional or monotonic decoupling, or keep the rules reading "+in+" in C1",
				"rule at %s (C2) reads %s, which enters at %s from outside the program; asymmetric decoupling redirects C2's inputs (%s)", at(p, r), in, c.Name, cite)
		}
	}
	exist := set(StateDependencies(p, c2).Existence)
	for _, rel := range backRelations(p, c1, c2) {
		if !contains(v2.Heads, rel) {
			continue
		}
		if contains(v1.Heads, rel) {
			r := firstDeriving(c1, rel)
			return refuse(p, r.Pos, name, "C1 reads from one side only",
				"derive "+rel+" on one side only",
				"rule at %s (C1) derives %s, which C2 also derives and C1 reads (%s)", at(p, r), rel, cite)
		}
		if rel := p.Relation(rel); rel != nil && rel.Output {
			// C2's outputs wait for C1's acknowledgement of the batch of
			// their tick, which would have to carry them: a cycle.
			r := firstReading(p, c1, rel.Name)
			return refuse(p, r.Pos, name, "C1 reads no output C2 holds",
				"let C1 read the relations "+rel.Name+" is derived from, not the output itself",
				"rule at %s (C1) reads %s, an output of C2, which C2 holds until C1 acknowledges the batch that would carry it back (%s)", at(p, r), rel.Name, cite)
		}
		if !exist[rel] {
			r := firstDeriving(c2, rel)
			return refuse(p, r.Pos, name, "C2 sends back only in ticks with inputs",
				"let C1 read a relation C2 derives in ticks with inputs only",
				"rule at %s derives %s, which C1 reads, in ticks without inputs (no existence dependency in C2); batching it would send a batch every tick (%s)", at(p, r), rel, cite)
		}
	}
	return nil
}

// inputsNotBack lists the inputs of C2 that C1 does not read, and that
// therefore do not travel back to C in batches.
//
// Why monotonicity is needed only when there is one: if every input of C2
// is read by C1, every tick in which NEW has an input of C2 is one batch,
// and C admits the batches whole, one per tick, in order. The run of the
// original that explains a run of the output delivers each batch's facts
// to C in the tick C admits it; C2 then sees, in the original, exactly
// the ticks with inputs that NEW saw, in the same order, and being a state
// machine derives in each the same facts — which NEW holds until C
// acknowledges that batch, so that they leave no earlier than the
// original's (a later arrival of a message or output is a delay the
// network allows). An input that C1 does not read is not batched: in the
// original it reaches C in ticks other than NEW's, possibly grouped
// differently, and only a monotonic (or functional) C2 is indifferent to
// that.
func inputsNotBack(p *analysis.Program, c1, c2 []*analysis.Rule) []string {
	back := set(backRelations(p, c1, c2))
	var out []string
	for _, in := range VocabOf(p, c2).Inputs {
		if !back[in] {
			out = append(out, in)
		}
	}
	return out
}

// backRelations lists the relations C1 reads that C2's side provides: the
// inputs of C2 (which now arrive at NEW) and what C2 derives in its own
// ticks (not what it sends with :~, which arrives at C as before).
func backRelations(p *analysis.Program, c1, c2 []*analysis.Rule) []string {
	v1, v2 := VocabOf(p, c1), VocabOf(p, c2)
	sent := map[string]bool{}
	for _, r := range c2 {
		if r.Kind == analysis.Async {
			sent[r.Head.Rel] = true
		}
	}
	var out []string
	for _, rel := range v1.References {
		if contains(v2.Inputs, rel) || (contains(v2.Heads, rel) && !sent[rel]) {
			out = append(out, rel)
		}
	}
	return out
}

func firstReading(p *analysis.Program, rules []*analysis.Rule, rel string) *analysis.Rule {
	for _, r := range rules {
		if contains(refs(p, r), rel) {
			return r
		}
	}
	return nil
}

// asymmetricWire is the mechanism, after Decouple moved C2 into nb.
func asymmetricWire(p *analysis.Program, taken map[string]bool, c *analysis.Component, blk, nb *syntax.Component, c1, c2 []*analysis.Rule, to string, pos syntax.Pos) error {
	name, cite := Asymmetric.Name(), kindCite[Asymmetric]
	comp := c.Name
	back := backRelations(p, c1, c2)
	// Outputs of C2, before any generated rule is added.
	var outs []*syntax.Rule
	for _, r := range c2 {
		if r.Source == nil {
			continue
		}
		rel := p.Relation(r.Head.Rel)
		if r.Kind == analysis.Async || rel.Output {
			outs = append(outs, r.Source)
		}
	}
	// C2's inputs now arrive at NEW.
	for _, in := range VocabOf(p, c2).Inputs {
		if err := redirect(p, Asymmetric, comp, to, in, pos); err != nil {
			return err
		}
	}
	var rels []*analysis.Relation
	for _, b := range back {
		rels = append(rels, p.Relation(b))
	}
	ack := fresh(p, taken, to+"BatchAck")
	ackInit, acked := fresh(p, taken, to+"AckInit"), fresh(p, taken, to+"Acked")
	d := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: ack}, Columns: []syntax.Column{{Name: "seq", Type: syntax.TypeInt}}}
	d.Doc = note(fmt.Sprintf("%s (%s): %s acknowledges each batch it admitted.", name, cite, comp))
	insertTopDecl(p.File, d)
	var latest string
	if len(rels) > 0 {
		b := newBatchPlan(p, taken, rels, to, name, cite)
		latest = b.latest
		// A C of several instances is decoupled pairwise: NEW[i] sends
		// its batches to C[i] only (C2's inputs, redirected, reach NEW[i]
		// wherever they reached C[i]).
		dest := comp + "(d)"
		if c.Count > 1 {
			dest = fmt.Sprintf("%s(i), d = %s[i]", ownIndex(p, taken, nb, to, comp, name, cite), comp)
		}
		nb.Items = append(nb.Items, b.send(p, taken, dest)...)
		recv := b.receive(p, taken)
		recv = append(recv, genItems(fmt.Sprintf("%s@src(s) :~ %s(src, s).", ack, b.admit))...)
		blk.Items = append(blk.Items, recv...)
		for i, r := range rels {
			renameInBodies(sourceRules(c1), r.Name, b.in[i])
		}
	} else {
		// Nothing goes back: outputs need not wait (the batch number is
		// always -1, acknowledged from the start).
		latest = fresh(p, taken, to+"LastBatch")
		nb.Items = append(nb.Items, genItems(latest+"(-1).")...)
	}
	nb.Items = append(nb.Items, genItems(fmt.Sprintf("%s(-1).\n%s(k) :- %s(k).\n%s(k) :- %s(k).\n.persist %s", ackInit, acked, ackInit, acked, ack, acked))...)
	// Each output waits for the acknowledgement of the last batch sent up
	// to the tick that produced it.
	for _, s := range outs {
		held := fresh(p, taken, s.Head.Name.Name+"Held")
		k := freshVar(s, nil, "k")
		var args []syntax.HeadArg
		arity := len(s.Head.Args)
		async := s.Kind == syntax.Async
		if async {
			args = append(args, syntax.HeadArg{Expr: s.Head.At})
			arity++
		}
		args = append(args, s.Head.Args...)
		args = append(args, syntax.HeadArg{Expr: ident(k)})
		rel := s.Head.Name.Name
		s.Kind = syntax.Sync
		s.Head.At = nil
		s.Head.Name.Name = held
		s.Head.Args = args
		s.Body = append(s.Body, atom(latest, k))
		s.Doc = append(s.Doc, note(fmt.Sprintf("%s (%s): %s waits for %s's acknowledgement of the batches sent so far.", name, cite, rel, comp))...)
		ys := xvars(arity)
		Y := strings.Join(ys, ", ")
		HK := strings.Join(append(append([]string{}, ys...), "k"), ", ")
		release := fmt.Sprintf("%s(%s) :- %s(%s), %s(k).", rel, Y, held, HK, acked)
		if async {
			release = fmt.Sprintf("%s@%s(%s) :~ %s(%s), %s(k).", rel, ys[0], strings.Join(ys[1:], ", "), held, HK, acked)
		}
		items := genItems(fmt.Sprintf("%s(%s) :+ %s(%s), !%s(k).\n%s", held, HK, held, HK, acked, release))
		addDoc(items[0], note(fmt.Sprintf("%s (%s): %s is released once acknowledged.", name, cite, rel)))
		insertAfter(nb, s, items[1])
		insertAfter(nb, s, items[0])
	}
	nb.Doc = append(nb.Doc, note(fmt.Sprintf("C2 receives its inputs here, sends %s back to %s in batches, and holds its outputs until %s acknowledges them.", list(back), comp, comp))...)
	return nil
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "nothing"
	}
	return strings.Join(xs, ", ")
}
