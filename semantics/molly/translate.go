package molly

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// This file translates the parsed files into one dsim program with a
// single component (main) and the data the synchronous model needs
// (sim.LocatedProgram). The dsim tree reuses the Molly positions, with the
// files laid end to end on a virtual line axis, so that analysis errors are
// mapped back to the file and line they come from.

// SpecRelation is the end-of-run spec that pre and post become: the pre
// facts with no equal post fact, which must be empty at EOT.
const SpecRelation = "pre_without_post"

// The older spec: good must hold at EOT what it holds in the failure-free
// run (GoodExpected); GoodMissing and GoodUnexpected are the differences,
// both end-of-run specs.
const (
	GoodRelation   = "good"
	GoodExpected   = "molly_expected_good"
	GoodMissing    = "good_missing"
	GoodUnexpected = "good_unexpected"
)

// The model's relations, filled in by the simulator.
const (
	CrashRelation = "crash" // crash(observer, node, round)
	ClockRelation = "clock" // clock(from, to, round)
)

// Options configure Load.
type Options struct {
	// Nodes names the nodes (Molly's --nodes). When empty, the nodes are
	// the distinct strings in the first column of the program's facts.
	Nodes []string
	Read  ReadFunc // default os.ReadFile
}

// Program is a translated Molly program.
type Program struct {
	Located *sim.LocatedProgram
	// HasSpec says the program defines pre and post.
	HasSpec bool
	// GoodSpec says the program has Molly's older spec instead: a
	// relation good that must hold, at EOT, exactly the facts it holds at
	// EOT in the failure-free run. Call SetGoodBaseline before exploring.
	GoodSpec bool
	goodName string   // good's name in the dsim program
	Files    []string // every file read, includes included, in reading order
}

// Load reads the files (and their includes) as one program and translates
// it. On errors, the diagnostics name the file each comes from; render
// them with Sources.Render.
func Load(paths []string, opts Options) (*Program, Sources, syntax.Diagnostics) {
	files, srcs, diags := readAll(paths, opts.Read)
	if len(diags) > 0 {
		diags.Sort()
		return nil, srcs, diags
	}
	t := &translator{files: files, base: map[*file]int{}, rels: map[string]*relInfo{}}
	line := 0
	for _, f := range files {
		t.base[f] = line
		t.order = append(t.order, f)
		line += strings.Count(string(f.src), "\n") + 2
	}
	prog := t.run(opts)
	if len(t.diags) > 0 {
		t.diags.Sort()
		return nil, srcs, t.diags
	}
	return prog, srcs, nil
}

type relInfo struct {
	name    string // Molly name
	dsim    string // name in the dsim program
	arity   int
	f       *file
	pos     syntax.Pos
	derived bool
	read    bool
	facts   []*pred
}

type translator struct {
	files []*file
	order []*file
	base  map[*file]int
	rels  map[string]*relInfo
	diags syntax.Diagnostics
	items []syntax.Item
	fresh int
	used  map[string]bool // dsim relation names taken
}

