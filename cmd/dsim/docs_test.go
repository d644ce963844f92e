package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dedalusBlock matches a fenced code block marked as a Dedalus program.
var dedalusBlock = regexp.MustCompile("(?s)```dedalus\n(.*?)```")

// TestDocExamples checks the promise of docs/LANGUAGE.md and README.md:
// every block fenced as `dedalus` is a complete program that `dsim vet`
// accepts silently and that `dsim fmt` prints unchanged.
func TestDocExamples(t *testing.T) {
	for _, doc := range []string{"../../docs/LANGUAGE.md", "../../README.md"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := dedalusBlock.FindAllSubmatch(text, -1)
		if doc == "../../docs/LANGUAGE.md" && len(blocks) < 8 {
			t.Fatalf("%s: found %d dedalus examples, want at least 8", doc, len(blocks))
		}
		for i, m := range blocks {
			src := m[1]
			name := filepath.Join(t.TempDir(), "example.ded")
			if err := os.WriteFile(name, src, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if code := run([]string{"dsim", "vet", name}, &out, &errOut); code != 0 || out.Len() > 0 || errOut.Len() > 0 {
				t.Errorf("%s example %d: vet exit %d\nstdout: %s\nstderr: %s\nprogram:\n%s", doc, i+1, code, out.String(), errOut.String(), src)
				continue
			}
			out.Reset()
			if code := run([]string{"dsim", "fmt", name}, &out, &errOut); code != 0 {
				t.Errorf("%s example %d: fmt exit %d: %s", doc, i+1, code, errOut.String())
				continue
			}
			if !bytes.Equal(out.Bytes(), src) {
				t.Errorf("%s example %d is not in canonical form; dsim fmt prints:\n%s", doc, i+1, strings.TrimSpace(out.String()))
			}
		}
	}
}

// mollyBlock matches a fenced code block in Molly's dialect.
var mollyBlock = regexp.MustCompile("(?s)```molly\n(.*?)```")

// TestDocMollyExamples: every block fenced as `molly` in docs/LANGUAGE.md
// is a complete program that `dsim vet --dialect molly` accepts silently,
// and that the dialect detection recognises.
func TestDocMollyExamples(t *testing.T) {
	text, err := os.ReadFile("../../docs/LANGUAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := mollyBlock.FindAllSubmatch(text, -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d molly examples, want at least 2", len(blocks))
	}
	for i, m := range blocks {
		name := filepath.Join(t.TempDir(), "example.ded")
		if err := os.WriteFile(name, m[1], 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run([]string{"dsim", "vet", name}, &out, &errOut); code != 0 || out.Len() > 0 || errOut.Len() > 0 {
			t.Errorf("molly example %d: vet exit %d\nstdout: %s\nstderr: %s\nprogram:\n%s", i+1, code, out.String(), errOut.String(), m[1])
		}
	}
}

// TestReadmeNewcomerCommand runs the README's first set-up command (the
// main job on a program shipped inside the binary) through the same entry
// point as the binary, so the README stays true as the project grows.
func TestReadmeNewcomerCommand(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(l, "go run ./cmd/dsim ") {
			line = l
			break
		}
	}
	if line == "" {
		t.Fatal("README.md has no `go run ./cmd/dsim ...` command")
	}
	args := []string{"dsim"}
	args = append(args, shellWords(t, strings.TrimPrefix(line, "go run ./cmd/dsim "))...)
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", line, code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "Equivalent") {
		t.Errorf("%s: expected a verdict in the output, got:\n%s", line, out.String())
	}
}

// shellWords splits a command line on spaces, honouring single quotes (all
// the README needs).
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			inQuote = !inQuote
			have = true
		case r == ' ' && !inQuote:
			if have {
				words = append(words, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if inQuote {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if have {
		words = append(words, cur.String())
	}
	return words
}
