package analysis

import (
	"sort"

	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file finds every user relation and fixes its arity: from its typed
// directives when it has any, otherwise from its first use in source order.
// Every other use must agree.

// relInfo is a relation being built.
type relInfo struct {
	name     string
	pos      syntax.Pos // first typed directive, else first use
	arity    int        // -1 while unknown
	arityPos syntax.Pos // where the arity was fixed
	typed    bool       // some directive gave its columns
	cols     []Column   // names and declared types (KindInvalid: infer)
	colPos   []syntax.Pos
	colNodes []int // type-inference nodes, one per column
	rel      *Relation
}

// relUse is one occurrence of a relation name with an argument list.
type relUse struct {
	name  string
	arity int
	pos   syntax.Pos
}

var typeKinds = map[syntax.TypeName]value.Kind{
	syntax.TypeInt: value.KindInt, syntax.TypeString: value.KindString, syntax.TypeAddr: value.KindAddr,
}

func (a *analyser) collectRelations() {
	a.rels = map[string]*relInfo{}
	get := func(name string, pos syntax.Pos) *relInfo {
		ri := a.rels[name]
		if ri == nil {
			ri = &relInfo{name: name, pos: pos, arity: -1}
			a.rels[name] = ri
		}
		return ri
	}
	reserved := func(name string, pos syntax.Pos, what string) bool {
		if builtinRelations[name] {
			a.errorf(pos, "rename the relation; the built-ins are "+builtinList(), "%s %s is a built-in relation", what, name)
			return true
		}
		if a.isComponent(name) {
			a.errorf(pos, "rename the relation: a component name used as a relation enumerates the component's instances",
				"%s %s is a component name", what, name)
			return true
		}
		return false
	}
	// Typed directives first: they fix arity and column types.
	for _, ds := range a.decls {
		d := ds.src
		name := d.Name.Name
		if name == "" || reserved(name, d.Name.Pos, "directive on") {
			continue
		}
		ri := get(name, d.Name.Pos)
		cols := d.Columns
		if d.Kind == syntax.DeclTimer {
			if cols != nil {
				// A parser would not produce this; tolerate it anyway.
				cols = nil
			}
			cols = []syntax.Column{{Pos: d.Name.Pos, Name: "n", Type: syntax.TypeInt}}
		}
		if cols == nil {
			continue
		}
		if !ri.typed {
			ri.typed = true
			ri.pos = d.Name.Pos
			ri.arity = len(cols)
			ri.arityPos = d.Name.Pos
			for _, c := range cols {
				k, ok := typeKinds[c.Type]
				if !ok {
					a.errorf(c.Pos, "use int, string or addr", "unknown column type %q", c.Type)
				}
				ri.cols = append(ri.cols, Column{Name: c.Name, Type: k})
				ri.colPos = append(ri.colPos, c.Pos)
			}
			continue
		}
		if len(cols) != ri.arity {
			a.errorf(d.Name.Pos, "make every directive of "+name+" list the same columns",
				"%s declares %s with %d columns, but it has %d (declared at %s)", d.Kind, name, len(cols), ri.arity, posString(ri.arityPos))
			continue
		}
		for i, c := range cols {
			k := typeKinds[c.Type]
			if k != ri.cols[i].Type && k != value.KindInvalid && ri.cols[i].Type != value.KindInvalid {
				a.errorf(c.Pos, "make every directive of "+name+" give the same column types",
					"column %d of %s is declared %s here but %s at %s", i+1, name, k, ri.cols[i].Type, posString(ri.colPos[i]))
			}
			if ri.cols[i].Name == "" {
				ri.cols[i].Name = c.Name
			}
		}
	}
	// Uses, in source order.
	var uses []relUse
	for _, rs := range a.rules {
		r := rs.src
		if r.Head.Name.Name != "" {
			uses = append(uses, relUse{r.Head.Name.Name, len(r.Head.Args), r.Head.Name.Pos})
		}
		for _, l := range r.Body {
			if at, ok := l.(*syntax.Atom); ok && at != nil && at.Name.Name != "" && !a.isBuiltin(at.Name.Name) {
				uses = append(uses, relUse{at.Name.Name, len(at.Args), at.Name.Pos})
			}
		}
	}
	for _, fs := range a.facts {
		if fs.src.Head.Name.Name != "" {
			uses = append(uses, relUse{fs.src.Head.Name.Name, len(fs.src.Head.Args), fs.src.Head.Name.Pos})
		}
	}
	sort.SliceStable(uses, func(i, j int) bool { return posLess(uses[i].pos, uses[j].pos) })
	for _, u := range uses {
		if a.isBuiltin(u.name) {
			continue // heads and facts of built-ins are reported in normalise
		}
		ri := get(u.name, u.pos)
		if ri.arity < 0 {
			ri.arity = u.arity
			ri.arityPos = u.pos
			ri.cols = make([]Column, u.arity)
			ri.colPos = make([]syntax.Pos, u.arity)
			continue
		}
		if u.arity != ri.arity {
			a.errorf(u.pos, "use the same number of arguments everywhere, or fix the .decl of "+u.name,
				"%s has %d arguments here but %d at %s", u.name, u.arity, ri.arity, posString(ri.arityPos))
		}
	}
	// Directives without columns on relations never used. The artifact's
	// role files routinely declare channels and EDB inputs that one role
	// never touches (a .input periodic timer, a debugging .output), so this
	// is a warning: the relation is dropped from the program, since nothing
	// could produce or consume its facts and its columns are unknown.
	for _, ds := range a.decls {
		name := ds.src.Name.Name
		if ri := a.rels[name]; ri != nil && ri.arity < 0 {
			a.warnf(ds.src.Name.Pos, "give its columns, e.g. .decl "+name+"(a: int), use it in a rule, or delete the directive",
				"relation %s is never used; its %s directive is ignored", name, ds.src.Kind)
			delete(a.rels, name)
		}
	}
}

// posLess orders positions.
func posLess(p, q syntax.Pos) bool {
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// sortedRelNames returns the relation names in sorted order.
func (a *analyser) sortedRelNames() []string {
	names := make([]string, 0, len(a.rels))
	for n := range a.rels {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
