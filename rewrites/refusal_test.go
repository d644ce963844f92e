package rewrites

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/refusals")

// TestRefusals: each testdata/refusals/*.ded names, on its first line, a
// step whose precondition fails on it; the rendered refusal (position,
// rewrite, precondition, rule, relation, hint) must match the .golden file
// beside it. Run with -update to regenerate after a deliberate change.
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
			golden := strings.TrimSuffix(f, ".ded") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("refusal differs from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
