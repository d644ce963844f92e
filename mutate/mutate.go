package mutate

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// Mutant is one single-change variant of a program.
type Mutant struct {
	Name string // stable name: "rN/OP" or "persist-REL/drop-persist"
	Rule int    // rule number in the file (from 1); 0 for a directive
	Line int    // line of the mutated rule or directive in the source
	Col  int    // its column
	Op   string // operator, e.g. "delete", "cmp1->="
	// Relation is the relation the mutated rule derives (its head), or
	// the relation a dropped .persist named.
	Relation string
	// Before is the mutated rule or directive as printed from the source;
	// After the same after the change ("" when it was deleted).
	Before, After string
	// Source is the whole mutant in dsim fmt form.
	Source []byte
}

// site is one place a mutation applies to a freshly parsed file.
type site struct {
	rule, line, col int
	op, rel         string
	item            syntax.Item // the rule or directive changed
	apply           func() bool // performs the change; false: not applicable
	deleted         bool        // the item is removed
}

// Generate parses src and returns its mutants in a deterministic order.
// Mutants whose printed text equals the source's, or an earlier mutant's,
// are left out.
func Generate(name string, src []byte) ([]Mutant, error) {
	f, diags := syntax.ParseFile(name, src)
	if len(diags) > 0 {
		return nil, fmt.Errorf("%s", diags.Render(src))
	}
	base := syntax.Print(f)
	n := len(sites(f))
	seen := map[string]bool{string(base): true}
	var out []Mutant
	names := map[string]int{}
	for i := 0; i < n; i++ {
		g, _ := syntax.ParseFile(name, src) // fresh tree for each mutant
		ss := sites(g)
		s := ss[i]
		before := printItem(s.item)
		if !s.apply() {
			continue
		}
		text := syntax.Print(g)
		if seen[string(text)] {
			continue
		}
		seen[string(text)] = true
		m := Mutant{Rule: s.rule, Line: s.line, Col: s.col, Op: s.op, Relation: s.rel, Before: before, Source: text}
		if !s.deleted {
			m.After = printItem(s.item)
		}
		if s.rule > 0 {
			m.Name = fmt.Sprintf("r%d/%s", s.rule, s.op)
		} else {
			m.Name = fmt.Sprintf("persist-%s/%s", s.rel, s.op)
		}
		// A relation may have .persist in two components: number them.
		if k := names[m.Name]; k > 0 {
			names[m.Name]++
			m.Name = fmt.Sprintf("persist-%s#%d/%s", s.rel, k+1, s.op)
		} else {
			names[m.Name] = 1
		}
		out = append(out, m)
	}
	return out, nil
}

// printItem prints one rule or directive alone, without its comments.
func printItem(it syntax.Item) string {
	switch x := it.(type) {
	case *syntax.Rule:
		c := *x
		c.Doc = nil
		it = &c
	case *syntax.Decl:
		c := *x
		c.Doc = nil
		it = &c
	}
	return string(bytes.TrimSpace(syntax.Print(&syntax.File{Items: []syntax.Item{it}})))
}

// componentNames returns the program's component names, sorted.
func componentNames(f *syntax.File) []string {
	var names []string
	for _, it := range f.Items {
		if c, ok := it.(*syntax.Component); ok {
			names = append(names, c.Name.Name)
		}
	}
	sort.Strings(names)
	return names
}

// sites lists every mutation site of f in order. Each site's apply
// changes f itself.
func sites(f *syntax.File) []site {
	comps := componentNames(f)
	var out []site
	rule := 0
	var visit func(items *[]syntax.Item)
	visit = func(items *[]syntax.Item) {
		for i, it := range *items {
			switch x := it.(type) {
			case *syntax.Component:
				visit(&x.Items)
			case *syntax.Decl:
				if x.Kind == syntax.DeclPersist {
					out = append(out, site{line: x.Pos.Line, col: x.Pos.Col, op: "drop-persist", rel: x.Name.Name, item: x,
						apply: remover(items, i), deleted: true})
				}
			case *syntax.Rule:
				rule++
				out = append(out, ruleSites(rule, x, items, i, comps)...)
			}
		}
	}
	visit(&f.Items)
	return out
}

func remover(items *[]syntax.Item, i int) func() bool {
	return func() bool {
		*items = append((*items)[:i:i], (*items)[i+1:]...)
		return true
	}
}
