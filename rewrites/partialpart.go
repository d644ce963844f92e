package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Partial partitioning (paper §4.3, report App. B.3), the mechanism. The
// step names the input relations w of C whose writes cannot be
// partitioned (the ballot updates of micro/partial). C1 is everything C
// derives from them alone (downstream); it is replicated on every
// partition. With several, one coordinator orders the writes of all of
// them by one index, so every partition applies them in one order.
// C2, the rest, is partitioned as by `deps` with C1 treated as replicated.
//
// Replication: the senders of w now send to a coordinator K (one per
// original instance of C, refining the same original). K queues the
// writes and runs one commit round at a time with every partition of its
// original: a vote request carrying the next index, the partitions' votes,
// then a commit with that index. Each partition applies committed writes
// in index order (a write then feeds C1 as w did), and while a vote request
// it has seen is not applied yet (the tick that applies it counts as
// applied: a partition may get no tick of its own between applying a write
// and freezing again for the next) it is frozen: its other inputs are
// buffered until it unfreezes, so every partition sees each replicated
// write at the same point relative to its own inputs.
//
// Retransmission: the original loses at most the write's one message, but
// a lost vote request, vote or commit of the round would freeze a
// partition forever, so that a request it owns is never answered (a
// liveness gap the original does not have under omission faults). So while
// a write waits for votes the coordinator ticks every time unit (a flip
// relation that changes what it carries) and resends the vote request
// every other tick; a frozen partition likewise votes again every other
// tick for each write it has seen but not applied; and the coordinator
// answers a vote for a write it already committed with the commit. Votes
// and commits are idempotent (votes are a set, commits are applied once,
// in index order), and once every write is applied nothing is resent, so
// runs still quiesce.

// PartialKind is the plan step `partial C : w...`.
const PartialKind Kind = "partial"

func init() {
	kindNames[PartialKind] = "partial partitioning"
	kindCite[PartialKind] = "§4.3, App. B.3"
}

