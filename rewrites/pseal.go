package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Partitioned sealing (report App. B.4), an option of partial partitioning:
// `partial C : w seal=r`. Before the rewrite, C answered a write of w with
// facts of r sent in the same tick; after it, every partition applies the
// write (with the coordinator's index i) and answers with its own part.
// Each partition tags its facts of r with i and sends every destination of
// the answer its own count for i (0 when it has none for it); a receiver
// admits the answer to write i of original instance o once, in the tick in
// which the counts of all partitions of o have arrived and it holds that
// many facts from each. An admitted answer is a delivery the original
// allows: all the facts C sent in one tick, arriving together at the time
// of the last one. Each partition resends its part until the receiver
// acknowledges it whole, so that a lost message stalls no reply for good.
//
// Preconditions (checked by sealPre): r is sent by C with :~ and is no
// client output; every rule sending r reads w, so that each answer belongs
// to one write; and the destination is determined by the write and static
// relations alone, so that a partition without facts for a destination
// still knows to send it a count of 0.

// sealPre checks partitioned sealing's preconditions for relation r on the
// unpartitioned program, with the replicated inputs ws: each rule sending r
// reads exactly one of them, the write it answers.
func sealPre(p *analysis.Program, c *analysis.Component, ws []string, r string) error {
	rw, cite := "partitioned sealing", "App. B.4"
	rel := p.Relation(r)
	if rel == nil || rel.Output || rel.Input {
		return refuse(p, c.Pos, rw, "r is sent asynchronously", "name a message "+c.Name+" sends", "%s is no message relation of the program", r)
	}
	n := 0
	for _, ar := range c.Rules {
		if ar.Head.Rel != r {
			continue
		}
		n++
		if ar.Kind != analysis.Async || ar.Source == nil || ar.Head.HasAggregate {
			return refuse(p, ar.Pos, rw, "r is sent asynchronously", "seal a relation that "+c.Name+" only sends (:~)",
				"rule at %s derives %s without sending it; only a relation %s sends can be sealed (%s)", at(p, ar), r, c.Name, cite)
		}
		var read []string
		for _, w := range ws {
			if contains(refs(p, ar), w) {
				read = append(read, w)
			}
		}
		wlist := strings.Join(ws, " or ")
		if len(read) != 1 {
			what := "without reading " + wlist
			if len(read) > 1 {
				what = "reading " + strings.Join(read, " and ")
			}
			return refuse(p, ar.Pos, rw, "r answers a write", "seal only what "+c.Name+" sends in reply to one write of "+wlist,
				"rule at %s sends %s %s; a partitioned batch must belong to one replicated write (%s)", at(p, ar), r, what, cite)
		}
		w := read[0]
		bound := map[string]bool{}
		for _, l := range ar.Source.Body {
			if a, ok := l.(*syntax.Atom); ok && !a.Negated && (a.Name.Name == w || !isIDB(p, a.Name.Name)) {
				for _, e := range a.Args {
					for _, v := range vars(e) {
						bound[v] = true
					}
				}
			}
		}
		for _, v := range vars(ar.Source.Head.At) {
			if !bound[v] {
				return refuse(p, ar.Pos, rw, "destination from the write", "address the reply with what "+w+" carries or a static relation",
					"rule at %s sends %s to an address (%s) that the write %s does not determine; a partition without facts could not tell it its count of 0 (%s)", at(p, ar), r, v, w, cite)
			}
		}
	}
	if n == 0 {
		return refuse(p, c.Pos, rw, "r is sent asynchronously", "name a relation "+c.Name+" sends", "%s sends no %s", c.Name, r)
	}
	return nil
}

// sealAllReplies checks, when some reply is sealed, that every reply C
// sends to a replicated write with its own address (self) is sealed too: a
// sealed reply carries the original instance's address, an unsealed one
// the partition's, and a receiver that joins two replies by their sender
// (BasePaxos's proposer: p1b's log size against the p1bLog entries from
// the same src) would see partition 1's part under another name and never
// match them — a loss of liveness that a safety check does not see.
func sealAllReplies(p *analysis.Program, c *analysis.Component, ws, seals []string) error {
	if len(seals) == 0 {
		return nil
	}
	if rs := unsealedReplies(p, c, ws, seals); len(rs) > 0 {
		ar := rs[0]
		return refuse(p, ar.Pos, "partitioned sealing", "every reply with C's address sealed",
			"seal it too (seal="+ar.Head.Rel+"), so that every reply to the write names the original instance",
			"rule at %s sends %s in reply to a replicated write with the partition's own address, while the sealed %s carries the original instance's; a receiver joining them by sender would miss the other partitions' parts (App. B.4)", at(p, ar), ar.Head.Rel, seals[0])
	}
	return nil
}