func (t *translator) errorf(f *file, pos syntax.Pos, hint, format string, args ...any) {
	t.diags = append(t.diags, syntax.Diagnostic{File: f.name, Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// vpos places a position of f on the virtual line axis.
func (t *translator) vpos(f *file, p syntax.Pos) syntax.Pos {
	return syntax.Pos{Line: t.base[f] + p.Line, Col: p.Col}
}

// unmap turns a diagnostic on the virtual axis back into its file's.
func (t *translator) unmap(d syntax.Diagnostic) syntax.Diagnostic {
	for i := len(t.order) - 1; i >= 0; i-- {
		f := t.order[i]
		if d.Pos.Line > t.base[f] {
			d.File = f.name
			d.Pos.Line -= t.base[f]
			return d
		}
	}
	d.File = t.order[0].name
	return d
}

// note records an occurrence of relation name with arity n.
func (t *translator) note(p *pred) *relInfo {
	ri := t.rels[p.name]
	if ri == nil {
		ri = &relInfo{name: p.name, arity: len(p.args), f: p.file, pos: p.pos}
		t.rels[p.name] = ri
		return ri
	}
	if ri.arity != len(p.args) {
		t.errorf(p.file, p.pos, "use the same number of columns everywhere",
			"%s has %d columns here but %d at %s:%d:%d", p.name, len(p.args), ri.arity, ri.f.name, ri.pos.Line, ri.pos.Col)
	}
	return ri
}

var reservedNames = map[string]bool{
	"hash": true, "sign": true, "verify": true, "concat": true, "less_than": true, "self": true,
	analysis.MainComponent: true, SpecRelation: true, GoodMissing: true, GoodUnexpected: true,
}

// dsimName turns a Molly identifier into a dsim one: '.' and '?' become
// '_', and a name dsim reserves gets a trailing '_'.
func dsimName(s string) string {
	s = strings.NewReplacer(".", "_", "?", "_").Replace(s)
	return s
}

func (t *translator) relName(ri *relInfo) string {
	if ri.dsim != "" {
		return ri.dsim
	}
	n := dsimName(ri.name)
	for reservedNames[n] || strings.HasPrefix(n, "molly_") || t.used[n] {
		n += "_"
	}
	t.used[n] = true
	ri.dsim = n
	return n
}

func (t *translator) run(opts Options) *Program {
	t.used = map[string]bool{}
	var rules []*rule
	var facts []*pred
	for _, f := range t.files {
		rules = append(rules, f.rules...)
		facts = append(facts, f.facts...)
	}
	for _, r := range rules {
		t.note(r.head).derived = true
		for _, a := range r.atoms {
			t.note(a).read = true
		}
	}
	for _, f := range facts {
		ri := t.note(f)
		ri.facts = append(ri.facts, f)
	}
	for _, name := range []string{CrashRelation, ClockRelation} {
		ri := t.rels[name]
		if ri == nil {
			continue
		}
		if ri.derived || len(ri.facts) > 0 {
			t.errorf(ri.f, ri.pos, "read "+name+" in rule bodies only; the model fills it in",
				"%s is a relation of the failure model; rules and facts cannot define it", name)
		}
		if ri.arity != 3 {
			t.errorf(ri.f, ri.pos, "write "+name+"(A, B, Round)", "%s has 3 columns, not %d", name, ri.arity)
		}
	}
	if len(t.diags) > 0 {
		return nil
	}
	lp := &sim.LocatedProgram{}
	// Relation names first, in a fixed order (sorted Molly names), so
	// that renaming is deterministic.
	names := make([]string, 0, len(t.rels))
	for n := range t.rels {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t.relName(t.rels[n])
	}
	if ri := t.rels[CrashRelation]; ri != nil && ri.read {
		lp.CrashRel = ri.dsim
		t.decl(ri.f, ri.pos, ri.dsim, []syntax.TypeName{syntax.TypeString, syntax.TypeString, syntax.TypeInt})
	}
	if ri := t.rels[ClockRelation]; ri != nil && ri.read {
		lp.ClockRel = ri.dsim
		t.decl(ri.f, ri.pos, ri.dsim, []syntax.TypeName{syntax.TypeString, syntax.TypeString, syntax.TypeInt})
	}
	// Relations given by facts get their column types from the first
	// fact; facts of relations no rule reads are dropped (they cannot
	// change a run).
	for _, n := range names {
		ri := t.rels[n]
		if len(ri.facts) == 0 || !ri.read {
			continue
		}
		types, vals := t.factTypes(ri)
		if types == nil {
			continue
		}
		t.decl(ri.f, ri.pos, ri.dsim, types)
		for i, f := range ri.facts {
			tm := int64(0)
			if f.time == timeAt {
				tm = f.at
			}
			lp.Facts = append(lp.Facts, sim.TimedFact{Time: tm, Fact: value.Fact{Rel: ri.dsim, Tuple: vals[i]}})
		}
	}
	atRels := map[string]bool{}
	for _, r := range rules {
		t.rule(r, lp, atRels)
	}
	pre, post := t.rels["pre"], t.rels["post"]
	hasSpec := pre != nil && post != nil
	switch {
	case hasSpec && pre.arity != post.arity:
		t.errorf(post.f, post.pos, "give pre and post the same columns: a run fails when a pre fact has no equal post fact",
			"pre has %d columns but post has %d", pre.arity, post.arity)
	case hasSpec:
		t.spec(pre, post)
	case pre != nil:
		t.errorf(pre.f, pre.pos, "define post too, or rename pre", "pre without post: the spec needs both")
	case post != nil:
		t.errorf(post.f, post.pos, "define pre too, or rename post", "post without pre: the spec needs both")
	}
	good := t.rels[GoodRelation]
	goodSpec := !hasSpec && pre == nil && post == nil && good != nil && good.derived
	if goodSpec {
		t.goodSpec(good)
	}
	if len(t.diags) > 0 {
		return nil
	}
	lp.Locations = opts.Nodes
	if len(lp.Locations) == 0 {
		lp.Locations = inferNodes(rules, facts)
	}
	file := &syntax.File{Name: t.files[0].name, Items: t.items}
	prog, diags := analysis.Analyse(file)
	for _, d := range diags {
		t.diags = append(t.diags, t.unmap(d))
	}
	if len(t.diags) > 0 {
		return nil
	}
	lp.Prog = prog
	var files []string
	for _, f := range t.files {
		files = append(files, f.name)
	}
	out := &Program{Located: lp, HasSpec: hasSpec, GoodSpec: goodSpec, Files: files}
	if goodSpec {
		out.goodName = good.dsim
	}
	return out
}

// inferNodes lists, sorted, the strings that the facts hold in location
// columns: the first column of every relation, and every column that some
// rule joins with a location column (a fixpoint over the rules, so that
// the peers in cohort("c", "p1") count once p1 is a message's receiver).
func inferNodes(rules []*rule, facts []*pred) []string {
	type col struct {
		rel string
		i   int
	}
	loc := map[col]bool{}
	isLoc := func(rel string, i int) bool { return i == 0 || loc[col{rel, i}] }
	for changed := true; changed; {
		changed = false
		for _, r := range rules {
			preds := append([]*pred{r.head}, r.atoms...)
			vars := map[string]bool{}
			for _, p := range preds {
				for i, a := range p.args {
					if v, ok := a.(*varTerm); ok && v.name != "_" && isLoc(p.name, i) {
						vars[v.name] = true
					}
				}
			}
			for _, p := range preds {
				for i, a := range p.args {
					if v, ok := a.(*varTerm); ok && vars[v.name] && !isLoc(p.name, i) {
						loc[col{p.name, i}], changed = true, true
					}
				}
			}
		}
	}
	var out []string
	for _, f := range facts {
		for i, a := range f.args {
			if s, ok := a.(*strTerm); ok && isLoc(f.name, i) && !slices.Contains(out, s.s) {
				out = append(out, s.s)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (t *translator) decl(f *file, pos syntax.Pos, name string, types []syntax.TypeName) {
	d := &syntax.Decl{Header: syntax.Header{Pos: t.vpos(f, pos)}, Kind: syntax.DeclRelation,
		Name: syntax.Ident{Pos: t.vpos(f, pos), Name: name}, Columns: []syntax.Column{}}
	for i, ty := range types {
		d.Columns = append(d.Columns, syntax.Column{Pos: t.vpos(f, pos), Name: fmt.Sprintf("c%d", i+1), Type: ty})
	}
	t.items = append(t.items, d)
}

// factTypes checks the facts of ri (ground, one type per column) and
// returns the column types and the tuples.
func (t *translator) factTypes(ri *relInfo) ([]syntax.TypeName, []value.Tuple) {
	var types []syntax.TypeName
	var tuples []value.Tuple
	for _, f := range ri.facts {
		var tu value.Tuple
		for i, a := range f.args {
			var v value.Value
			var ty syntax.TypeName
			switch a := a.(type) {
			case *strTerm:
				v, ty = value.Str(a.s), syntax.TypeString
			case *intTerm:
				v, ty = value.Int(a.i), syntax.TypeInt
			default:
				t.errorf(f.file, a.position(), "a fact holds constants only; a rule needs ':-' and a body", "fact argument is not a constant")
				return nil, nil
			}
			if len(types) <= i {
				types = append(types, ty)
			} else if types[i] != ty {
				t.errorf(f.file, a.position(), "use one type per column",
					"column %d of %s is a %s here but a %s in an earlier fact", i+1, ri.name, ty, types[i])
				return nil, nil
			}
			tu = append(tu, v)
		}
		if f.time != timeAt && f.time != timeNone {
			t.errorf(f.file, f.pos, "a fact holds in a round, e.g. "+ri.name+"(...)@1; (@next and @async are for rules)", "fact with @next or @async")
			return nil, nil
		}
		tuples = append(tuples, tu)
	}
	if types == nil {
		types = []syntax.TypeName{}
	}
	return types, tuples
}

func (t *translator) freshVar(f *file, pos syntax.Pos) *syntax.Ident {
	t.fresh++
	return &syntax.Ident{Pos: t.vpos(f, pos), Name: fmt.Sprintf("Molly_%d", t.fresh)}
}

// expr translates an argument or operand; aggregates are refused here.
func (t *translator) expr(f *file, x term) syntax.Expr {
	switch x := x.(type) {
	case *varTerm:
		if x.name == "_" {
			return &syntax.Wildcard{Pos: t.vpos(f, x.pos)}
		}
		return &syntax.Ident{Pos: t.vpos(f, x.pos), Name: dsimName(x.name)}
	case *strTerm:
		return &syntax.StringLit{Pos: t.vpos(f, x.pos), Value: x.s}
	case *intTerm:
		return &syntax.IntLit{Pos: t.vpos(f, x.pos), Value: x.i}
	case *binTerm:
		return &syntax.Paren{Pos: t.vpos(f, x.pos), X: &syntax.Binary{Pos: t.vpos(f, x.pos), Op: x.op, Left: t.expr(f, x.l), Right: t.expr(f, x.r)}}
	case *aggTerm:
		t.errorf(f, x.pos, "aggregates go in rule heads only", "aggregate %s<%s> outside a head", x.fn, x.varNm)
	}
	return &syntax.BadExpr{Pos: t.vpos(f, x.position())}
}

func (t *translator) rule(r *rule, lp *sim.LocatedProgram, atRels map[string]bool) {
	f := r.file
	h := r.head
	out := &syntax.Rule{Header: syntax.Header{Pos: t.vpos(f, r.pos)}, Arrow: t.vpos(f, r.pos)}
	hi := t.rels[h.name]
	head := syntax.Head{Pos: t.vpos(f, h.pos), Name: syntax.Ident{Pos: t.vpos(f, h.pos), Name: hi.dsim}}
	switch h.time {
	case timeNone:
		out.Kind = syntax.Sync
	case timeNext:
		out.Kind = syntax.NextTick
	case timeAt:
		t.errorf(f, h.pos, "a rule's head holds in the same round, @next or @async; only facts carry a round", "rule head with @%d", h.at)
		return
	case timeAsync:
		out.Kind = syntax.Sync
		if len(r.atoms) == 0 {
			t.errorf(f, h.pos, "the sender of an @async rule is the location of its first body atom", "@async rule without a body atom")
			return
		}
		loc, ok := r.atoms[0].args0()
		if !ok {
			t.errorf(f, r.atoms[0].pos, "name the location in the first column of the rule's first body atom", "the sender's location is not a variable or a constant")
			return
		}
		outbox := "molly_async_" + hi.dsim
		if !atRels[outbox] {
			atRels[outbox] = true
			lp.Async = append(lp.Async, sim.AsyncRel{Outbox: outbox, Rel: hi.dsim})
			t.asyncLink(f, h, outbox, hi)
		}
		head.Name.Name = outbox
		head.Args = append(head.Args, syntax.HeadArg{Expr: t.expr(f, loc)})
	}
	if h.time == timeAsync && len(h.args) == 0 {
		t.errorf(f, h.pos, "the receiver of an @async rule is the head's first column", "@async head without columns")
		return
	}
	for _, a := range h.args {
		if ag, ok := a.(*aggTerm); ok {
			fn := syntax.AggFunc(ag.fn)
			head.Args = append(head.Args, syntax.HeadArg{Agg: &syntax.Aggregate{Pos: t.vpos(f, ag.pos), Func: fn,
				Args: []*syntax.Ident{{Pos: t.vpos(f, ag.pos), Name: dsimName(ag.varNm)}}}})
			continue
		}
		head.Args = append(head.Args, syntax.HeadArg{Expr: t.expr(f, a)})
	}
	out.Head = head
	for _, o := range r.order {
		if o < 0 {
			q := r.quals[-1-o]
			op := q.op
			if op == "==" {
				op = "=" // binds an unbound variable side, compares otherwise
			}
			out.Body = append(out.Body, &syntax.Compare{Pos: t.vpos(f, q.pos), Op: op, Left: t.expr(f, q.l), Right: t.expr(f, q.r)})
			continue
		}
		a := r.atoms[o]
		ai := t.rels[a.name]
		name := ai.dsim
		switch a.time {
		case timeNext, timeAsync:
			t.errorf(f, a.pos, "a body atom reads the current round, or a given round such as @1", "@next or @async in a rule body")
			continue
		case timeAt:
			name = fmt.Sprintf("molly_at%d_%s", a.at, ai.dsim)
			if !atRels[name] {
				atRels[name] = true
				if ai.derived {
					// Rules derive it: the model keeps a snapshot of
					// round a.at, readable from the next round on.
					lp.Snapshots = append(lp.Snapshots, sim.RoundSnapshot{Rel: ai.dsim, As: name, Round: a.at})
					t.link(f, a, name, ai)
					// Up to that round, the facts given for it stand in
					// for the snapshot (exact when rules add nothing to
					// them in that round).
					t.givenUpTo(ai, a.at, name, lp)
				} else {
					t.atRelation(ai, a.at, name, lp)
				}
			}
		}
		atom := &syntax.Atom{Pos: t.vpos(f, a.pos), Negated: a.notin, Name: syntax.Ident{Pos: t.vpos(f, a.pos), Name: name}}
		var extra []syntax.Literal
		for _, x := range a.args {
			switch x := x.(type) {
			case *binTerm:
				v := t.freshVar(f, x.pos)
				atom.Args = append(atom.Args, v)
				extra = append(extra, &syntax.Compare{Pos: t.vpos(f, x.pos), Op: "==", Left: v, Right: t.expr(f, x)})
			default:
				atom.Args = append(atom.Args, t.expr(f, x))
			}
		}
		out.Body = append(out.Body, atom)
		out.Body = append(out.Body, extra...)
	}
	t.items = append(t.items, out)
}

// args0 returns the first argument of a body atom when it names a
// location: a variable or a constant.
func (p *pred) args0() (term, bool) {
	if len(p.args) == 0 {
		return nil, false
	}
	switch a := p.args[0].(type) {
	case *varTerm:
		return a, a.name != "_"
	case *strTerm, *intTerm:
		return a, true
	}
	return nil, false
}

// link adds `as(X..) :+ rel(X..), molly_never()` for a snapshot
// relation: like asyncLink, a rule that never fires but gives as the
// columns (and types) of rel.
func (t *translator) link(f *file, at *pred, as string, ri *relInfo) {
	pos := t.vpos(f, at.pos)
	r := &syntax.Rule{Header: syntax.Header{Pos: pos}, Arrow: pos, Kind: syntax.NextTick,
		Head: syntax.Head{Pos: pos, Name: syntax.Ident{Pos: pos, Name: as}}}
	src := &syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: ri.dsim}}
	for i := range ri.arity {
		v := &syntax.Ident{Pos: pos, Name: fmt.Sprintf("X%d", i+1)}
		r.Head.Args = append(r.Head.Args, syntax.HeadArg{Expr: v})
		src.Args = append(src.Args, v)
	}
	t.never(pos)
	r.Body = []syntax.Literal{src, &syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: "molly_never"}}}
	t.items = append(t.items, r)
}

// never declares molly_never(), an always empty relation, once.
func (t *translator) never(pos syntax.Pos) {
	if !t.used["molly_never"] {
		t.used["molly_never"] = true
		t.items = append(t.items, &syntax.Decl{Header: syntax.Header{Pos: pos}, Kind: syntax.DeclRelation,
			Name: syntax.Ident{Pos: pos, Name: "molly_never"}, Columns: []syntax.Column{}})
	}
}

// asyncLink adds `rel(X..) :+ molly_async_rel(_, X..), molly_never()`: a
// rule that never fires (molly_never is always empty) but ties the
// columns of rel to those of its outbox, so that both get the same types,
// and makes sure rel exists for the messages delivered to it. It is a :+
// rule so that it adds no dependency inside a round (strata).
func (t *translator) asyncLink(f *file, h *pred, outbox string, hi *relInfo) {
	pos := t.vpos(f, h.pos)
	r := &syntax.Rule{Header: syntax.Header{Pos: pos}, Arrow: pos, Kind: syntax.NextTick,
		Head: syntax.Head{Pos: pos, Name: syntax.Ident{Pos: pos, Name: hi.dsim}}}
	ob := &syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: outbox}, Args: []syntax.Expr{&syntax.Wildcard{Pos: pos}}}
	for i := range hi.arity {
		v := &syntax.Ident{Pos: pos, Name: fmt.Sprintf("X%d", i+1)}
		r.Head.Args = append(r.Head.Args, syntax.HeadArg{Expr: v})
		ob.Args = append(ob.Args, v)
	}
	t.never(pos)
	r.Body = []syntax.Literal{ob, &syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: "molly_never"}}}
	t.items = append(t.items, r)
}