// PartialPartition applies partial partitioning to comp of the program
// name/src, replicating what it derives from the inputs ws. It returns the
// rewritten source (not yet re-analysed).
func PartialPartition(name string, src []byte, comp string, ws []string, parts int, seals []string, pos syntax.Pos) ([]byte, error) {
	kind := PartialKind
	rw, cite := kind.Name(), kindCite[kind]
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		return nil, diags
	}
	c := p.Component(comp)
	if c == nil || block(p.File, comp) == nil {
		return nil, refuse(p, pos, rw, "component block", "name a component block of the program", "no component block %s", comp)
	}
	for _, w := range ws {
		if !contains(c.Inputs, w) || contains(c.ClientInputs, w) || contains(c.Timers, w) {
			return nil, refuse(p, c.Pos, rw, "replicated input", "name an input of "+comp+" that other components send it",
				"%s is not a message input of %s (inputs: %s)", w, comp, strings.Join(c.Inputs, ", "))
		}
	}
	rep := downstream(p, comp2(c), ws)
	wlist := strings.Join(ws, ", ")
	var c1, c2 []*analysis.Rule
	for _, r := range c.Rules {
		if rep[r.Head.Rel] {
			c1 = append(c1, r)
		} else {
			c2 = append(c2, r)
		}
	}
	if ok, d := Independent(p, c1, c2); !ok {
		return nil, refuse(p, d.Rule.Pos, rw, "C1 is independent of C2", "replicate only relations derived from "+wlist+" alone",
			"rule at %s (replicated) reads %s, which the partitioned rules derive (%s)", at(p, d.Rule), d.Relation, cite)
	}
	// The report asks both parts to be state machines. C1's outputs are
	// read by C2 on the same node, not sent, so the test is applied to the
	// component as a whole: what leaves it must exist only in ticks with
	// inputs, and everything it reads must be driven by inputs or stay put.
	if ok, v := IsStateMachine(p, c.Rules); !ok {
		pos := c.Pos
		if v.Rule != nil {
			pos = v.Rule.Pos
		}
		return nil, refuse(p, pos, rw, "a state machine", hintOr(v, "keep next-tick state out of what "+comp+" sends"),
			"%s; %s must be a state machine (%s)", v.Reason, comp, cite)
	}
	// Partitioned sealing names a reply by the index of the write it
	// answers; with several replicated inputs the coordinator numbers the
	// writes of all of them in one sequence, so an index still names one
	// write (pseal.go).
	for _, r := range seals {
		if err := sealPre(p, c, ws, r); err != nil {
			return nil, err
		}
	}
	if err := sealAllReplies(p, c, ws, seals); err != nil {
		return nil, err
	}
	// Aggregates over the partitioned part without a key (a log's size)
	// are computed per partition when only sealed replies carry them; the
	// receivers combine the parts (partagg.go).
	aggs, aggCols, err := partAggs(p, c, rep, seals)
	if err != nil {
		return nil, err
	}
	local := map[string]bool{}
	for r := range aggs {
		local[r] = true
	}
	origCount := int64(1)
	if b := block(p.File, comp); b.HasCount {
		origCount = b.Count
	}
	// Phase 1: partition C2 (and its senders) with C1 replicated and the
	// partitioned aggregates kept per partition; the senders of w are left
	// for the coordinator.
	pol, names, err := partition(p, Deps, comp, parts, nil, pos, rep, set(ws), local)
	if err != nil {
		if r, ok := err.(*Refusal); ok {
			r.Msg = strings.Replace(r.Msg, Deps.Name(), rw, 1)
			r.Rewrite = rw
		}
		return nil, err
	}
	if err := partAggKeys(p, aggs, pol); err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	if names.originals == "" {
		names.originals = fresh(p, taken, comp+"Originals")
		fact := &syntax.Fact{Head: syntax.Head{Name: syntax.Ident{Name: names.originals}, Args: []syntax.HeadArg{{Expr: &syntax.IntLit{Value: 1}}}}}
		fact.Doc = note(fmt.Sprintf("%s (%s): the original program has 1 %s instance.", rw, cite, comp))
		insertTopDecl(p.File, fact)
	}
	if names.instances == "" {
		names.instances = fresh(p, taken, comp+"Instances")
		names.partitions = fresh(p, taken, comp+"Partitions")
	}
	mid := syntax.Print(p.File)
	p2, diags := analysis.Load(name, mid)
	if len(diags) > 0 {
		return nil, fmt.Errorf("%s: phase 1 produced a program that does not vet (a bug of the rewrite engine):\n%s", rw, diags.Render(mid))
	}
	if err := replicate(p2, comp, ws, rep, c2Inputs(p, c2, rep), names, taken, origCount, seals, aggCols); err != nil {
		return nil, err
	}
	return syntax.Print(p2.File), nil
}

// comp2 returns c itself; downstream takes the component.
func comp2(c *analysis.Component) *analysis.Component { return c }

// c2Inputs lists the inputs of the partitioned rules that arrive from
// outside C (they get buffered).
func c2Inputs(p *analysis.Program, c2 []*analysis.Rule, rep map[string]bool) []string {
	var out []string
	for _, in := range VocabOf(p, c2).Inputs {
		if !rep[in] {
			out = append(out, in)
		}
	}
	return out
}

