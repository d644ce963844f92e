package checker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// repoRoot is where reproducers' program paths start.
const repoRoot = ".."

func loadAny(t *testing.T, name string) *analysis.Program {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil && strings.HasPrefix(name, corpus.Prefix) {
		src, err = corpus.Open(name)
	}
	if err != nil {
		t.Fatal(err)
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

// TestRegressions replays every reproducer in corpus/regressions and
// asserts its recorded verdict (and offending output).
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "corpus", "regressions", "check-*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no reproducers yet")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseReproducer(f, string(text))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := CheckSchedule(loadAny(t, r.Original), loadAny(t, r.Rewritten), r.Schedule, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Runs[0]
			if got.Verdict != r.Verdict {
				t.Fatalf("verdict %s, recorded %s\n%s", got.Verdict, r.Verdict, rep.Text(SavedFiles{}))
			}
			if r.Offense != "" {
				off := ""
				if got.Offense != nil {
					off = got.Offense.Kind + " " + got.Offense.Fact.String()
				}
				if off != r.Offense {
					t.Errorf("offense %q, recorded %q", off, r.Offense)
				}
			}
			if again := NewReproducer(rep); again.String() != r.String() {
				t.Errorf("the reproducer does not round-trip")
			}
		})
	}
}
