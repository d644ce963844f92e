package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Batching (report App. A.4), shared by state-machine decoupling and
// asymmetric decoupling (App. A.5). A sender S hands a receiver R the facts
// of some relations that, before the rewrite, R's rules saw in the very
// tick S derived or received them. Each tick in which S has any such fact
// is one batch: S numbers its non-empty batches 0, 1, 2, ..., tags every
// fact with its address and the batch number and sends, once per batch, one size message
// with the number of facts of each relation. R buffers facts and sizes per sender and
// admits batch s of a sender in a tick only when all its facts have arrived and batch
// s - 1 was admitted in an earlier tick (the report sends "the previous
// non-empty tick" with each batch; with consecutive numbers of non-empty
// batches the previous one is always s - 1). R's rules read the admitted
// facts instead of the originals, so R sees exactly S's sequence of ticks,
// each whole and in order, one per tick of its own.

// batchPlan is what batchSend and batchReceive generate for one sender and
// receiver pair.
type batchPlan struct {
	rels    []*analysis.Relation // the relations carried, in order
	fwd     []string             // per relation: the tagged message
	size    string               // the size message (seq, k1, .., km)
	seq     string               // sender: the number of this tick's batch
	latest  string               // sender: the last batch sent up to and including this tick (-1: none)
	in      []string             // receiver: per relation, the admitted facts
	admit   string               // receiver: the batch admitted this tick
	rw, cit string               // rewrite name and citation, for comments
}

// genItems parses generated rules (written as text, so that they read like
// the rules a person would write) into items without positions.
func genItems(text string) []syntax.Item {
	f, diags := syntax.ParseFile("generated", []byte("component g {\n"+text+"\n}\n"))
	if len(diags) > 0 {
		panic(fmt.Sprintf("rewrites: generated rules do not parse: %v\n%s", diags, text))
	}
	items := f.Items[0].(*syntax.Component).Items
	for _, it := range items {
		clearPos(it)
	}
	return items
}

// xvars returns x1..xn, the variables generated rules use for a relation's
// columns (no generated rule has other variables starting with x).
func xvars(n int) []string {
	xs := make([]string, n)
	for i := range xs {
		xs[i] = fmt.Sprintf("x%d", i+1)
	}
	return xs
}

// newBatchPlan names the relations of a batched channel and declares its
// messages at the top of the file. prefix names the channel (the receiving
// or sending component).
func newBatchPlan(p *analysis.Program, taken map[string]bool, rels []*analysis.Relation, prefix, rw, cite string) *batchPlan {
	b := &batchPlan{rels: rels, rw: rw, cit: cite}
	nm := func(base string) string { return fresh(p, taken, base) }
	b.size, b.seq, b.latest, b.admit = nm(prefix+"BatchSize"), nm(prefix+"BatchSeq"), nm(prefix+"LastBatch"), nm(prefix+"Admit")
	srcCol := syntax.Column{Name: "batchSrc", Type: syntax.TypeAddr}
	seqCol := syntax.Column{Name: "batchSeq", Type: syntax.TypeInt}
	sizeCols := []syntax.Column{srcCol, seqCol}
	for _, r := range rels {
		f := nm(r.Name + "Batched")
		b.fwd = append(b.fwd, f)
		b.in = append(b.in, nm(r.Name+"Admitted"))
		cols := []syntax.Column{srcCol, seqCol}
		names := columnVars(p, r)
		for i, c := range r.Columns {
			cols = append(cols, syntax.Column{Name: names[i], Type: syntax.TypeName(c.Type.String())})
		}
		d := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: f}, Columns: cols}
		d.Doc = note(fmt.Sprintf("%s (%s): %s, tagged with the sender's batch number.", rw, cite, r.Name))
		insertTopDecl(p.File, d)
		sizeCols = append(sizeCols, syntax.Column{Name: "n" + capital(r.Name), Type: syntax.TypeInt})
	}
	d := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: b.size}, Columns: sizeCols}
	d.Doc = note(fmt.Sprintf("%s (%s): the size of each batch, one count per relation.", rw, cite))
	insertTopDecl(p.File, d)
	return b
}

