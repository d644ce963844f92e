package corpus_test

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// programPaths lists every embedded program as a slash-separated path
// relative to the corpus (e.g. "2pc/base.ded"), sorted: the tests go through
// the same embedding the command line uses.
func programPaths(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, p := range corpus.Programs() {
		paths = append(paths, strings.TrimPrefix(p, corpus.Prefix))
	}
	if len(paths) == 0 {
		t.Fatal("corpus.Programs() is empty")
	}
	return paths
}

// readProgram returns an embedded program's source.
func readProgram(t *testing.T, path string) []byte {
	t.Helper()
	src, err := corpus.Open(corpus.Prefix + path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// wantPrograms are the programs issue 4 asks for; the test fails if one is
// missing, so a renamed or deleted file cannot pass silently.
var wantPrograms = []string{
	"2pc/base.ded", "2pc/scalable.ded",
	"hashset/base.ded",
	"hashset/fig2-mutually-independent.ded", "hashset/fig3-monotonic.ded",
	"hashset/fig4-functional.ded", "hashset/fig5-cohashing.ded",
	"hashset/fig6-dependencies.ded",
	"voting/base.ded", "voting/scalable.ded",
	// issue 13
	"paxos/base.ded", "paxos/scalable.ded", "paxos/comppaxos.ded",
}

var microRewrites = []string{
	"mutually-independent", "monotonic", "functional", "cohashing", "dependencies", "partial",
}

func TestEveryProgramPresent(t *testing.T) {
	have := map[string]bool{}
	for _, p := range programPaths(t) {
		have[p] = true
	}
	want := append([]string(nil), wantPrograms...)
	for _, r := range microRewrites {
		want = append(want, "micro/"+r+"/before.ded", "micro/"+r+"/after.ded")
	}
	for _, p := range want {
		if !have[p] {
			t.Errorf("missing corpus program %s", p)
		}
	}
}

// TestProgramsVetClean: every corpus program parses and analyses with no
// diagnostic (docs/ARCHITECTURE.md, Well-formedness).
func TestProgramsVetClean(t *testing.T) {
	for _, path := range programPaths(t) {
		t.Run(path, func(t *testing.T) {
			src := readProgram(t, path)
			prog, diags := analysis.Load("corpus/"+path, src)
			if len(diags) > 0 {
				for _, d := range diags {
					t.Errorf("%v", d)
				}
				return
			}
			if prog == nil {
				t.Fatal("analysis.Load returned no program and no diagnostics")
			}
		})
	}
}

// TestVetCatchesBadProgram keeps TestProgramsVetClean honest: the same call
// must reject an unsafe rule (head variable bound by no positive literal).
func TestVetCatchesBadProgram(t *testing.T) {
	src := []byte("component a {\n  x(y) :- z(w).\n}\n")
	if _, diags := analysis.Load("bad.ded", src); len(diags) == 0 {
		t.Fatal("analysis.Load accepted a rule whose head variable y is unbound")
	}
}
