package syntax

import (
	"os"
	"path/filepath"
	"testing"
)

// programFiles lists the shared example programs.
func programFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/programs/*.ded")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("expected at least 8 example programs, found %d", len(files))
	}
	return files
}

// checkRoundTrip asserts that src parses cleanly, that its printed form
// parses back to an Equal tree, and that printing is idempotent.
func checkRoundTrip(t *testing.T, name string, src []byte) {
	t.Helper()
	f, diags := ParseFile(name, src)
	if len(diags) > 0 {
		t.Fatalf("parse %s:\n%s", name, diags.Render(src))
	}
	out := Print(f)
	g, diags := ParseFile(name, out)
	if len(diags) > 0 {
		t.Fatalf("reparse of printed %s:\n%s\nprinted:\n%s", name, diags.Render(out), out)
	}
	if d := Diff(f, g); d != "" {
		t.Fatalf("print/parse changed the tree of %s (-orig +reparsed):\n%s\nprinted:\n%s", name, d, out)
	}
	if again := Print(g); string(again) != string(out) {
		t.Fatalf("Print is not idempotent on %s:\nfirst:\n%s\nsecond:\n%s", name, out, again)
	}
}

func TestProgramsRoundTrip(t *testing.T) {
	for _, file := range programFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, file, src)
		})
	}
}
