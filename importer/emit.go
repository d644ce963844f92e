package importer

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file builds the generated program's tree: one component per role,
// holding the role's items (rewritten where the manifest says how its Rust
// glue behaved) and the items that stand for that glue.

func ident(name string) syntax.Ident { return syntax.Ident{Name: name} }

func identExpr(name string) *syntax.Ident { return &syntax.Ident{Name: name} }

func atom(name string, args ...syntax.Expr) *syntax.Atom {
	return &syntax.Atom{Name: ident(name), Args: args}
}

func head(name string, args ...syntax.Expr) syntax.Head {
	h := syntax.Head{Name: ident(name)}
	for _, a := range args {
		h.Args = append(h.Args, syntax.HeadArg{Expr: a})
	}
	return h
}

func rule(kind syntax.RuleKind, h syntax.Head, body ...syntax.Literal) *syntax.Rule {
	return &syntax.Rule{Head: h, Kind: kind, Body: body}
}

func vars(prefix string, n int) []syntax.Expr {
	out := make([]syntax.Expr, n)
	for i := range out {
		out[i] = identExpr(fmt.Sprintf("%s%d", prefix, i+1))
	}
	return out
}

func (r *role) newName(n string) string {
	if m, ok := r.rename[n]; ok {
		return m
	}
	return n
}

func (im *importer) generate() *syntax.File {
	out := &syntax.File{}
	if im.client.hasReply {
		out.Items = append(out.Items, &syntax.Decl{Kind: syntax.DeclOutput, Name: ident(im.client.output)})
	}
	for i, name := range im.m.Outputs {
		found := false
		for _, r := range im.roles {
			if rel := r.prog.Relation(name); rel != nil && rel.Output {
				found = true
			}
		}
		if !found {
			im.merrorf(im.m.keys.value("outputs"), "list .output relations of the role files that clients should see",
				"outputs[%d]: no role has an .output relation %s", i, name)
			continue
		}
		out.Items = append(out.Items, &syntax.Decl{Kind: syntax.DeclOutput, Name: ident(name)})
	}
	for _, r := range im.roles {
		out.Items = append(out.Items, im.component(r))
	}
	return out
}

func (im *importer) component(r *role) *syntax.Component {
	c := &syntax.Component{Name: ident(r.name), Count: r.spec.Count, HasCount: true}
	if r.spec.Refines != "" {
		ref := ident(r.spec.Refines)
		c.Refines = &ref
	}
	c.Items = append(c.Items, im.glue(r)...)
	for _, it := range r.ast.Items {
		if it := im.rewrite(r, it); it != nil {
			c.Items = append(c.Items, it)
		}
	}
	return c
}

// declared reports whether the role file has a directive on rel.
func declared(r *role, rel string) *syntax.Decl {
	for _, it := range r.ast.Items {
		if d, ok := it.(*syntax.Decl); ok && d.Name.Name == rel {
			return d
		}
	}
	return nil
}

