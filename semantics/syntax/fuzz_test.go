package syntax

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addSeeds adds every example program and error case to a fuzz corpus (the
// committed corpus under testdata/fuzz holds them too, plus crashers found).
func addSeeds(f *testing.F) {
	for _, pattern := range []string{"../testdata/programs/*.ded", "testdata/errors/*.ded"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
}

// FuzzLex checks that the lexer terminates on any input, ends with EOF,
// and yields tokens in increasing source order.
func FuzzLex(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		sink := newDiagSink("fuzz.ded")
		toks, comments := lex(src, sink)
		if len(toks) == 0 || toks[len(toks)-1].Kind != tEOF {
			t.Fatal("token stream does not end with EOF")
		}
		if len(toks) > len(src)+1 {
			t.Fatalf("%d tokens from %d bytes", len(toks), len(src))
		}
		last := Pos{Line: 1, Col: 0}
		for _, tk := range toks[:len(toks)-1] {
			if tk.Pos.Line < last.Line || (tk.Pos.Line == last.Line && tk.Pos.Col <= last.Col) {
				t.Fatalf("token %v at %v does not follow %v", tk.Kind, tk.Pos, last)
			}
			last = tk.Pos
		}
		for _, c := range comments {
			if strings.Contains(c.Text, "\n") {
				t.Fatalf("comment spans lines: %q", c.Text)
			}
		}
		if len(sink.diags) > MaxErrors {
			t.Fatalf("%d diagnostics, bound is %d", len(sink.diags), MaxErrors)
		}
	})
}

// FuzzParse checks that the parser never panics and, when a file parses
// cleanly, that its printed form reparses to an Equal tree and prints the
// same again.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := ParseFile("fuzz.ded", src)
		if file == nil {
			t.Fatal("nil File")
		}
		for _, d := range diags {
			if strings.Contains(d.Msg, "internal parser error") {
				t.Fatalf("parser bug: %s", d.Error())
			}
		}
		if len(diags) > MaxErrors+1 {
			t.Fatalf("%d diagnostics, bound is %d", len(diags), MaxErrors+1)
		}
		_ = diags.Render(src)
		if len(diags) > 0 {
			_ = Print(file) // printing a partial tree must not panic either
			return
		}
		out := Print(file)
		again, diags := ParseFile("fuzz.ded", out)
		if len(diags) > 0 {
			t.Fatalf("printed form does not parse:\n%s\ninput:\n%q\nprinted:\n%s", diags.Render(out), src, out)
		}
		if d := Diff(file, again); d != "" {
			t.Fatalf("round trip changed the tree:\n%s\ninput: %q\nprinted:\n%s", d, src, out)
		}
		if out2 := Print(again); !bytes.Equal(out, out2) {
			t.Fatalf("Print not idempotent:\n%s\n---\n%s", out, out2)
		}
	})
}