// replicate is phase 2: the coordinator, index-ordered application and
// buffering, on the partitioned program p. ws are the replicated input
// relations: one coordinator orders the writes of all of them by one
// index (it picks from the first relation with a queued write, in the
// order of ws: every write is eventually picked, since a run has finitely
// many), so every partition applies all replicated writes in one order.
func replicate(p *analysis.Program, comp string, ws []string, rep map[string]bool, buffered []string, names helperNames, taken map[string]bool, origCount int64, seals []string, aggCols map[string]aggCol) error {
	rw, cite := PartialKind.Name(), kindCite[PartialKind]
	blk := block(p.File, comp)
	K := fresh(p, taken, comp+"Coord")
	nm := func(base string) string { return fresh(p, taken, base) }
	multi := len(ws) > 1
	// per names a relation of one replicated input: with one input the
	// names of the one-input rewrite (replicaCoordQueued), with several
	// the input's name inside (replicaCoordNewBallotQueued).
	per := func(prefix, w, suffix string) string {
		if multi {
			return nm(prefix + capital(w) + suffix)
		}
		return nm(prefix + suffix)
	}
	voteBase := ws[0] + "Vote"
	if multi {
		voteBase = comp + "WriteVote" // one vote per index, whatever the relation
	}
	vote := nm(voteBase)
	// Shared relations of the partitions and of the coordinator.
	cMe, cApplied, cLast, cPending, cFrozen, cIdx := nm(comp+"Me"), nm(comp+"Applied"), nm(comp+"LastApplied"), nm(comp+"Pending"), nm(comp+"Frozen"), nm(comp+"ApplyIdx")
	kMe, kUsed, kLast, kBusy, kVotes, kNumVotes, kAllVoted := nm(K+"Me"), nm(K+"Used"), nm(K+"Last"), nm(K+"Busy"), nm(K+"Votes"), nm(K+"NumVotes"), nm(K+"AllVoted")
	kFlip, cUnapplied, cFlip := nm(K+"WaitFlip"), nm(comp+"Unapplied"), nm(comp+"FrozenFlip")
	O, P, I := names.originals, names.partitions, names.instances
	shared := strings.NewReplacer("{C}", comp, "{K}", K, "{O}", O, "{P}", P, "{I}", I, "{V}", vote,
		"{me}", cMe, "{applied}", cApplied, "{last}", cLast, "{pending}", cPending, "{frozen}", cFrozen, "{idx}", cIdx,
		"{kme}", kMe, "{used}", kUsed, "{klast}", kLast, "{busy}", kBusy, "{votes}", kVotes, "{nvotes}", kNumVotes, "{allvoted}", kAllVoted,
		"{kflip}", kFlip, "{unapplied}", cUnapplied, "{cflip}", cFlip)
	idxDecl := syntax.Column{Name: "idx", Type: syntax.TypeInt}
	vd := &syntax.Decl{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: vote}, Columns: []syntax.Column{{Name: "src", Type: syntax.TypeAddr}, idxDecl}}
	vd.Doc = note(fmt.Sprintf("%s (%s): a partition's vote in the commit round of replicated %s writes.", rw, cite, strings.Join(ws, ", ")))
	insertTopDecl(p.File, vd)

	coord := shared.Replace(`{kme}(r) :- self(a), {O}(m), less_than(r, m), ({K}[r] == a).
{I}(count(a)) :- {C}(a).
{P}(k) :- {I}(n), {O}(m), k = n / m.
{used}(0) :- {O}(_).
.persist {used}
{klast}(max(i)) :- {used}(i).
{votes}(src, i) :- {V}(src, i).
.persist {votes}
{nvotes}(count(src), i) :- {votes}(src, i).
{allvoted}(i) :- {nvotes}(k, i), {P}(k).`)
	part := shared.Replace(`{I}(count(a)) :- {C}(a).
{me}(i) :- self(a), {I}(n), less_than(i, n), ({C}[i] == a).
{applied}(0) :- {O}(_).
.persist {applied}
{last}(max(i)) :- {applied}(i).
.persist {pending}`)
	var coordRetx, partRetx, avail []string
	var applyRels, appliedRels []string // per input: apply(i, X), and the applied write
	for _, w := range ws {
		wr := p.Relation(w)
		n := wr.Arity()
		xs, under := xvars(n), make([]string, n)
		for i := range under {
			under[i] = "_"
		}
		chooseX := make([]string, n)
		for i, x := range xs {
			chooseX[i] = "choose(" + x + ")"
		}
		voteReq, commit := nm(w+"VoteReq"), nm(w+"Commit")
		cols := []syntax.Column{idxDecl}
		for i, c := range wr.Columns {
			cols = append(cols, syntax.Column{Name: xs[i], Type: syntax.TypeName(c.Type.String())})
		}
		for _, d := range []*syntax.Decl{
			{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: voteReq}, Columns: cols},
			{Kind: syntax.DeclRelation, Name: syntax.Ident{Name: commit}, Columns: cols},
		} {
			d.Doc = note(fmt.Sprintf("%s (%s): the commit round of replicated %s writes.", rw, cite, w))
			insertTopDecl(p.File, d)
		}
		queued, pick, flight, done := per(K, w, "Queued"), per(K, w, "Pick"), per(K, w, "InFlight"), per(K, w, "Done")
		waiting, committed := per(K, w, "Waiting"), per(K, w, "Committed")
		commits, apply, wapplied := per(comp, w, "Commits"), per(comp, w, "Apply"), nm(w+"Applied")
		applyRels = append(applyRels, apply)
		appliedRels = append(appliedRels, wapplied)
		// A write is picked only while no earlier relation of ws has one
		// queued: one write per round, whatever arrives together.
		var notEarlier string
		for _, a := range avail {
			notEarlier += ", !" + a + "()"
		}
		if multi && w != ws[len(ws)-1] {
			a := per(K, w, "Avail")
			coord += fmt.Sprintf("\n%s() :- %s(%s), !%s(%s).", a, queued, strings.Join(xs, ", "), done, strings.Join(xs, ", "))
			avail = append(avail, a)
		}
		r := strings.NewReplacer("{X}", strings.Join(xs, ", "), "{U}", strings.Join(under, ", "), "{w}", w, "{VR}", voteReq, "{CM}", commit,
			"{queued}", queued, "{pick}", pick, "{flight}", flight, "{done}", done, "{waiting}", waiting, "{committed}", committed,
			"{commits}", commits, "{apply}", apply, "{wapplied}", wapplied, "{chooseX}", strings.Join(chooseX, ", "), "{notEarlier}", notEarlier)
		coord += "\n" + shared.Replace(r.Replace(`{queued}({X}) :- {w}({X}).
.persist {queued}
{busy}() :- {flight}(_, {U}).
{pick}({chooseX}) :- {queued}({X}), !{done}({X}), !{busy}(){notEarlier}.
{VR}@{C}[r + m * q](i, {X}) :~ {pick}({X}), {klast}(j), i = j + 1, {kme}(r), {O}(m), {P}(k), less_than(q, k).
{flight}(i, {X}) :+ {pick}({X}), {klast}(j), i = j + 1.
{flight}(i, {X}) :+ {flight}(i, {X}), !{allvoted}(i).
{CM}@{C}[r + m * q](i, {X}) :~ {flight}(i, {X}), {allvoted}(i), {kme}(r), {O}(m), {P}(k), less_than(q, k).
{done}({X}) :+ {flight}(i, {X}), {allvoted}(i).
.persist {done}
{used}(i) :+ {flight}(i, {U}), {allvoted}(i).`))
		coordRetx = append(coordRetx, shared.Replace(r.Replace(`{waiting}(i, {X}) :- {flight}(i, {X}), !{allvoted}(i).
{kflip}() :+ {waiting}(_, {U}), !{kflip}().
{VR}@{C}[r + m * q](i, {X}) :~ {waiting}(i, {X}), {kflip}(), {kme}(r), {O}(m), {P}(k), less_than(q, k).
{committed}(i, {X}) :+ {flight}(i, {X}), {allvoted}(i).
.persist {committed}
{CM}@src(i, {X}) :~ {V}(src, i), {committed}(i, {X}).`)))
		part += "\n" + shared.Replace(r.Replace(`{commits}(i, {X}) :- {CM}(i, {X}).
.persist {commits}
{apply}(i, {X}) :- {commits}(i, {X}), {last}(j), (i == j + 1).
{applied}(i) :+ {apply}(i, {U}).
{wapplied}({X}) :- {apply}(_, {X}).
{pending}(i) :- {VR}(i, {U}).
{V}@{K}[i](src, idx) :~ {VR}(idx, {U}), {me}(i), self(src).`))
		if multi {
			part += "\n" + shared.Replace(r.Replace(`{idx}(i) :- {apply}(i, {U}).`))
		}
	}
	// A partition is frozen while a vote request it has seen is not
	// applied; the tick that applies it counts as applied.
	applying := cIdx + "(i)"
	if !multi {
		applying = applyRels[0] + "(i" + strings.Repeat(", _", p.Relation(ws[0]).Arity()) + ")"
	}
	part += "\n" + shared.Replace(fmt.Sprintf(`{frozen}() :- {pending}(i), !{applied}(i), !%s.`, applying))
	partRetx = append(partRetx, shared.Replace(fmt.Sprintf(`{unapplied}(i) :- {pending}(i), !{applied}(i), !%s.
{cflip}() :+ {frozen}(), !{cflip}().
{V}@{K}[i](src, idx) :~ {unapplied}(idx), {cflip}(), {me}(i), self(src).`, applying)))

	kb := &syntax.Component{Name: syntax.Ident{Name: K}, Count: origCount, HasCount: origCount > 1, Refines: ident(refinesOf(blk))}
	kb.Doc = note(fmt.Sprintf("%s (%s): coordinator of the replicated %s writes, one per original %s instance.", rw, cite, strings.Join(ws, ", "), comp))
	kb.Items = genItems(coord)
	retx := genItems(strings.Join(coordRetx, "\n"))
	retx[0].(*syntax.Rule).Doc = note(fmt.Sprintf("%s (%s): retransmission under message loss: while a write waits for votes, resend its vote request every other tick; answer a vote for a committed write with its commit.", rw, cite))
	kb.Items = append(kb.Items, retx...)
	items := genItems(part)
	items[0].(*syntax.Rule).Doc = note(fmt.Sprintf("%s (%s): replicated %s writes are applied in index order; other inputs wait while one is pending.", rw, cite, strings.Join(ws, ", ")))
	pr := genItems(strings.Join(partRetx, "\n"))
	pr[0].(*syntax.Rule).Doc = note(fmt.Sprintf("%s (%s): retransmission under message loss: while frozen, vote again every other tick until the commit arrives.", rw, cite))
	items = append(items, pr...)
	// C1 reads the applied writes instead of w; C2 reads buffered inputs.
	var c1src, c2src []*syntax.Rule
	for _, ar := range p.Component(comp).Rules {
		if ar.Source == nil {
			continue
		}
		if rep[ar.Head.Rel] {
			c1src = append(c1src, ar.Source)
		} else {
			c2src = append(c2src, ar.Source)
		}
	}
	// Partitioned rules that read w react to the applied write too, at the
	// same point of every partition's input sequence (w itself now goes to
	// the coordinator).
	for k, w := range ws {
		renameInBodies(c1src, w, appliedRels[k])
		renameInBodies(c2src, w, appliedRels[k])
	}
	for _, t := range buffered {
		tr := p.Relation(t)
		ys := columnVars(p, tr)
		buf, gone := nm(t+"Buffered"), nm(t+"Go")
		Y := strings.Join(ys, ", ")
		items = append(items, genItems(fmt.Sprintf("%s(%s) :- %s(%s).\n%s(%s) :+ %s(%s), !%s(%s).\n%s(%s) :- %s(%s), !%s().",
			buf, Y, t, Y, buf, Y, buf, Y, gone, Y, gone, Y, buf, Y, cFrozen))...)
		renameInBodies(c2src, t, gone)
	}
	orig := ""
	if len(seals) > 0 {
		// A sealed reply stands for the original instance's one reply, so
		// it carries the original's address where it carried self: the
		// parts of one reply then agree on it, and replies joined by their
		// sender at the receiver (p1b and p1bLog) still join.
		orig = nm(comp + "OrigSelf")
		os := genItems(shared.Replace(fmt.Sprintf(`%s({C}[o]) :- {me}(j), {O}(m), o = j %% m.`, orig)))
		addDoc(os[0], note(fmt.Sprintf("partitioned sealing (App. B.4): the address of the original %s instance this partition stands for; sealed replies carry it.", comp)))
		items = append(items, os...)
	}
	blk.Items = append(items, blk.Items...)
	for _, r := range seals {
		sealPartitioned(p, taken, comp, ws, r, applyRels, appliedRels, O, orig, aggCols)
	}
	i := blockIndex(p.File, blk)
	p.File.Items = append(p.File.Items[:i], append([]syntax.Item{kb}, p.File.Items[i:]...)...)
	// The writes now go to the coordinator of each original instance.
	for _, w := range ws {
		if err := redirect(p, PartialKind, comp, K, w, syntax.Pos{}); err != nil {
			return err
		}
	}
	return nil
}

func refinesOf(b *syntax.Component) string {
	if b.Refines != nil {
		return b.Refines.Name
	}
	return b.Name.Name
}

// clearPos drops positions from a generated item, so that the printer
// keeps no source layout for it.
func clearPos(it syntax.Item) {
	switch x := it.(type) {
	case *syntax.Rule:
		x.Pos, x.Arrow = syntax.Pos{}, syntax.Pos{}
	case *syntax.Decl:
		x.Pos = syntax.Pos{}
	}
}
