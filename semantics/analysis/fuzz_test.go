package analysis

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// FuzzAnalyse parses arbitrary bytes; whenever they parse, Analyse must not
// panic and must return exactly one of a Program and diagnostics, with every
// diagnostic positioned and the Program meeting the contract. Seeds: every
// .ded file of this package's testdata and the shared example programs, plus
// testdata/fuzz/FuzzAnalyse.
func FuzzAnalyse(f *testing.F) {
	for _, pattern := range []string{"testdata/*/*.ded", "../testdata/programs/*.ded"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, perr := syntax.ParseFile("fuzz.ded", src)
		if len(perr) > 0 {
			// Partial trees must not crash analysis either.
			Analyse(file)
			return
		}
		prog, diags := Analyse(file)
		if (prog == nil) == (len(diags) == 0) {
			t.Fatalf("Analyse returned program %v with %d diagnostics", prog != nil, len(diags))
		}
		for _, d := range diags {
			if !d.Pos.IsValid() || d.Msg == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		if prog != nil {
			checkInvariants(t, prog)
			_ = prog.Summary()
		}
	})
}
