package dsimtest

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// Load reads and analyses a program: a .ded file, or a program embedded in
// dsim's corpus (corpus/2pc/base.ded). A program that does not load fails
// t with its diagnostics, source line and caret.
func Load(t testing.TB, path string) *analysis.Program {
	t.Helper()
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(path, corpus.Prefix) {
		src, err = corpus.Open(path)
	}
	if err != nil {
		t.Fatalf("dsimtest: %v", err)
	}
	prog, diags := analysis.Load(path, src)
	if len(diags) > 0 {
		t.Fatalf("dsimtest: %s does not load:\n%s", path, diags.Render(src))
	}
	return prog
}

// dir is where a test's reproducers live: testdata/dsimtest/<TestName>,
// relative to the test's package directory (go test's working directory).
func dir(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return filepath.Join("testdata", "dsimtest", name)
}

// saved returns the text of the test's reproducers whose names start with
// prefix, by file name.
func saved(t testing.TB, prefix string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir(t), prefix+"*.txt"))
	out := map[string]string{}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("dsimtest: %v", err)
		}
		out[f] = string(text)
	}
	return out
}

// save writes a reproducer and returns its path.
func save(t testing.TB, name, text string) string {
	t.Helper()
	if err := os.MkdirAll(dir(t), 0o755); err != nil {
		t.Fatalf("dsimtest: %v", err)
	}
	path := filepath.Join(dir(t), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatalf("dsimtest: %v", err)
	}
	return path
}

// Explore replays the test's saved explore reproducers, then explores
// prog under opts (sim.Explore). A reproducer that still fails, or a new
// failing run, fails t with the reproducer's text; a new one is saved
// first. It returns the report when nothing failed.
func Explore(t testing.TB, prog *analysis.Program, opts sim.ExploreOptions) *sim.ExploreReport {
	t.Helper()
	for path, text := range saved(t, "explore-") {
		r, err := sim.ParseReproducer(path, text)
		if err != nil {
			t.Fatalf("dsimtest: %v", err)
		}
		if r.Expect == "pass" {
			continue
		}
		if err := sim.CheckReproducer(prog, r); err == nil {
			t.Fatalf("dsimtest: the failure saved in %s still happens (delete the file once it is fixed):\n%s", path, text)
		}
	}
	rep, err := sim.Explore(prog, opts)
	if err != nil {
		t.Fatalf("dsimtest: %v", err)
	}
	if rep.Failure != nil {
		r := rep.Repro
		r.Program = prog.File.Name
		text := r.Text()
		path := save(t, r.FileName(), text)
		t.Fatalf("dsimtest: run %d (seed %d) fails: %s\nsaved to %s (replayed first by the next go test):\n%s",
			rep.FailingRun, rep.FailingSeed, rep.Failure, path, text)
	}
	return rep
}

// Check replays the test's saved check reproducers, then checks that
// rewritten refines original (checker.Check). A saved counterexample that
// still fails (NotEquivalent or Violated), or a new failing verdict, fails t
// with the report's text; a new counterexample is saved first. Unknown does not
// fail the test: it is logged, with the bound that was hit.
func Check(t testing.TB, original, rewritten *analysis.Program, opts checker.Options) *checker.Report {
	t.Helper()
	for path, text := range saved(t, "check-") {
		r, err := checker.ParseReproducer(path, text)
		if err != nil {
			t.Fatalf("dsimtest: %v", err)
		}
		rep, err := checker.CheckSchedule(original, rewritten, r.Schedule, opts)
		if err != nil {
			t.Fatalf("dsimtest: replaying %s: %v", path, err)
		}
		if rep.Verdict.Failed() {
			t.Fatalf("dsimtest: the counterexample saved in %s is still %s (delete the file once it is fixed):\n%s",
				path, rep.Verdict, rep.Text(checker.SavedFiles{}))
		}
	}
	rep, err := checker.Check(original, rewritten, opts)
	if err != nil {
		t.Fatalf("dsimtest: %v", err)
	}
	switch rep.Verdict {
	case checker.NotEquivalent, checker.Violated:
		text := checker.NewReproducer(rep).String()
		h := fnv.New32a()
		h.Write([]byte(text))
		path := save(t, fmt.Sprintf("check-%08x.txt", h.Sum32()), text)
		t.Fatalf("dsimtest: %s does not refine %s; saved to %s (replayed first by the next go test)\n%s",
			rewritten.File.Name, original.File.Name, path, rep.Text(checker.SavedFiles{}))
	case checker.Unknown:
		t.Logf("dsimtest: %s", rep.Text(checker.SavedFiles{}))
	}
	return rep
}
