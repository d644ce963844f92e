package analysis

import (
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file applies the directives: flags on relations, where inputs enter
// and timers fire, and the persistence rules of .persist.
//
// Placement: a directive inside a component block applies to that
// component (in a file without blocks, top level is main's block). A
// top-level .input or .timer applies to the one component whose rules read
// the relation (an error when none or several do); a top-level .persist adds
// the persistence rule to every component whose rules derive or read it.

// entry records where an input enters or a timer fires.
type entry struct {
	comp string
	pos  syntax.Pos
}

func (a *analyser) applyDirectives() {
	inputAt := map[string]*entry{}
	timerAt := map[string]*entry{}
	var topInputs, topTimers, topPersists []declSite
	place := func(m map[string]*entry, ds declSite, what string) {
		name := ds.src.Name.Name
		if e := m[name]; e != nil {
			if e.comp != ds.comp {
				a.errorf(ds.src.Name.Pos, "declare "+what+" "+name+" in one component block only",
					"%s %s is declared in component %s here but in component %s at %s", what, name, ds.comp, e.comp, posString(e.pos))
			}
			return
		}
		m[name] = &entry{comp: ds.comp, pos: ds.src.Name.Pos}
	}
	for _, ds := range a.decls {
		d := ds.src
		ri := a.rels[d.Name.Name]
		if ri == nil || ri.rel == nil {
			continue
		}
		rel := ri.rel
		switch d.Kind {
		case syntax.DeclInput:
			rel.Input = true
			if ds.comp != "" {
				place(inputAt, ds, ".input")
			} else {
				topInputs = append(topInputs, ds)
			}
		case syntax.DeclTimer:
			if d.Period <= 0 || d.Jitter < 0 {
				a.errorf(d.Name.Pos, "write a positive period and a jitter >= 0, e.g. .timer "+d.Name.Name+" 100 jitter 10",
					"timer %s has period %d and jitter %d", d.Name.Name, d.Period, d.Jitter)
			}
			if rel.Timer != nil && (rel.Timer.Period != d.Period || rel.Timer.Jitter != d.Jitter) {
				a.errorf(d.Name.Pos, "declare each timer once", "timer %s is declared again with a different period or jitter", d.Name.Name)
			}
			if rel.Timer == nil {
				rel.Timer = &Timer{Period: d.Period, Jitter: d.Jitter}
			}
			if ds.comp != "" {
				place(timerAt, ds, ".timer")
			} else {
				topTimers = append(topTimers, ds)
			}
		case syntax.DeclOutput:
			rel.Output = true
		case syntax.DeclInvariant:
			rel.Invariant = true
		case syntax.DeclFinal:
			rel.Final = true
		case syntax.DeclAsync:
			rel.Async = true
		case syntax.DeclPersist:
			rel.Persist = true
			if ds.comp != "" {
				a.addPersist(ds.comp, rel, d.Pos)
			} else {
				topPersists = append(topPersists, ds)
			}
		}
	}
	for _, ds := range topInputs {
		if inputAt[ds.src.Name.Name] == nil {
			a.placeByUse(inputAt, ds, ".input")
		}
	}
	for _, ds := range topTimers {
		if timerAt[ds.src.Name.Name] == nil {
			a.placeByUse(timerAt, ds, ".timer")
		}
	}
	for _, ds := range topPersists {
		name := ds.src.Name.Name
		users := a.componentsUsing(name, true)
		if len(users) == 0 {
			a.errorf(ds.src.Name.Pos, "move .persist "+name+" into the component block that stores it",
				"no component derives or reads %s, so .persist %s has no component", name, name)
		}
		for _, c := range users {
			a.addPersist(c, a.rels[name].rel, ds.src.Pos)
		}
	}
	for _, rel := range a.prog.Relations {
		if e := inputAt[rel.Name]; e != nil {
			rel.InputComponent = e.comp
		}
		if e := timerAt[rel.Name]; e != nil {
			rel.TimerComponent = e.comp
		}
	}
}

// placeByUse resolves a top-level .input or .timer to the one component
// whose rules read the relation.
func (a *analyser) placeByUse(m map[string]*entry, ds declSite, what string) {
	name := ds.src.Name.Name
	readers := a.componentsUsing(name, false)
	switch len(readers) {
	case 1:
		m[name] = &entry{comp: readers[0], pos: ds.src.Name.Pos}
	case 0:
		a.errorf(ds.src.Name.Pos, "move "+what+" "+name+" into the component block that receives it",
			"no component reads %s, so it is unclear where %s %s enters", name, what, name)
	default:
		a.errorf(ds.src.Name.Pos, "move "+what+" "+name+" into the component block that receives it",
			"%s %s is ambiguous: components %s all read it", what, name, strings.Join(readers, ", "))
	}
}

// componentsUsing lists, in declaration order, the components whose rules
// read rel in a body (and, with derive, also those that derive it).
func (a *analyser) componentsUsing(rel string, derive bool) []string {
	use := map[string]bool{}
	for _, r := range a.built {
		if derive && r.Head.Rel == rel {
			use[r.Component] = true
		}
		for _, l := range r.Body {
			if (l.Kind == LitAtom || l.Kind == LitNegated) && l.Rel == rel {
				use[r.Component] = true
			}
		}
	}
	var out []string
	for _, ci := range a.comps {
		if use[ci.comp.Name] {
			out = append(out, ci.comp.Name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return a.compIdx[out[i]] < a.compIdx[out[j]] })
	return out
}

// addPersist adds rel(x..) :+ rel(x..) to comp unless comp already has it.
func (a *analyser) addPersist(comp string, rel *Relation, pos syntax.Pos) {
	if a.hasPersistRule(comp, rel.Name) {
		return
	}
	a.built = append(a.built, persistRule(comp, rel, pos))
}
