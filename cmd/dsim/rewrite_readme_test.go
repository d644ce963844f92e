package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// consoleBlock matches a fenced block of commands ("$ go run ./cmd/dsim
// ...") each followed by what it prints.
var consoleBlock = regexp.MustCompile("(?s)```console\n(.*?)```")

// TestReadmeRewriteExample keeps the README's worked example of `dsim
// analyze` and `dsim rewrite` true: each command of a console block runs
// through the binary's entry point from a directory holding the repo's
// corpus/ (so -o writes there, not into the repo) and prints exactly the
// lines under it, stdout then stderr ("..." as the last line: those lines
// and more). The plain `go run ./cmd/dsim rewrite|analyze` lines run too,
// and must exit 1 when commented "# refused", else 0.
func TestReadmeRewriteExample(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "corpus"), filepath.Join(dir, "corpus")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	exec := func(line string) (string, int) {
		args := append([]string{"dsim"}, shellWords(t, strings.TrimPrefix(line, "go run ./cmd/dsim "))...)
		var out, errOut bytes.Buffer
		code := run(args, &out, &errOut)
		return out.String() + errOut.String(), code
	}
	commands := 0
	for _, m := range consoleBlock.FindAllSubmatch(text, -1) {
		lines := strings.SplitAfter(string(m[1]), "\n")
		for i := 0; i < len(lines); {
			cmd, ok := strings.CutPrefix(strings.TrimSuffix(lines[i], "\n"), "$ ")
			if !ok {
				t.Fatalf("README console block: %q is not a command", lines[i])
			}
			var want strings.Builder
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "$ "); i++ {
				want.WriteString(lines[i])
			}
			commands++
			got, _ := exec(cmd)
			w, elided := strings.CutSuffix(want.String(), "...\n")
			if (elided && !strings.HasPrefix(got, w)) || (!elided && got != w) {
				t.Errorf("README: %s prints\n%s\nthe README shows\n%s", cmd, got, want.String())
			}
		}
	}
	if commands < 3 {
		t.Fatalf("README has %d console commands, want the worked example's 3 or more", commands)
	}
	for _, l := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(l, "go run ./cmd/dsim rewrite ") && !strings.HasPrefix(l, "go run ./cmd/dsim analyze ") {
			continue
		}
		cmd, comment, _ := strings.Cut(l, "    #")
		wantCode := 0
		if strings.HasPrefix(strings.TrimSpace(comment), "refused") {
			wantCode = 1
		}
		if got, code := exec(strings.TrimSpace(cmd)); code != wantCode {
			t.Errorf("README: %s exits %d, want %d:\n%s", l, code, wantCode, got)
		}
	}
}
