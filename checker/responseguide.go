package checker

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the response guide (docs/CHECKING.md, "The search",
// step 2). The other guides time a message of the original by the
// rewritten run's delivery of the same message, or by the state its
// receiver came to carry. A rewrite that buffers a message (a partition
// frozen while a replicated write is pending, corpus/paxos/scalable.ded)
// receives it early but acts on it only later, and the state it then
// derives need not carry the message's tuple (an acceptor's p2a becomes
// an acceptance or a rejection p2b with the slot in another column).
//
// The response guide reads the original's rules instead: for a message
// of relation R, every rule with R in its body says what the receiver
// derives from it in the tick it arrives — its head, with the columns the
// message's values determine (p2b@proposer[p](src, n, p, slot, bn, bp, id,
// pl, s) :~ p2a(n, p, slot, id, pl, s), ... determines n, p, slot, id, pl,
// s). The guide delivers the message at the first tick after its send in
// which some piece of the receiver sent a message or came to carry a fact
// of that head relation with those values in the rewritten run: the tick
// the rewrite acted on it, where the original acts in the tick it arrives.
// A message the rewritten run neither delivered nor acted on (a p2a whose
// proxied copy was lost) is lost, when the fault budget allows it, or
// held back past everything observed. Like every guide it only proposes
// a branch; a witness it leads to is
// replayed and verified as any other.

// reaction is one way the original reacts to a message: the head of a
// rule whose body reads the message's relation, with, per head column,
// the message column it copies (-1: not determined by the message).
type reaction struct {
	head string
	cols []int
	// match: per message column, -1 if free, else the earlier column the
	// atom's repeated variable ties it to (p2b(src, n, p, slot, n, p, ...)).
	same   []int
	consts map[int]value.Value // message columns the atom fixes
}

// reactionsOf maps each relation of the original to its reactions: one
// per positive body atom over it, in rules whose head is another relation
// and copies at least one of the atom's variables (a head that copies
// none, such as beat() :- heartbeat(_, _), would match any fact of its
// relation and time the message by coincidence).
func reactionsOf(orig *analysis.Program) map[string][]reaction {
	out := map[string][]reaction{}
	for _, r := range orig.Rules {
		for _, l := range r.Body {
			if l.Kind != analysis.LitAtom || l.Rel == r.Head.Rel {
				continue
			}
			rc, ok := reactionFor(r, l)
			if ok {
				out[l.Rel] = append(out[l.Rel], rc)
			}
		}
	}
	return out
}

func reactionFor(r *analysis.Rule, l analysis.Lit) (reaction, bool) {
	rc := reaction{head: r.Head.Rel, same: make([]int, len(l.Args)), consts: map[int]value.Value{}}
	first := map[int]int{} // variable slot -> first column of the atom
	for i, a := range l.Args {
		rc.same[i] = -1
		switch a.Op {
		case analysis.TermVar:
			if j, ok := first[a.Var]; ok {
				rc.same[i] = j
			} else {
				first[a.Var] = i
			}
		case analysis.TermConst:
			rc.consts[i] = a.Const
		}
	}
	determined := false
	for _, h := range r.Head.Args {
		c := -1
		if h.Term != nil && h.Term.Op == analysis.TermVar {
			if j, ok := first[h.Term.Var]; ok {
				c, determined = j, true
			}
		}
		rc.cols = append(rc.cols, c)
	}
	return rc, determined
}

// pattern returns the head values the reaction derives from message tuple
// t (nil entries where t does not determine the column), or false when
// the rule's atom does not match t.
func (rc reaction) pattern(t value.Tuple) ([]*value.Value, bool) {
	if len(rc.same) != len(t) {
		return nil, false
	}
	for i, j := range rc.same {
		if j >= 0 && t[i].Compare(t[j]) != 0 {
			return nil, false
		}
	}
	for i, c := range rc.consts {
		if t[i].Compare(c) != 0 {
			return nil, false
		}
	}
	p := make([]*value.Value, len(rc.cols))
	for k, c := range rc.cols {
		if c >= 0 {
			p[k] = &t[c]
		}
	}
	return p, true
}

// acted is one fact a piece of an original node sent or came to carry in
// the rewritten run, mapped, with the tick's time.
type acted struct {
	time  int64
	tuple value.Tuple
	piece value.Addr // the rewrite's node (unmapped)
}

// actedKey keys target.acted: mapped node and relation.
func actedKey(n value.Addr, rel string) string { return n.String() + ">" + rel }

// indexActed records, per mapped node and relation, what the pieces of
// the node sent and came to carry in the rewritten run, by time.
func (t *target) indexActed(m *refinementMap, events []sim.Event) {
	t.reactions = reactionsOf(m.orig)
	t.acted = map[string][]acted{}
	add := func(n value.Addr, f value.Fact, at int64) {
		mf := m.fact(f)
		k := actedKey(m.node(n), mf.Rel)
		t.acted[k] = append(t.acted[k], acted{time: at, tuple: mf.Tuple, piece: n})
	}
	t.delivered = map[string][]acted{}
	for _, e := range events {
		switch e.Kind {
		case sim.EvDeliver:
			k := msgKey(m.node(e.Peer), m.node(e.Node), m.fact(e.Fact))
			t.delivered[k] = append(t.delivered[k], acted{time: e.Time, piece: e.Peer})
		case sim.EvSend:
			add(e.Node, e.Fact, e.Time)
		case sim.EvTick:
			for _, f := range e.Produced {
				add(e.Node, f, e.Time)
			}
		}
	}
	for _, as := range t.acted {
		slices.SortStableFunc(as, byTime)
	}
	for _, as := range t.delivered {
		slices.SortStableFunc(as, byTime)
	}
}

func byTime(a, b acted) int { return int(a.time - b.time) }

// after returns the entries of as (sorted by time) from time t on.
func after(as []acted, t int64) []acted {
	i, _ := slices.BinarySearchFunc(as, t, func(a acted, at int64) int { return int(a.time - at) })
	return as[i:]
}

// latestPiece returns, over the pieces that have an entry of as for
// which ok holds, the latest of their first such entries' times: when
// an original node's work is split over pieces (the partitions of an
// acceptor each answering a phase 1, the proposer admitting the
// acceptor's promise only once every partition's answer is in), the
// node as a whole has done it only when the last piece has.
func latestPiece(as []acted, ok func(acted) bool) (int64, bool) {
	var seen []value.Addr
	latest, found := int64(0), false
	for _, a := range as {
		if slices.Contains(seen, a.piece) || !ok(a) {
			continue
		}
		seen = append(seen, a.piece)
		latest, found = a.time, true
	}
	return latest, found
}

// respondedAt returns the response guide's delay for message f to node to
// sent at now: the first time after now at which a piece of to sent or
// came to carry a fact one of the original's reactions to f derives
// (with last: at which the last piece to do so first did, per reaction),
// the earliest over the reactions. reacts reports that the original has
// a reaction to f at all, so that !ok means the rewrite never acted on it.
func (t *target) respondedAt(to value.Addr, f value.Fact, now int64, last bool) (delay int64, ok, reacts bool) {
	return respondedIn(t.acted, t.reactions[f.Rel], to, f, now, last)
}

// respondedIn is respondedAt over the index idx (actedKey -> entries by
// time) and the reactions rcs to f's relation.
func respondedIn(idx map[string][]acted, rcs []reaction, to value.Addr, f value.Fact, now int64, last bool) (delay int64, ok, reacts bool) {
	best := int64(0)
	for _, rc := range rcs {
		p, match := rc.pattern(f.Tuple)
		if !match {
			continue
		}
		reacts = true
		as := after(idx[actedKey(to, rc.head)], now+1)
		var at int64
		found := false
		if last {
			at, found = latestPiece(as, func(a acted) bool { return fits(a.tuple, p) })
		} else {
			for _, a := range as {
				if fits(a.tuple, p) {
					at, found = a.time, true
					break
				}
			}
		}
		if found && (!ok || at-now < best) {
			best, ok = at-now, true
		}
	}
	return best, ok, reacts
}

// deliveredLast is the refinement map's delay with pieces: over the
// pieces of the sender that delivered the "same" message after now, the
// latest of their first deliveries.
func (t *target) deliveredLast(from, to value.Addr, f value.Fact, now int64) (int64, bool) {
	at, ok := latestPiece(after(t.delivered[msgKey(from, to, f)], now+1), func(acted) bool { return true })
	return at - now, ok
}

// fits says whether tuple u has the values pattern p determines.
func fits(u value.Tuple, p []*value.Value) bool {
	if len(u) != len(p) {
		return false
	}
	for i, v := range p {
		if v != nil && u[i].Compare(*v) != 0 {
			return false
		}
	}
	return true
}

// responseStateAlt is the response-state guide's decision (search step
// 2): the earlier of the response guide's first-piece delivery and the
// first tick in which a piece of the receiver derived a carried fact with
// the message's tuple of a relation the original derives from the
// message's relation through any chain of rules (settledReachableAt);
// else as the refinement map suggests (g, gdrop, ok). A rewrite can act
// on a message in two places at once: a Paxos partition adopts a new
// ballot when the replicated write is applied, and rejects the p2a's it
// buffered from then on, while the acceptor's p1b goes out only once
// every partition has applied it. The original's single acceptor must
// promise by the first piece's adoption, so the earlier of the two is its
// delivery; with a ballot the pieces never adopt (a p1a below one already
// written) only the response remains.
func (s *searcher) responseStateAlt(c *sim.Choice, g int64, gdrop, ok bool) alt {
	r, rok, reacts := s.tgt.respondedAt(c.To, c.Fact, c.Time, false)
	if st, sok := s.tgt.settledReachableAt(c.To, c.Fact, c.Time); sok && (!rok || st < r) {
		r, rok = st, true
	}
	return s.responseAlt(c, r, rok, reacts, g, gdrop, ok)
}

// responseAlt turns a response tick r (when rok) into the guide's choice
// for message c, against the delivery guide's g (when ok; gdrop: lost
// there): the later of the two wins, since the original acts on a message
// in the tick it arrives; a message the receiver reacts to but that
// neither guide places is lost where the budget allows it, else held back
// past everything observed.
func (s *searcher) responseAlt(c *sim.Choice, r int64, rok, reacts bool, g int64, gdrop, ok bool) alt {
	switch {
	case rok && (!ok || gdrop || r > g):
		return alt{delay: r}
	case ok:
		return alt{drop: gdrop, delay: g}
	case reacts && s.tgt.budget.allows(c.From, c.To, c.Time):
		return alt{drop: true}
	case reacts:
		return alt{delay: max(1, s.tgt.observedUntil()+1-c.Time)}
	}
	return alt{delay: 1}
}
