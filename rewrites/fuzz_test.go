package rewrites

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// FuzzAnalyze: Analyze, and the steps it tries on the program, never panic
// on a program that vets, and a program that does not vet gets positioned
// diagnostics. The seeds are every .ded file of the repository (corpus
// and every package's testdata); `go test` runs the seeds only, `go test
// -fuzz FuzzAnalyze ./rewrites` mutates them.
func FuzzAnalyze(f *testing.F) {
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".ded") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f.Add(src)
			n++
		}
		return nil
	})
	if err != nil || n < 100 {
		f.Fatalf("seeds: %d programs, %v", n, err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, diags := analysis.Load("fuzz.ded", src)
		if len(diags) > 0 {
			for _, d := range diags {
				if !d.Pos.IsValid() {
					t.Fatalf("diagnostic without a position: %v", d)
				}
			}
			return
		}
		if out := Analyze(p); strings.Contains(out, "engine error") {
			t.Fatalf("a step analyze tried fails in the engine:\n%s", out)
		}
	})
}