// glue makes the items that stand for the role's Rust glue: the request
// bridge, EDB facts, timers and the tick counter.
func (im *importer) glue(r *role) []syntax.Item {
	var items []syntax.Item
	ci := im.client
	counts := map[string]int64{}
	for _, x := range im.roles {
		counts[x.name] = x.spec.Count
	}
	if ci.hasClient && ci.entry == r {
		doc := fmt.Sprintf(" Client requests: %s without its client tag (column %d); the tag is the request id, column %d.", ci.request, ci.tag+1, ci.id+1)
		if ci.tag < 0 {
			doc = fmt.Sprintf(" Client requests: %s, request id first (column %d).", ci.request, ci.id+1)
		}
		items = append(items, &syntax.Decl{Kind: syntax.DeclInput, Name: ident(ci.input), Header: syntax.Header{Doc: comments(doc)}})
		cols := vars("c", ci.requestArity)
		in := []syntax.Expr{cols[ci.id]}
		for k := range cols {
			if k != ci.id && k != ci.tag {
				in = append(in, cols[k])
			}
		}
		hd := append([]syntax.Expr(nil), cols...)
		if ci.tag >= 0 {
			hd[ci.tag] = cols[ci.id]
		}
		items = append(items, rule(syntax.Sync, head(ci.request, hd...), atom(ci.input, in...)))
	}
	unknown := func(table, rel string) {
		var inputs []string
		for _, it := range r.ast.Items {
			if d, ok := it.(*syntax.Decl); ok && d.Kind == syntax.DeclInput {
				inputs = append(inputs, d.Name.Name)
			}
		}
		im.merrorf(im.m.keys.lookup("roles", r.name, table, rel), "the .input relations of "+filepath.Base(r.file)+" are "+strings.Join(inputs, ", "),
			"role %s has no relation %s", r.name, rel)
	}
	for _, rel := range sortedKeys(r.spec.EDB) {
		at := im.m.keys.value("roles", r.name, "edb", rel)
		relInfo := r.prog.Relation(rel)
		if relInfo == nil {
			if declared(r, rel) == nil {
				unknown("edb", rel)
			}
			continue // declared but unused: analysis warned
		}
		spec, sub, err := parseEDB(r.spec.EDB[rel], counts)
		if err != nil {
			if sub != "" && im.m.keys.has("roles", r.name, "edb", rel, sub) {
				at = im.m.keys.lookup("roles", r.name, "edb", rel, sub)
			}
			im.merrorf(at, "the forms are "+edbForms, "edb %s of role %s: %v", rel, r.name, err)
			continue
		}
		if spec.arity >= 0 && spec.arity != relInfo.Arity() {
			im.merrorf(at, fmt.Sprintf("give rows of %d value(s), e.g. [[0, 1]] for 2 columns", relInfo.Arity()),
				"edb %s of role %s: the value has %d column(s), but %s has %d in %s (%d:%d)", rel, r.name, spec.arity, rel,
				relInfo.Arity(), filepath.Base(r.file), relInfo.Pos.Line, relInfo.Pos.Col)
			continue
		}
		name := r.newName(rel)
		if !spec.perInstance {
			for _, row := range spec.rows(0) {
				items = append(items, &syntax.Fact{Head: head(name, row...)})
			}
			continue
		}
		// A value that depends on the instance: facts keyed by the
		// instance's address, and a rule that picks this node's own.
		perNode := name + "__at"
		for i := 0; i < int(r.spec.Count); i++ {
			addr := &syntax.InstanceAddr{Comp: ident(r.name), Index: &syntax.IntLit{Value: int64(i)}}
			for _, row := range spec.rows(i) {
				items = append(items, &syntax.Fact{Head: head(perNode, append([]syntax.Expr{addr}, row...)...)})
			}
		}
		vs := vars("v", relInfo.Arity())
		items = append(items, rule(syntax.Sync, head(name, vs...), atom(perNode, append([]syntax.Expr{identExpr("me")}, vs...)...), atom("self", identExpr("me"))))
	}
	for _, rel := range sortedKeys(r.spec.Timers) {
		relInfo := r.prog.Relation(rel)
		if relInfo == nil {
			if declared(r, rel) == nil {
				unknown("timers", rel)
			}
			continue
		}
		t, sub, err := parseTimer(r.spec.Timers[rel])
		if err != nil {
			at := im.m.keys.value("roles", r.name, "timers", rel)
			if sub != "" && im.m.keys.has("roles", r.name, "timers", rel, sub) {
				at = im.m.keys.lookup("roles", r.name, "timers", rel, sub)
			}
			im.merrorf(at, "write name = PERIOD or name = { period = P, jitter = J } (virtual time units)", "timer %s of role %s: %v", rel, r.name, err)
			continue
		}
		timer := r.newName(rel) + "__timer"
		items = append(items, &syntax.Decl{Kind: syntax.DeclTimer, Name: ident(timer), Period: t.period, Jitter: t.jitter})
		switch relInfo.Arity() {
		case 0:
			items = append(items, rule(syntax.Sync, head(r.newName(rel)), atom(timer, &syntax.Wildcard{})))
		case 1:
			items = append(items, rule(syntax.Sync, head(r.newName(rel), identExpr("n")), atom(timer, identExpr("n"))))
		default:
			im.errorf(r.file, relInfo.Pos, "a timer input is nullary, like the artifact's `source_stream(interval) -> map(|_| ())`, or carries the firing number",
				"timer input %s has %d columns", rel, relInfo.Arity())
		}
	}
	if tick := r.spec.Tick; tick != "" {
		relInfo := r.prog.Relation(tick)
		switch {
		case relInfo == nil && declared(r, tick) == nil:
			im.merrorf(im.m.keys.value("roles", r.name, "tick"), "name the role's .input that context.current_tick() fed", "role %s has no relation %s", r.name, tick)
		case relInfo == nil:
		case relInfo.Arity() != 1:
			im.errorf(r.file, relInfo.Pos, "the tick input carries one column, the node's tick number", "tick input %s has %d columns", tick, relInfo.Arity())
		default:
			// The node's own tick count from 0, as context.current_tick().
			name := r.newName(tick)
			started, next := name+"__started", name+"__next"
			items = append(items,
				rule(syntax.Sync, head(name, &syntax.IntLit{Value: 0}), &syntax.Atom{Negated: true, Name: ident(started)}),
				rule(syntax.Sync, head(name, identExpr("t")), atom(next, identExpr("t"))),
				rule(syntax.NextTick, head(next, &syntax.Binary{Op: "+", Left: identExpr("t"), Right: &syntax.IntLit{Value: 1}}), atom(name, identExpr("t"))),
				rule(syntax.NextTick, head(started), atom(name, &syntax.Wildcard{})))
		}
	}
	return items
}

