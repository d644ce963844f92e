package analysis

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// Analyse checks a parsed file and builds its Program. When the returned
// diagnostics are non-empty the Program is nil. Analyse reports every
// problem it finds, sorted by position, and never panics, whatever tree the
// parser produced (including partial trees holding BadExpr nodes).
func Analyse(f *syntax.File) (*Program, syntax.Diagnostics) {
	if f == nil {
		f = &syntax.File{}
	}
	a := &analyser{file: f, prog: &Program{File: f}}
	a.run()
	a.diags.Sort()
	if len(a.diags) > 0 {
		return nil, a.diags
	}
	a.warns.Sort()
	a.prog.Warnings = a.warns
	return a.prog, nil
}

// Load parses src as the file name and analyses it: the one call the
// command line needs. Parse errors are returned without analysing.
func Load(name string, src []byte) (*Program, syntax.Diagnostics) {
	f, diags := syntax.ParseFile(name, src)
	if len(diags) > 0 {
		return nil, diags
	}
	return Analyse(f)
}

// analyser carries the state shared by the stages. Each stage lives in its
// own file: collect.go, arity.go, types.go, normalise.go, safety.go,
// directives.go, strata.go, vocab.go, facts.go.
type analyser struct {
	file  *syntax.File
	prog  *Program
	diags syntax.Diagnostics
	warns syntax.Diagnostics // see warnf

	// Filled by collect.
	comps    []*compInfo
	compIdx  map[string]int
	hasBlock bool       // the file has component blocks
	rules    []ruleSite // user-written rules, in source order
	facts    []factSite
	decls    []declSite

	// Filled by arity.
	rels map[string]*relInfo

	// Filled by types.
	ty *typer

	// Filled by buildRules and applyDirectives: every analysed rule of a
	// component, before IDs are assigned.
	built []*Rule
}

// errorf records a diagnostic at pos.
func (a *analyser) errorf(pos syntax.Pos, hint, format string, args ...any) {
	if !pos.IsValid() {
		pos = syntax.Pos{Line: 1, Col: 1}
	}
	a.diags = append(a.diags, syntax.Diagnostic{
		File: a.file.Name,
		Pos:  pos,
		Msg:  fmt.Sprintf(format, args...),
		Hint: hint,
	})
}

func (a *analyser) run() {
	a.collect()
	a.collectRelations()
	a.inferTypes()
	a.buildRelations()
	a.buildRules()
	a.applyDirectives()
	a.checkDerivations()
	a.buildFacts()
	a.finishComponents()
	for _, c := range a.prog.Components {
		a.stratify(c)
		a.vocabulary(c)
	}
	a.prog.relByName = make(map[string]*Relation, len(a.prog.Relations))
	for _, r := range a.prog.Relations {
		a.prog.relByName[r.Name] = r
	}
	a.prog.compByName = make(map[string]*Component, len(a.prog.Components))
	for _, c := range a.prog.Components {
		a.prog.compByName[c.Name] = c
	}
}

// warnf records a warning at pos: something a program may well contain
// (the artifact's role files do) that has no effect. Warnings do not make
// a program invalid; they are returned in Program.Warnings.
func (a *analyser) warnf(pos syntax.Pos, hint, format string, args ...any) {
	if !pos.IsValid() {
		pos = syntax.Pos{Line: 1, Col: 1}
	}
	a.warns = append(a.warns, syntax.Diagnostic{
		File: a.file.Name,
		Pos:  pos,
		Msg:  fmt.Sprintf(format, args...),
		Hint: hint,
	})
}

// posString renders a position for use inside a message.
func posString(p syntax.Pos) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }
