package analysis

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the first stage: it sorts the file's items into
// components, and records where every rule, fact and directive sits.

// MaxInstances bounds a component's instance count; it is the one bound
// every text form of an address shares (value.MaxInstances).
const MaxInstances = value.MaxInstances

// compInfo is a component being built.
type compInfo struct {
	comp  *Component
	index int // declaration order
}

// ruleSite is a user-written rule and the component that owns it.
type ruleSite struct {
	src  *syntax.Rule
	comp string
}

// factSite is a fact; comp is "" for a top-level fact (global).
type factSite struct {
	src  *syntax.Fact
	comp string
}

// declSite is a directive; comp is "" at top level.
type declSite struct {
	src  *syntax.Decl
	comp string
}

func (a *analyser) collect() {
	a.compIdx = map[string]int{}
	for _, it := range a.file.Items {
		if _, ok := it.(*syntax.Component); ok {
			a.hasBlock = true
		}
	}
	if !a.hasBlock {
		a.addComponent(&Component{Name: MainComponent, Pos: syntax.Pos{Line: 1, Col: 1}, Count: 1})
	}
	for _, it := range a.file.Items {
		switch it := it.(type) {
		case *syntax.Component:
			a.collectComponent(it)
		case *syntax.Rule:
			if it == nil {
				continue
			}
			if a.hasBlock {
				a.errorf(it.Pos, "move the rule into a component block: in a file with component blocks every rule belongs to one",
					"rule outside any component")
				continue
			}
			a.rules = append(a.rules, ruleSite{src: it, comp: MainComponent})
		case *syntax.Fact:
			if it != nil {
				a.facts = append(a.facts, factSite{src: it})
			}
		case *syntax.Decl:
			if it != nil {
				// In a file without blocks, top level is main's block.
				owner := ""
				if !a.hasBlock {
					owner = MainComponent
				}
				a.decls = append(a.decls, declSite{src: it, comp: owner})
			}
		}
	}
}

func (a *analyser) addComponent(c *Component) {
	a.compIdx[c.Name] = len(a.comps)
	a.comps = append(a.comps, &compInfo{comp: c, index: len(a.comps)})
	a.prog.Components = append(a.prog.Components, c)
}

func (a *analyser) collectComponent(sc *syntax.Component) {
	if sc == nil {
		return
	}
	name := sc.Name.Name
	valid := true
	switch {
	case name == "":
		valid = false
	case builtinRelations[name]:
		a.errorf(sc.Name.Pos, "rename the component; built-in names are "+builtinList(),
			"component name %s is a built-in relation", name)
		valid = false
	}
	if i, dup := a.compIdx[name]; dup && valid {
		a.errorf(sc.Name.Pos, "rename one of them, or merge their bodies",
			"duplicate component %s (first declared at %s)", name, posString(a.comps[i].comp.Pos))
		valid = false
	}
	count := int64(1)
	if sc.HasCount {
		count = sc.Count
	}
	if count < 1 || count > MaxInstances {
		a.errorf(sc.Pos, fmt.Sprintf("write a count between 1 and %d, e.g. component %s[3]", MaxInstances, name),
			"component %s has %d instances; the count must be between 1 and %d", name, count, MaxInstances)
		count = 1
	}
	owner := name
	if valid {
		c := &Component{Name: name, Pos: sc.Name.Pos, Count: int(count)}
		if sc.Refines != nil {
			// Refines names a component of the original program: it is
			// resolved by the checker, not here.
			c.Refines = sc.Refines.Name
		}
		a.addComponent(c)
	} else {
		owner = "" // items are still checked, but belong to no component
	}
	for _, it := range sc.Items {
		switch it := it.(type) {
		case *syntax.Rule:
			if it != nil {
				a.rules = append(a.rules, ruleSite{src: it, comp: owner})
			}
		case *syntax.Fact:
			if it != nil {
				if owner == "" {
					continue
				}
				a.facts = append(a.facts, factSite{src: it, comp: owner})
			}
		case *syntax.Decl:
			if it != nil {
				a.decls = append(a.decls, declSite{src: it, comp: owner})
			}
		case *syntax.Component:
			if it != nil {
				a.errorf(it.Pos, "write the inner component at top level", "components cannot be nested")
			}
		}
	}
}

// isComponent reports whether name is a component (usable as a built-in
// relation enumerating its instances).
func (a *analyser) isComponent(name string) bool {
	_, ok := a.compIdx[name]
	return ok
}

// isBuiltin reports whether an atom over name is a built-in relation.
func (a *analyser) isBuiltin(name string) bool {
	return builtinRelations[name] || a.isComponent(name)
}