func comments(lines ...string) []syntax.Comment {
	out := make([]syntax.Comment, len(lines))
	for i, l := range lines {
		out[i] = syntax.Comment{Style: "#", Text: l}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rewrite returns the role item as it appears in the generated program, or
// nil when the manifest replaced it.
func (im *importer) rewrite(r *role, it syntax.Item) syntax.Item {
	switch it := it.(type) {
	case *syntax.Decl:
		return im.rewriteDecl(r, it)
	case *syntax.Rule:
		return im.rewriteRule(r, it)
	case *syntax.Fact:
		f := *it
		f.Head = r.renameHead(f.Head)
		return &f
	}
	return nil
}

func (im *importer) rewriteDecl(r *role, d *syntax.Decl) syntax.Item {
	name := d.Name.Name
	rel := r.prog.Relation(name)
	if rel == nil && d.Columns == nil && d.Kind != syntax.DeclTimer {
		return nil // unused: analysis warned
	}
	nd := *d
	nd.Snippets = nil
	nd.Name = ident(r.newName(name))
	asDecl := func() syntax.Item {
		if d.Columns == nil {
			return nil
		}
		nd.Kind = syntax.DeclRelation
		return &nd
	}
	ci := im.client
	switch d.Kind {
	case syntax.DeclInput:
		_, edb := r.spec.EDB[name]
		_, timer := r.spec.Timers[name]
		switch {
		case ci.hasClient && name == ci.request && ci.entry == r, edb, timer, name == r.spec.Tick:
			return asDecl()
		case rel != nil && rel.Derived:
			return asDecl() // the artifact's type hint for a derived relation
		default:
			im.errorf(r.file, d.Name.Pos,
				fmt.Sprintf("give its value under [roles.%s.edb] (or [roles.%s.timers] for a periodic source) in %s", r.name, r.name, filepath.Base(im.path)),
				"EDB input %s of role %s has no value in the manifest", name, r.name)
			return nil
		}
	case syntax.DeclAsync:
		return asDecl() // routing is in the rules' @ destinations now
	case syntax.DeclOutput:
		if contains(im.m.Outputs, name) {
			return asDecl() // the top-level .output declares it
		}
		if ci.hasReply && name == ci.reply {
			return nil
		}
		// A log or a debugging print in the artifact; here a local relation
		// (list it under outputs to make clients see it).
		return asDecl()
	}
	return &nd
}

func (im *importer) rewriteRule(r *role, src *syntax.Rule) syntax.Item {
	nr := *src
	nr.Head = r.renameHead(src.Head)
	nr.Body = make([]syntax.Literal, len(src.Body))
	for i, l := range src.Body {
		if a, ok := l.(*syntax.Atom); ok && a != nil {
			na := *a
			na.Name = ident(r.newName(a.Name.Name))
			na.Name.Pos = a.Name.Pos
			nr.Body[i] = &na
			continue
		}
		nr.Body[i] = l
	}
	if src.Head.At == nil {
		return &nr
	}
	name := src.Head.Name.Name
	ci := im.client
	if ci.hasReply && name == ci.reply {
		// clientOut@client(v...) :~ body  ->  OUTPUT(client, v...) :- body
		nr.Kind = syntax.Sync
		nr.Head.At = nil
		nr.Head.Name = ident(ci.output)
		if ci.replyTag {
			nr.Head.Args = append([]syntax.HeadArg{{Expr: src.Head.At}}, nr.Head.Args...)
		}
		return &nr
	}
	rt := im.m.routes[name]
	nr.Head.Name = syntax.Ident{Pos: src.Head.Name.Pos, Name: rt.as}
	idx := src.Head.At
	if p, ok := idx.(*syntax.Paren); ok {
		idx = p.X
	}
	nr.Head.At = &syntax.InstanceAddr{Comp: ident(rt.to), Index: idx}
	return &nr
}

func (r *role) renameHead(h syntax.Head) syntax.Head {
	h.Name = syntax.Ident{Pos: h.Name.Pos, Name: r.newName(h.Name.Name)}
	return h
}