// atRelation declares name, which holds in every round the facts that ri
// has in round at.
func (t *translator) atRelation(ri *relInfo, at int64, name string, lp *sim.LocatedProgram) {
	types, vals := t.factTypes(ri)
	if types == nil && len(ri.facts) > 0 {
		return
	}
	if len(ri.facts) == 0 {
		types = make([]syntax.TypeName, ri.arity)
		for i := range types {
			types[i] = syntax.TypeString
		}
	}
	t.decl(ri.f, ri.pos, name, types)
	for i, f := range ri.facts {
		if f.time == timeAt && f.at == at || f.time == timeNone {
			lp.Facts = append(lp.Facts, sim.TimedFact{Fact: value.Fact{Rel: name, Tuple: vals[i]}})
		}
	}
}

// givenUpTo adds, for rounds 1..at, the facts ri is given for round at,
// as facts of name.
func (t *translator) givenUpTo(ri *relInfo, at int64, name string, lp *sim.LocatedProgram) {
	if len(ri.facts) == 0 || at > sim.MaxSyncEOT {
		return
	}
	_, vals := t.factTypes(ri)
	for i, f := range ri.facts {
		if vals == nil || !(f.time == timeAt && f.at == at || f.time == timeNone) {
			continue
		}
		for r := int64(1); r <= at; r++ {
			lp.Facts = append(lp.Facts, sim.TimedFact{Time: r, Fact: value.Fact{Rel: name, Tuple: vals[i]}})
		}
	}
}