// unsealedReplies lists, in rule order, the rules of c that send a
// relation not in seals, read a replicated write of ws, and put c's own
// address (self) in a column: the replies sealAllReplies asks to seal.
func unsealedReplies(p *analysis.Program, c *analysis.Component, ws, seals []string) []*analysis.Rule {
	var out []*analysis.Rule
	for _, ar := range c.Rules {
		if ar.Kind != analysis.Async || ar.Source == nil || contains(seals, ar.Head.Rel) {
			continue
		}
		reads := false
		for _, w := range ws {
			reads = reads || contains(refs(p, ar), w)
		}
		self := false
		for _, l := range ar.Source.Body {
			if a, ok := l.(*syntax.Atom); ok && !a.Negated && a.Name.Name == "self" {
				for _, e := range a.Args {
					for _, v := range vars(e) {
						for _, h := range ar.Source.Head.Args {
							self = self || (h.Expr != nil && contains(vars(h.Expr), v))
						}
					}
				}
			}
		}
		if reads && self {
			out = append(out, ar)
		}
	}
	return out
}

// sealPartitioned applies partitioned sealing of r on the partitioned
// program p: comp's partitions know the applied write's index from the
// relation applies[k](i, ws[k]..), the write itself being applied[k];
// origRel holds the original instance count. The coordinator numbers the
// writes of every replicated input in one sequence, so an index names one
// write, of one relation, and a reply by it is unambiguous; each rule
// sending r answers the writes of the one input it reads (sealPre).
//
// origSelf(a) holds the address of the original instance a partition stands
// for: a sending rule's self becomes it. With agg, r's column agg.Col
// carries a partitioned aggregate (partagg.go): a receiver combines the
// parts' values of one reply (agg.Combine), grouped by every other column.
func sealPartitioned(p *analysis.Program, taken map[string]bool, comp string, ws []string, r string, applies, applied []string, origRel, origSelf string, aggCols map[string]aggCol) {
	rw, cite := "partitioned sealing", "App. B.4"
	blk := block(p.File, comp)
	rel := p.Relation(r)
	w := strings.Join(ws, " or ")
	nm := func(base string) string { return fresh(p, taken, base) }
	out, dest, part, size := nm(r+"PartOut"), nm(r+"PartDest"), nm(r+"Part"), nm(r+"PartSize")
	anyR, cnt := nm(r+"PartAny"), nm(r+"PartCount")
	ack, sentF, sentS, acked, waiting, flip := nm(r+"PartAck"), nm(r+"PartSent"), nm(r+"PartSentSize"), nm(r+"PartAcked"), nm(r+"PartWaiting"), nm(r+"PartFlip")
	X := strings.Join(xvars(rel.Arity()), ", ")
	names := columnVars(p, rel)
	cols := []syntax.Column{{Name: "partSrc", Type: syntax.TypeAddr}, {Name: "partIdx", Type: syntax.TypeInt}}
	for i, c := range rel.Columns {
		cols = append(cols, syntax.Column{Name: names[i], Type: syntax.TypeName(c.Type.String())})
	}
	ad := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: ack}, Columns: []syntax.Column{{Name: "receiver", Type: syntax.TypeAddr}, cols[1]}}
	ad.Doc = note(fmt.Sprintf("%s (%s): a receiver holds a partition's whole part of the reply %s to write partIdx.", rw, cite, r))
	insertTopDecl(p.File, ad)
	for _, d := range []*syntax.Decl{
		{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: part}, Columns: cols},
		{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: size}, Columns: []syntax.Column{cols[0], cols[1], {Name: "n", Type: syntax.TypeInt}}},
	} {
		d.Doc = note(fmt.Sprintf("%s (%s): each partition's part of a reply %s to a replicated %s write, by the write's index.", rw, cite, r, w))
		insertTopDecl(p.File, d)
	}
	// Sender: each rule sending r computes (destination, index, fact), and
	// a copy restricted to the write and static atoms computes the
	// destinations that must hear a count.
	for _, ar := range p.Component(comp).Rules {
		if ar.Head.Rel != r || ar.Source == nil {
			continue
		}
		s := ar.Source
		k := -1 // the write the rule answers (its body was renamed to read applied[k])
		for _, l := range s.Body {
			if a, ok := l.(*syntax.Atom); ok && !a.Negated {
				for j, name := range applied {
					if a.Name.Name == name {
						k = j
					}
				}
			}
		}
		if k < 0 {
			continue // sealPre: every sending rule reads a replicated write
		}
		apply, cW, wa := applies[k], applied[k], p.Relation(ws[k]).Arity()
		i := freshVar(s, nil, "i")
		ap := []string{i}
		for j := 0; j < wa; j++ {
			ap = append(ap, "_")
		}
		dr := &syntax.Rule{Kind: syntax.Sync, Head: syntax.Head{Name: syntax.Ident{Name: dest}, Args: []syntax.HeadArg{{Expr: subst(s.Head.At, nil)}, {Expr: ident(i)}}}}
		for _, l := range s.Body {
			if a, ok := l.(*syntax.Atom); ok && !a.Negated && (a.Name.Name == cW || !isIDB(p, a.Name.Name)) {
				dr.Body = append(dr.Body, copyLit(l))
			}
		}
		dr.Body = append(dr.Body, atom(apply, ap...))
		dr.Doc = note(fmt.Sprintf("%s (%s): the destinations of this partition's reply %s to write i.", rw, cite, r))
		for _, l := range s.Body {
			if a, ok := l.(*syntax.Atom); ok && !a.Negated && a.Name.Name == "self" {
				a.Name.Name = origSelf
			}
		}
		s.Kind = syntax.Sync
		s.Head.Args = append([]syntax.HeadArg{{Expr: s.Head.At}, {Expr: ident(i)}}, s.Head.Args...)
		s.Head.At = nil
		s.Head.Name.Name = out
		s.Body = append(s.Body, atom(apply, ap...))
		s.Doc = append(s.Doc, note(fmt.Sprintf("%s (%s): %s is sent as this partition's part of the reply to write i.", rw, cite, r))...)
		insertAfter(blk, s, dr)
	}
	send := genItems(fmt.Sprintf(`%s@d(me, i%s) :~ %s(d, i%s), self(me).
%s(d, i) :- %s(d, i%s).
%s(d, i, %s) :- %s(d, i%s).
%s(d, i, 0) :- %s(d, i), !%s(d, i).
%s@d(me, i, k) :~ %s(d, i), %s(d, i, k), self(me).`,
		part, pre(X), out, pre(X), anyR, out, pre(X), cnt, countOf(X), out, pre(X), cnt, dest, anyR, size, dest, cnt))
	addDoc(send[0], note(fmt.Sprintf("%s (%s): facts and per-destination counts of this partition's reply %s.", rw, cite, r)))
	blk.Items = append(blk.Items, send...)
	// Retransmission: a lost part or count would stall the reply for
	// good, so the partition keeps what it sent and, while a destination
	// has not acknowledged its whole part, ticks every time unit (a flip
	// that changes what it carries) and resends every other tick, from two
	// ticks after the first send (the earliest an acknowledgement can
	// arrive, so a fault-free delivery with delays of 1 sends once). The
	// receiver keeps parts and counts as sets and admits a reply once, so
	// duplicates change nothing; once every part is acknowledged nothing is
	// resent, so runs still quiesce.
	retx := genItems(fmt.Sprintf(`%[1]s(d, i%[2]s) :+ %[3]s(d, i%[2]s).
.persist %[1]s
%[4]s(d, i, k) :+ %[5]s(d, i), %[6]s(d, i, k).
.persist %[4]s
%[7]s(d, i) :- %[8]s(d, i).
.persist %[7]s
%[9]s() :- %[4]s(d, i, _), !%[7]s(d, i).
%[10]s() :+ %[9]s(), !%[10]s().
%[11]s@d(me, i%[2]s) :~ %[1]s(d, i%[2]s), !%[7]s(d, i), %[10]s(), self(me).
%[12]s@d(me, i, k) :~ %[4]s(d, i, k), !%[7]s(d, i), %[10]s(), self(me).`,
		sentF, pre(X), out, sentS, dest, cnt, acked, ack, waiting, flip, part, size))
	addDoc(retx[0], note(fmt.Sprintf("%s (%s): resend this partition's part of the reply %s until its destination acknowledges it.", rw, cite, r)))
	blk.Items = append(blk.Items, retx...)
	// Receivers: admit the reply to write i of original instance o once
	// every partition of o has reported and all its facts have arrived.
	for _, c := range p.Components {
		if !contains(c.References, r) || c.Name == comp {
			continue
		}
		cb := block(p.File, c.Name)
		if cb == nil {
			continue
		}
		buf, sizes, have, ok, got := nm(r+"PartBuffered"), nm(r+"PartSizes"), nm(r+"PartHave"), nm(r+"PartComplete"), nm(r+"PartGot")
		nodes, parts, orig, done, ready, admitted, sealed := nm(comp+"SealNodes"), nm(comp+"SealParts"), nm(r+"PartOrigin"),
			nm(r+"PartsDone"), nm(r+"Ready"), nm(r+"Admitted"), nm(r+"Sealed")
		admit := fmt.Sprintf(`%s(%s) :- %s(src, i%s), %s(src, o), %s(o, i).`, sealed, X, buf, pre(X), orig, ready)
		if ac, ok := aggCols[r]; ok {
			// The parts of one reply (original o, write i) agree on every
			// column but the aggregate's; combine that one. Rows are
			// distinct per partition (src), so equal parts still add up.
			comb := nm(r + "Combined")
			xs := xvars(rel.Arity())
			xs[ac.Col] = ac.Combine + "(" + xs[ac.Col] + ")"
			admit = fmt.Sprintf("%s(o, i, %s) :- %s(src, i%s), %s(src, o), %s(o, i).\n%s(%s) :- %s(o, i%s).",
				comb, strings.Join(xs, ", "), buf, pre(X), orig, ready, sealed, X, comb, pre(X))
		}
		recv := genItems(fmt.Sprintf(`%[1]s(src, i%[3]s) :- %[2]s(src, i%[3]s).
.persist %[1]s
%[4]s(src, i, k) :- %[5]s(src, i, k).
.persist %[4]s
%[6]s(src, i, %[7]s) :- %[1]s(src, i%[3]s).
%[8]s(src, i) :- %[4]s(src, i, 0).
%[8]s(src, i) :- %[4]s(src, i, k), %[6]s(src, i, k).
%[9]s(count(a)) :- %[10]s(a).
%[11]s(k) :- %[9]s(n), %[12]s(m), k = n / m.
%[13]s(src, o) :- %[4]s(src, _, _), %[9]s(n), less_than(j, n), (%[10]s[j] == src), %[12]s(m), o = j %% m.
%[14]s(o, i, count(src)) :- %[8]s(src, i), %[13]s(src, o).
%[15]s(o, i) :- %[14]s(o, i, k), %[11]s(k), !%[16]s(o, i).
%[16]s(o, i) :+ %[15]s(o, i).
.persist %[16]s
%[21]s
%[19]s(src, i) :- %[2]s(src, i%[3]s).
%[19]s(src, i) :- %[5]s(src, i, _).
%[20]s@src(me, i) :~ %[8]s(src, i), %[19]s(src, i), self(me).`,
			buf, part, pre(X), sizes, size, have, countOf(X), ok, nodes, comp, parts, origRel, orig, done, ready, admitted, sealed, X, got, ack, admit))
		addDoc(recv[0], note(fmt.Sprintf("%s (%s): a reply %s is admitted once every partition's part has arrived; a partition's whole part is acknowledged whenever a message of it arrives, so that it stops resending.", rw, cite, r)))
		renameInBodies(sourceRules(c.Rules), r, sealed)
		cb.Items = append(recv, cb.Items...)
	}
}

// countOf renders count(X), or the constant 1 for a relation without
// columns (one fact at most).
func countOf(x string) string {
	if x == "" {
		return "1"
	}
	return "count(" + x + ")"
}
