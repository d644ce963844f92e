package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/rewrites"
)

// programsInTheWild lists every .ded file of the repository (corpus,
// testdata of every package, including the parser's and the analyser's
// error cases) and the programs the importer makes from its test
// manifests, written to dir.
func programsInTheWild(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "out") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".ded") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := filepath.Glob("../../importer/testdata/*/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range manifests {
		out := filepath.Join(dir, strings.ReplaceAll(strings.TrimPrefix(m, "../../importer/testdata/"), "/", "-")+".ded")
		if code, _, errOut := runCLI("import", m, "-o", out); code != 0 {
			t.Fatalf("import %s: exit %d\n%s", m, code, errOut)
		}
		files = append(files, out)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d programs; is the test run from cmd/dsim?", len(files))
	}
	return files
}

// positioned is the first line of an error for a program: FILE:LINE:COL: text.
var positioned = regexp.MustCompile(`^\S+\.ded(~\d+)?:\d+:\d+: \S`)

// suggested picks the plan steps out of `dsim analyze`'s output: the text
// after a label, up to a # comment, when it starts with a rewrite's name.
func suggested(out string) []string {
	var steps []string
	for _, l := range strings.Split(out, "\n") {
		_, text, ok := strings.Cut(l, ": ")
		if !ok || !strings.HasPrefix(l, "  ") || strings.HasSuffix(l, "(but not a state machine: refused)") {
			continue
		}
		text, _, _ = strings.Cut(text, " #")
		text = strings.TrimSpace(text)
		word, _, _ := strings.Cut(text, " ")
		switch word {
		case "mutual", "monotonic", "functional", "statemachine", "asymmetric", "cohash", "deps", "partial":
			steps = append(steps, strings.ReplaceAll(text, " NEW ", " analyzedNew "))
		}
	}
	return steps
}

// TestAnalyzeEveryProgram (issue 14, programs from the wild): `dsim analyze`
// on every program of the repository and on the importer's outputs never
// panics; a program that does not vet exits 1 with a positioned error,
// every other one exits 0 with a section per component; and every step it
// suggests is applied by `dsim rewrite` rather than refused, so the
// suggestions and the preconditions agree. run() turns no panic into an
// exit code, so a panic fails the test with its stack.
func TestAnalyzeEveryProgram(t *testing.T) {
	files := programsInTheWild(t, t.TempDir())
	vetted, refusedToVet, steps, declined := 0, 0, 0, 0
	for _, f := range files {
		code, out, errOut := runCLI("analyze", f)
		switch code {
		case 0:
			vetted++
			if !strings.HasPrefix(out, "component ") && out != "" {
				t.Errorf("%s: analyze printed no component section first:\n%s", f, out)
			}
			if errOut != "" {
				t.Errorf("%s: exit 0 with errors:\n%s", f, errOut)
			}
			if strings.Contains(out, "engine error") {
				t.Errorf("%s: a step analyze tried fails in the engine:\n%s", f, out)
			}
			declined += strings.Count(out, " is refused: ")
		case 1:
			refusedToVet++
			if !positioned.MatchString(errOut) {
				t.Errorf("%s: the error is not positioned:\n%s", f, errOut)
			}
			continue
		default:
			t.Errorf("%s: exit %d\n%s", f, code, errOut)
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range suggested(out) {
			st, err := rewrites.ParseStep(s)
			if err != nil {
				t.Errorf("%s: analyze suggests %q, which does not parse: %v", f, s, err)
				continue
			}
			steps++
			if _, err := rewrites.Apply(filepath.Base(f), src, st); err != nil {
				t.Errorf("%s: analyze suggests %q, which is refused:\n%v", f, s, err)
			}
		}
	}
	t.Logf("%d programs: %d analysed, %d refused with a positioned error; %d suggested steps applied, %d candidate steps shown as refused", len(files), vetted, refusedToVet, steps, declined)
}