// spec adds `pre_without_post(X..) :- pre(X..), !post(X..)` and
// `.final pre_without_post`.
func (t *translator) spec(pre, post *relInfo) {
	pos := t.vpos(pre.f, pre.pos)
	r := &syntax.Rule{Header: syntax.Header{Pos: pos}, Arrow: pos, Kind: syntax.Sync,
		Head: syntax.Head{Pos: pos, Name: syntax.Ident{Pos: pos, Name: SpecRelation}}}
	pa := &syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: pre.dsim}}
	na := &syntax.Atom{Pos: pos, Negated: true, Name: syntax.Ident{Pos: pos, Name: post.dsim}}
	for i := range pre.arity {
		v := &syntax.Ident{Pos: pos, Name: fmt.Sprintf("X%d", i+1)}
		r.Head.Args = append(r.Head.Args, syntax.HeadArg{Expr: v})
		pa.Args = append(pa.Args, v)
		na.Args = append(na.Args, v)
	}
	r.Body = []syntax.Literal{pa, na}
	t.items = append(t.items, r, &syntax.Decl{Header: syntax.Header{Pos: pos}, Kind: syntax.DeclFinal,
		Name: syntax.Ident{Pos: pos, Name: SpecRelation}})
}

// goodSpec adds, for Molly's older spec, GoodExpected (typed like good by
// a link rule; its facts are the failure-free run's, see SetGoodBaseline)
// and the two end-of-run specs
// `good_missing(X..) :- molly_expected_good(X..), !good(X..).` and
// `good_unexpected(X..) :- good(X..), !molly_expected_good(X..).`
func (t *translator) goodSpec(good *relInfo) {
	pos := t.vpos(good.f, good.pos)
	t.link(good.f, &pred{pos: good.pos}, GoodExpected, good)
	args := func() []syntax.Expr {
		var out []syntax.Expr
		for i := range good.arity {
			out = append(out, &syntax.Ident{Pos: pos, Name: fmt.Sprintf("X%d", i+1)})
		}
		return out
	}
	for _, sp := range []struct{ name, pos, neg string }{{GoodMissing, GoodExpected, good.dsim}, {GoodUnexpected, good.dsim, GoodExpected}} {
		r := &syntax.Rule{Header: syntax.Header{Pos: pos}, Arrow: pos, Kind: syntax.Sync,
			Head: syntax.Head{Pos: pos, Name: syntax.Ident{Pos: pos, Name: sp.name}}}
		for _, a := range args() {
			r.Head.Args = append(r.Head.Args, syntax.HeadArg{Expr: a})
		}
		r.Body = []syntax.Literal{
			&syntax.Atom{Pos: pos, Name: syntax.Ident{Pos: pos, Name: sp.pos}, Args: args()},
			&syntax.Atom{Pos: pos, Negated: true, Name: syntax.Ident{Pos: pos, Name: sp.neg}, Args: args()},
		}
		t.items = append(t.items, r, &syntax.Decl{Header: syntax.Header{Pos: pos}, Kind: syntax.DeclFinal,
			Name: syntax.Ident{Pos: pos, Name: sp.name}})
	}
}

// SetGoodBaseline runs the failure-free run to eot and makes its good
// facts at EOT the expected ones (Molly's older spec). It is an error when
// there are none, as in Molly.
func (p *Program) SetGoodBaseline(eot int64) error {
	if !p.GoodSpec {
		return nil
	}
	lp := p.Located
	kept := lp.Facts[:0:0]
	for _, f := range lp.Facts {
		if f.Fact.Rel != GoodExpected {
			kept = append(kept, f)
		}
	}
	lp.Facts = kept
	run, err := sim.RunSync(sim.SyncTarget{Located: lp}, sim.SyncBounds{EOT: eot}, nil, nil)
	if err != nil {
		return err
	}
	good := run.Facts[0][p.goodName]
	if len(good) == 0 {
		return fmt.Errorf("good is empty at EOT %d in the failure-free run, so the spec says nothing (Molly refuses it too); define pre and post, or check the program", eot)
	}
	for _, tu := range good {
		lp.Facts = append(lp.Facts, sim.TimedFact{Fact: value.Fact{Rel: GoodExpected, Tuple: tu}})
	}
	return nil
}
