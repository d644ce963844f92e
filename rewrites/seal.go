package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Sealing (paper footnote 3, report App. B.4): the facts of r that one node
// sends in one tick travel as one logical message. The sender numbers its
// non-empty batches, tags each fact with its address and batch number, and
// sends each destination the batch's size; the receiver buffers the facts
// and admits a batch, once, in the tick in which all of them (as many as
// the size says) have arrived. Every admitted batch is a delivery the
// original allows (all its facts arriving together, at the latest one's
// time), so sealing needs no precondition beyond r being sent by
// asynchronous rules of the sender. Partitioned sealing (batches produced
// by several partitions) is not implemented.

// SealKind is the plan step `seal COMP : REL`.
const SealKind Kind = "seal"

func init() {
	kindNames[SealKind] = "sealing"
	kindCite[SealKind] = "footnote 3, App. B.4"
}

// Seal seals relation rel as sent by the asynchronous rules of comp.
func Seal(p *analysis.Program, comp, rel string, pos syntax.Pos) error {
	rw, cite := SealKind.Name(), kindCite[SealKind]
	blk := block(p.File, comp)
	r := p.Relation(rel)
	if blk == nil || r == nil {
		return refuse(p, pos, rw, "sender and relation", "name a component block and the relation it sends", "no component block %s or relation %s", comp, rel)
	}
	var senders []*analysis.Rule
	for _, ar := range p.Component(comp).Rules {
		if ar.Head.Rel == rel {
			if ar.Kind != analysis.Async || ar.Source == nil || ar.Head.HasAggregate {
				return refuse(p, ar.Pos, rw, "r is sent asynchronously", "seal a relation that "+comp+" only sends (:~)",
					"rule at %s derives %s without sending it; only a relation %s sends can be sealed (%s)", at(p, ar), rel, comp, cite)
			}
			senders = append(senders, ar)
		}
	}
	if len(senders) == 0 {
		return refuse(p, pos, rw, "r is sent asynchronously", "name a relation "+comp+" sends", "%s sends no %s", comp, rel)
	}
	if r.Input || r.Output {
		return refuse(p, r.Pos, rw, "r is internal", "seal a message between components", "%s is a client input or output", rel)
	}
	taken := map[string]bool{}
	nm := func(base string) string { return fresh(p, taken, base) }
	out, sent, init, seqs, next := nm(rel+"Out"), nm(rel+"Sent"), nm(rel+"SeqInit"), nm(rel+"Seqs"), nm(rel+"Seq")
	batch, sizeL, size := nm(rel+"Batch"), nm(rel+"BatchSizeOut"), nm(rel+"BatchSize")
	buf, sizes, have, ready, done, sealed := nm(rel+"Buffered"), nm(rel+"Sizes"), nm(rel+"Have"), nm(rel+"Ready"), nm(rel+"Admitted"), nm(rel+"Sealed")
	n := r.Arity()
	xs := make([]string, n)
	for i := range xs {
		xs[i] = fmt.Sprintf("x%d", i+1)
	}
	X := strings.Join(xs, ", ")
	cols := []syntax.Column{{Name: "src", Type: syntax.TypeAddr}, {Name: "seq", Type: syntax.TypeInt}}
	for i, c := range r.Columns {
		cols = append(cols, syntax.Column{Name: xs[i], Type: syntax.TypeName(c.Type.String())})
	}
	for _, d := range []*syntax.Decl{
		{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: batch}, Columns: cols},
		{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: size}, Columns: []syntax.Column{cols[0], cols[1], {Name: "n", Type: syntax.TypeInt}}},
	} {
		d.Doc = note(fmt.Sprintf("%s (%s): batches of %s sent by %s.", rw, cite, rel, comp))
		insertTopDecl(p.File, d)
	}
	// Sender: each sending rule computes (destination, fact) instead.
	for _, ar := range senders {
		s := ar.Source
		dest := s.Head.At
		s.Kind = syntax.Sync
		s.Head.At = nil
		s.Head.Name.Name = out
		s.Head.Args = append([]syntax.HeadArg{{Expr: dest}}, s.Head.Args...)
		s.Doc = append(s.Doc, note(fmt.Sprintf("%s (%s): %s is sent in sealed batches.", rw, cite, rel))...)
	}
	rp := strings.NewReplacer("{X}", X, "{out}", out, "{sent}", sent, "{init}", init, "{seqs}", seqs, "{next}", next,
		"{batch}", batch, "{sizeL}", sizeL, "{size}", size)
	send := genItems(rp.Replace(`{init}(0).
{seqs}(s) :- {init}(s).
.persist {seqs}
{next}(max(s)) :- {seqs}(s).
{sent}() :- {out}(_, {X}).
{seqs}(t) :+ {next}(s), {sent}(), t = s + 1.
{batch}@d(me, s, {X}) :~ {out}(d, {X}), {next}(s), self(me).
{sizeL}(d, s, count({X})) :- {out}(d, {X}), {next}(s).
{size}@d(me, s, k) :~ {sizeL}(d, s, k), self(me).`))
	send[0].(*syntax.Fact).Doc = note(fmt.Sprintf("%s (%s): numbered batches of %s, with their sizes.", rw, cite, rel))
	blk.Items = append(blk.Items, send...)
	// Receivers: every component reading rel admits whole batches.
	rp2 := strings.NewReplacer("{X}", X, "{batch}", batch, "{size}", size, "{buf}", buf, "{sizes}", sizes, "{have}", have,
		"{ready}", ready, "{done}", done, "{sealed}", sealed)
	for _, c := range p.Components {
		if !contains(c.References, rel) {
			continue
		}
		cb := block(p.File, c.Name)
		if cb == nil {
			continue
		}
		recv := genItems(rp2.Replace(`{buf}(src, s, {X}) :- {batch}(src, s, {X}).
.persist {buf}
{sizes}(src, s, k) :- {size}(src, s, k).
.persist {sizes}
{have}(src, s, count({X})) :- {buf}(src, s, {X}).
{ready}(src, s) :- {sizes}(src, s, k), {have}(src, s, k), !{done}(src, s).
{done}(src, s) :+ {ready}(src, s).
.persist {done}
{sealed}({X}) :- {buf}(src, s, {X}), {ready}(src, s).`))
		recv[0].(*syntax.Rule).Doc = note(fmt.Sprintf("%s (%s): a batch of %s is admitted once all its facts have arrived.", rw, cite, rel))
		renameInBodies(sourceRules(c.Rules), rel, sealed)
		cb.Items = append(recv, cb.Items...)
	}
	return nil
}
