package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Refusal is a rewrite step whose precondition does not hold (or that names
// something the program does not have). It is a syntax.Diagnostic, so the
// command line renders it with the source line, a caret and the hint like
// every other positioned error of dsim.
type Refusal struct {
	syntax.Diagnostic
	Rewrite      string // e.g. "functional decoupling"
	Precondition string // e.g. "C2 is functional"
}

// Error renders file:line:col: message.
func (r *Refusal) Error() string { return r.Diagnostic.Error() }

// refuse builds a Refusal at pos in p's file. The message starts with the
// rewrite's name, so that it reads on its own in a log.
func refuse(p *analysis.Program, pos syntax.Pos, rewrite, pre, hint, format string, args ...any) *Refusal {
	if !pos.IsValid() {
		pos = syntax.Pos{Line: 1, Col: 1}
	}
	name := ""
	if p != nil && p.File != nil {
		name = p.File.Name
	}
	return &Refusal{
		Diagnostic: syntax.Diagnostic{
			File: name,
			Pos:  pos,
			Msg:  rewrite + ": " + fmt.Sprintf(format, args...),
			Hint: hint,
		},
		Rewrite:      rewrite,
		Precondition: pre,
	}
}

// at renders a rule's position as file:line:col for use inside a message.
func at(p *analysis.Program, r *analysis.Rule) string {
	return fmt.Sprintf("%s:%d:%d", p.File.Name, r.Pos.Line, r.Pos.Col)
}

// hintOr is v's own hint when the check that found v gave one, else def.
func hintOr(v *Violation, def string) string {
	if v != nil && v.Hint != "" {
		return v.Hint
	}
	return def
}
