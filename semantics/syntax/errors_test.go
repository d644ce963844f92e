package syntax

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
)

// TestErrorGoldens parses every testdata/errors/*.ded file and compares the
// rendered diagnostics (message, source line, caret, hint) with its
// .golden file. Regenerate with `go test ./semantics/syntax -rewrite`.
func TestErrorGoldens(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.ded")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("expected at least 12 error cases, found %d", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(file)
			f, diags := ParseFile(name, src)
			if f == nil {
				t.Fatal("ParseFile returned a nil File")
			}
			if len(diags) == 0 {
				t.Fatalf("%s parsed without diagnostics; every file in testdata/errors must fail", name)
			}
			for _, d := range diags {
				if d.Hint == "" {
					t.Errorf("diagnostic without a hint: %s", d.Error())
				}
				if strings.Contains(d.Msg, "internal parser error") {
					t.Errorf("parser bug: %s", d.Error())
				}
			}
			got := diags.Render(src)
			golden.Check(t, strings.TrimSuffix(file, ".ded")+".golden", []byte(got))
		})
	}
}

// TestRecoveryKeepsLaterItems checks that after bad rules the parser still
// returns the good items that follow them.
func TestRecoveryKeepsLaterItems(t *testing.T) {
	src := []byte("out(v) :- in(v), v >.\nmid(v) :- in(v) in(w).\nok(v) :- in(v).\n.output ok\n")
	f, diags := ParseFile("r.ded", src)
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %d:\n%s", len(diags), diags.Render(src))
	}
	var names []string
	for _, it := range f.Items {
		switch it := it.(type) {
		case *Rule:
			names = append(names, it.Head.Name.Name)
		case *Decl:
			names = append(names, it.Kind.String()+" "+it.Name.Name)
		}
	}
	if !strings.Contains(strings.Join(names, ","), "ok,.output ok") {
		t.Fatalf("items after the errors were lost: %v", names)
	}
}

// TestErrorPositions pins the line:col of representative errors.
func TestErrorPositions(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"out(v) :- in(v) x.", "t.ded:1:17: unexpected identifier \"x\" after body literal"},
		{"\n  out(v) :- .", "t.ded:2:13: expected a body literal, found '.'"},
		{"r(x) :- a(x), x = \"ab", "t.ded:1:19: string literal not terminated"},
		{"r(x) :- a(x), b(x) == 1 == 2.", "t.ded:1:25: comparisons do not chain"},
		{".timer t 10 jitter", "t.ded:1:19: expected the jitter (an integer) after 'jitter', found end of file"},
		{"r(count(x, y), sum(a, b)) :- s(x, y, a, b).", "t.ded:1:23: sum takes one variable"},
		{"component c[2] refines { }", "t.ded:1:24: expected the name of the original component after 'refines', found '{'"},
		{"r@f(x)(y) :~ a(x, y).", "t.ded:1:7: expected ':-', ':+', ':~' or '.' after the head, found '('"},
		{"out(v) :- in(v),\n", "t.ded:1:17: expected a body literal, found end of file"},
		{".decl\nr(x).", "t.ded:1:6: expected a relation name after .decl, found end of line"},
	}
	for _, tt := range tests {
		_, diags := ParseFile("t.ded", []byte(tt.src))
		if len(diags) == 0 {
			t.Errorf("%q: no diagnostics, want %s", tt.src, tt.want)
			continue
		}
		if got := diags[0].Error(); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}
