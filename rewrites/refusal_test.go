package rewrites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
)

// TestRefusals: each testdata/refusals/*.ded names, on its first line, a
// step whose precondition fails on it; the rendered refusal (position,
// rewrite, precondition, rule, relation, hint) must match the .golden file
// beside it. Run with -rewrite to regenerate after a deliberate change.
func TestRefusals(t *testing.T) {
	files, err := filepath.Glob("testdata/refusals/*.ded")
	if err != nil || len(files) == 0 {
		t.Fatal("no refusal cases", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".ded")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(src), "\n")
			text, ok := strings.CutPrefix(first, "# step: ")
			if !ok {
				t.Fatalf("%s: first line must be '# step: STEP'", f)
			}
			st, err := ParseStep(text)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Apply(name+".ded", src, st)
			if err == nil {
				t.Fatalf("step %q was applied; it should be refused", text)
			}
			var got string
			switch e := err.(type) {
			case *Refusal:
				got = e.Render(src)
			case interface{ Render([]byte) string }:
				got = e.Render(nil)
			default:
				got = err.Error() + "\n"
			}
			golden.Check(t, strings.TrimSuffix(f, ".ded")+".golden", []byte(got))
		})
	}
}
