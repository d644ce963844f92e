package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goBlock matches a fenced code block marked as Go, with the line before
// it (where a `<!-- go:fragment -->` marker may stand).
var goBlock = regexp.MustCompile("(?s)(?:([^\n]*)\n)?```go\n(.*?)```")

// goDocImports is the import path of each package name a Go example may
// use without importing it. A block is the top-level declarations of a
// test file: TestDocGoExamples adds the package clause and the imports of
// the names it uses, so that the docs show only what a reader writes.
var goDocImports = map[string]string{
	"analysis": "github.com/dsim-project/dsim/semantics/analysis",
	"checker":  "github.com/dsim-project/dsim/checker",
	"dsimtest": "github.com/dsim-project/dsim/dsimtest",
	"rapid":    "pgregory.net/rapid",
	"sim":      "github.com/dsim-project/dsim/sim",
	"fmt":      "fmt",
	"os":       "os",
	"strings":  "strings",
	"testing":  "testing",
}

// goDocFragment marks, on the line before the fence, a Go block that is
// not a compilable set of declarations (a sketch with elisions); such a
// block is not checked.
const goDocFragment = "<!-- go:fragment -->"

// TestDocGoExamples keeps the Go examples of README.md and docs/*.md
// compiling: every ```go block (unless marked with goDocFragment) is
// written as a test file of a module outside dsim's, which a go.work
// joins with this repository, and `go vet` type-checks them all. The
// examples went stale once when sim.Spec replaced fields they used.
func TestDocGoExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: type-checks the docs' Go examples with go vet")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	dir := t.TempDir()
	n := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		for _, b := range goDocBlocks(string(text)) {
			n++
			name := fmt.Sprintf("example%d_test.go", n)
			writeDocFile(t, filepath.Join(dir, name), goDocFile(rel, b.fence, b.src))
		}
	}
	if n < 2 {
		t.Fatalf("found %d Go examples in README.md and docs/*.md, want at least 2 (README's dsimtest, CHECKING's rapid property)", n)
	}
	writeDocFile(t, filepath.Join(dir, "go.mod"), "module example.com/docexamples\n\ngo 1.26.8\n")
	writeDocFile(t, filepath.Join(dir, "go.work"), fmt.Sprintf("go 1.26.8\n\nuse (\n\t.\n\t%s\n)\n", root))
	cmd := exec.Command(goTool, "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, "go.work"), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go vet of the docs' Go examples (a name the block uses without importing it goes into goDocImports): %v\n%s", err, out)
	}
}

// goDocBlock is a Go block of a doc: the line of its opening fence and its
// text.
type goDocBlock struct {
	fence int
	src   string
}

// goDocBlocks finds the Go blocks of a doc that are not marked with
// goDocFragment.
func goDocBlocks(text string) []goDocBlock {
	var out []goDocBlock
	for _, m := range goBlock.FindAllStringSubmatchIndex(text, -1) {
		if m[2] >= 0 && strings.TrimSpace(text[m[2]:m[3]]) == goDocFragment {
			continue
		}
		// The block's text starts on the line after the fence.
		out = append(out, goDocBlock{fence: strings.Count(text[:m[4]], "\n"), src: text[m[4]:m[5]]})
	}
	return out
}

// TestGoDocBlocks: blocks are found with their fence's line, and a block
// marked as a fragment is skipped.
func TestGoDocBlocks(t *testing.T) {
	text := "intro\n```go\nfunc A() {}\n```\n\n" + goDocFragment + "\n```go\nfunc B() { ... }\n```\ntext\n```go\nvar C = 1\n```\n"
	got := goDocBlocks(text)
	want := []goDocBlock{{2, "func A() {}\n"}, {11, "var C = 1\n"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// goDocFile makes a test file of a block: the package clause, the imports
// of the package names the block uses (goDocImports), a line directive so
// that errors name the doc's file and line (the fence is at line fence),
// and the block.
func goDocFile(doc string, fence int, block string) string {
	var paths []string
	for name, path := range goDocImports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(block) {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)
	var b strings.Builder
	b.WriteString("package docexamples\n\nimport (\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "//line %s:%d\n", doc, fence+1)
	b.WriteString(block)
	return b.String()
}

func writeDocFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
