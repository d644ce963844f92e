package mutate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file holds the cheap equivalence argument for a survivor: a simple
// dependency reachability over the program's rules (body relation -> head
// relation), ignoring time, place and negation.

// Deps is the dependency graph of one program.
type Deps struct {
	next       map[string]map[string]bool
	outputs    map[string]bool
	invariants map[string]bool
}

// NewDeps builds the graph of src.
func NewDeps(name string, src []byte) (*Deps, error) {
	f, diags := syntax.ParseFile(name, src)
	if len(diags) > 0 {
		return nil, fmt.Errorf("%s", diags.Render(src))
	}
	d := &Deps{next: map[string]map[string]bool{}, outputs: map[string]bool{}, invariants: map[string]bool{}}
	var visit func(items []syntax.Item)
	visit = func(items []syntax.Item) {
		for _, it := range items {
			switch x := it.(type) {
			case *syntax.Component:
				visit(x.Items)
			case *syntax.Decl:
				switch x.Kind {
				case syntax.DeclOutput:
					d.outputs[x.Name.Name] = true
				case syntax.DeclInvariant, syntax.DeclFinal:
					d.invariants[x.Name.Name] = true
				}
			case *syntax.Rule:
				for _, l := range x.Body {
					if a, ok := l.(*syntax.Atom); ok {
						if d.next[a.Name.Name] == nil {
							d.next[a.Name.Name] = map[string]bool{}
						}
						d.next[a.Name.Name][x.Head.Name.Name] = true
					}
				}
			}
		}
	}
	visit(f.Items)
	return d, nil
}

// Reach returns the relations rel reaches (rel included), sorted.
func (d *Deps) Reach(rel string) []string {
	seen := map[string]bool{rel: true}
	stack := []string{rel}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for n := range d.next[r] {
			if !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Outputs lists, sorted, the .output relations rel reaches (Reach).
func (d *Deps) Outputs(rel string) []string {
	var out []string
	for _, r := range d.Reach(rel) {
		if d.outputs[r] {
			out = append(out, r)
		}
	}
	return out
}

// Reason returns why a surviving mutant may be equivalent, or "" when the
// reachability argument does not apply: the mutated relation reaches no
// .output relation, so no output the check compares depends on it.
func (d *Deps) Reason(m Mutant) string {
	if m.Relation == "" {
		return ""
	}
	reach := d.Reach(m.Relation)
	var inv []string
	for _, r := range reach {
		if d.outputs[r] {
			return ""
		}
		if d.invariants[r] {
			inv = append(inv, r)
		}
	}
	if len(inv) == len(reach) {
		return fmt.Sprintf("the rule derives only invariant relations (%s); the check compares outputs", strings.Join(inv, ", "))
	}
	return fmt.Sprintf("no output depends on %s (it reaches only %s)", m.Relation, strings.Join(reach, ", "))
}
