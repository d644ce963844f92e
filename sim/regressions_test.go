package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// regressionsDir holds the reproducers `dsim explore` writes (and the
// refinement checker's, which have other names and their own test).
const regressionsDir = "../corpus/regressions"

// loadReproProgram finds a reproducer's program: a path relative to the
// repository root, or an embedded corpus program.
func loadReproProgram(t *testing.T, name string) *analysis.Program {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(name)))
	if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(name, corpus.Prefix) {
		src, err = corpus.Open(name)
	}
	if err != nil {
		t.Fatalf("the reproducer's program: %v", err)
	}
	prog, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return prog
}

// TestRegressionReproducers replays every corpus/regressions/explore-*.txt:
// each must still show exactly the failure it records, or pass when it
// says `# expect: pass` (docs/SEMANTICS.md, Exploration).
func TestRegressionReproducers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(regressionsDir, "explore-*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no reproducers in %s", regressionsDir)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			require.NoError(t, err)
			r, err := ParseReproducer(path, string(text))
			require.NoError(t, err)
			prog := loadReproProgram(t, r.Program)
			if err := CheckReproducer(prog, r); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		})
	}
}

// fixedCommitSrc is reordered-commit.ded fixed: the leader sends the
// commit only once the replica acknowledged the prepare.
const fixedCommitSrc = `
.decl prepare(id: int, v: int)
.decl prepared_ack(id: int)
.decl commit(id: int)
.decl ack(id: int)
.invariant bad_commit_before_prepare(id: int)
component leader {
  .input request(id: int, v: int)
  .output reply(id: int)
  prepare@r(id, v) :~ request(id, v), replica(r).
  commit@r(id) :~ prepared_ack(id), replica(r).
  reply(id) :- ack(id).
}
component replica {
  prepared(id) :- prepare(id, v).
  .persist prepared
  prepared_ack@l(id) :~ prepare(id, v), leader(l).
  bad_commit_before_prepare(id) :- commit(id), !prepared(id).
  ack@l(id) :~ commit(id), prepared(id), leader(l).
}
`

// The workflow the reproducer files support: a recorded bug replays until
// the program is fixed; then the test fails until the file says
// `expect: pass`, after which the fixed bug must stay fixed.
func TestReproducerWorkflow(t *testing.T) {
	buggy := loadProgram(t, reorderedCommit, "")
	fixed := loadProgram(t, "fixed.ded", fixedCommitSrc)
	rep, err := Explore(buggy, ExploreOptions{Runs: 50, Spec: Spec{Seed: 11, Closed: 3}})
	require.NoError(t, err)
	require.NotNil(t, rep.Repro)
	rep.Repro.Program = reorderedCommit
	text := rep.Repro.Text()
	// Library text names options, not flags: dsim maps them (cmd/dsim's optionFlags).
	require.Contains(t, text, "\n# replay: sim.Replay "+reorderedCommit+" THIS_FILE\n")
	require.NotContains(t, text, "--")
	passing := strings.Replace(text, "# expect: "+rep.Failure.Expect(), "# expect: pass", 1)
	require.NotEqual(t, text, passing)

	cases := []struct {
		name    string
		prog    *analysis.Program
		text    string
		wantErr string
	}{
		{"bug recorded, still there", buggy, text, ""},
		{"bug recorded, program fixed", fixed, text, "change the file's `# expect:` line to `pass`"},
		{"expect pass, program fixed", fixed, passing, ""},
		{"expect pass, bug back", buggy, passing, "a fixed bug is back"},
		{"wrong expectation", buggy, strings.Replace(text, "# expect: violation bad_commit_before_prepare(", "# expect: violation bad_commit_before_prepare(99", 1), "the reproducer expects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseReproducer("r.txt", tc.text)
			require.NoError(t, err)
			err = CheckReproducer(tc.prog, r)
			if tc.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.wantErr)
			}
		})
	}
}

func TestParseReproducerErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"dsim schedule v1\n", "needs `# program: PROG`"},
		{"# program: p.ded\n# expect: maybe\ndsim schedule v1\n", "bad expectation"},
		{"# program: p.ded\n# expect: pass\nnot a schedule\n", "not a schedule file"},
	} {
		_, err := ParseReproducer("r.txt", tc.text)
		assert.ErrorContains(t, err, tc.want)
	}
}