// send returns the sender's rules: batch numbering, the tagged facts and the
// size message, sent to the address d that destLits binds (literals in
// rule-body form, e.g. "proxy(d)").
func (b *batchPlan) send(p *analysis.Program, taken map[string]bool, destLits string) []syntax.Item {
	nm := func(base string) string { return fresh(p, taken, base) }
	init, seqs, sent := nm(b.seq+"Init"), nm(b.seq+"s"), nm(b.seq+"Used")
	var t strings.Builder
	fmt.Fprintf(&t, "%s(0).\n%s(s) :- %s(s).\n.persist %s\n%s(max(s)) :- %s(s).\n", init, seqs, init, seqs, b.seq, seqs)
	var counts, ks []string
	for i, r := range b.rels {
		X := strings.Join(xvars(r.Arity()), ", ")
		fmt.Fprintf(&t, "%s() :- %s(%s).\n", sent, r.Name, X)
		fmt.Fprintf(&t, "%s@d(me, s%s) :~ %s(%s), %s(s), %s, self(me).\n", b.fwd[i], pre(X), r.Name, X, b.seq, destLits)
		cnt, any := nm(r.Name+"Count"), nm(r.Name+"Any")
		if r.Arity() == 0 {
			fmt.Fprintf(&t, "%s(1) :- %s().\n", cnt, r.Name)
		} else {
			fmt.Fprintf(&t, "%s(count(%s)) :- %s(%s).\n", cnt, X, r.Name, X)
		}
		fmt.Fprintf(&t, "%s() :- %s(%s).\n%s(0) :- %s(), !%s().\n", any, r.Name, X, cnt, sent, any)
		k := fmt.Sprintf("k%d", i+1)
		counts = append(counts, fmt.Sprintf("%s(%s)", cnt, k))
		ks = append(ks, k)
	}
	fmt.Fprintf(&t, "%s@d(me, s, %s) :~ %s(), %s(s), %s, %s, self(me).\n", b.size, strings.Join(ks, ", "), sent, b.seq, strings.Join(counts, ", "), destLits)
	fmt.Fprintf(&t, "%s(t) :+ %s(s), %s(), t = s + 1.\n", seqs, b.seq, sent)
	fmt.Fprintf(&t, "%s(s) :- %s(s), %s().\n%s(t) :- %s(s), !%s(), t = s - 1.", b.latest, b.seq, sent, b.latest, b.seq, sent)
	items := genItems(t.String())
	addDoc(items[0], note(fmt.Sprintf("%s (%s): each tick with facts of %s is one numbered batch, sent with its size.", b.rw, b.cit, relNames(b.rels))))
	return items
}

// receive returns the receiver's rules: buffers, completeness per relation,
// in-order admission one batch per sender and tick, and the admitted facts.
// Batches are kept per sender (src), so that several senders — the
// partitions of one decoupled component — may feed one receiver.
func (b *batchPlan) receive(p *analysis.Program, taken map[string]bool) []syntax.Item {
	nm := func(base string) string { return fresh(p, taken, base) }
	sizes, admitted := nm(b.size+"s"), nm(b.admit+"ted")
	m := len(b.rels)
	ks := make([]string, m)
	for i := range ks {
		ks[i] = fmt.Sprintf("k%d", i+1)
	}
	var t strings.Builder
	fmt.Fprintf(&t, "%s(src, s, %s) :- %s(src, s, %s).\n.persist %s\n", sizes, strings.Join(ks, ", "), b.size, strings.Join(ks, ", "), sizes)
	var oks []string
	for i, r := range b.rels {
		X := strings.Join(xvars(r.Arity()), ", ")
		buf, have, ok := nm(r.Name+"Buffered"), nm(r.Name+"Have"), nm(r.Name+"Complete")
		fmt.Fprintf(&t, "%s(src, s%s) :- %s(src, s%s).\n.persist %s\n", buf, pre(X), b.fwd[i], pre(X), buf)
		if r.Arity() == 0 {
			fmt.Fprintf(&t, "%s(src, s, 1) :- %s(src, s).\n", have, buf)
		} else {
			fmt.Fprintf(&t, "%s(src, s, count(%s)) :- %s(src, s, %s).\n", have, X, buf, X)
		}
		zero := make([]string, m)
		kth := make([]string, m)
		for j := range zero {
			zero[j], kth[j] = "_", "_"
		}
		zero[i], kth[i] = "0", "k"
		fmt.Fprintf(&t, "%s(src, s) :- %s(src, s, %s).\n", ok, sizes, strings.Join(zero, ", "))
		fmt.Fprintf(&t, "%s(src, s) :- %s(src, s, %s), %s(src, s, k).\n", ok, sizes, strings.Join(kth, ", "), have)
		fmt.Fprintf(&t, "%s(%s) :- %s(src, s%s), %s(src, s).\n", b.in[i], X, buf, pre(X), b.admit)
		oks = append(oks, ok+"(src, s)")
	}
	all := strings.Join(oks, ", ")
	fmt.Fprintf(&t, "%s(src, s) :- %s, (s == 0), !%s(src, s).\n", b.admit, all, admitted)
	fmt.Fprintf(&t, "%s(src, s) :- %s, %s(src, j), (s == j + 1), !%s(src, s).\n", b.admit, all, admitted, admitted)
	fmt.Fprintf(&t, "%s(src, s) :+ %s(src, s).\n.persist %s", admitted, b.admit, admitted)
	items := genItems(t.String())
	addDoc(items[0], note(fmt.Sprintf("%s (%s): a batch of %s is admitted whole, in order, one per sender and tick.", b.rw, b.cit, relNames(b.rels))))
	return items
}

// pre renders ", X" for a non-empty argument list X.
func pre(x string) string {
	if x == "" {
		return ""
	}
	return ", " + x
}

func relNames(rels []*analysis.Relation) string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}
