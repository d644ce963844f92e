package importer

import (
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// Error is every problem an import found, in the manifest, the role files
// or (a bug, or a manifest the roles cannot satisfy) the generated program.
type Error struct {
	Diags syntax.Diagnostics
	// Sources holds the text of every file a diagnostic names, for Render
	// (a role's .rs file as Extract returned it).
	Sources map[string][]byte
}

func (e *Error) Error() string { return e.Diags.Error() }

// Render renders every diagnostic against its own file's text.
func (e *Error) Render() string {
	var b strings.Builder
	for _, d := range e.Diags {
		b.WriteString(d.Render(e.Sources[d.File]))
	}
	return b.String()
}
