package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// importProgram imports a manifest of testdata and analyses the result.
func importProgram(t *testing.T, manifest string) *analysis.Program {
	t.Helper()
	res, err := Import(manifest, nil, filepath.Base(manifest)+".ded")
	if err != nil {
		t.Fatalf("import %s:\n%s", manifest, err.Render())
	}
	p, diags := analysis.Load(manifest+".ded", res.Program)
	require.Empty(t, diags, "%s", diags.Render(res.Program))
	return p
}

func corpusProgram(t *testing.T, name string) *analysis.Program {
	t.Helper()
	src, err := corpus.Open(name)
	require.NoError(t, err)
	p, diags := analysis.Load(name, src)
	require.Empty(t, diags, "%s", diags.Render(src))
	return p
}

// outputs runs prog fault-free on a fixed workload and returns its distinct
// output facts.
func outputs(t *testing.T, prog *analysis.Program, workload string, seed uint64) string {
	t.Helper()
	w, err := sim.ParseWorkload("workload", workload)
	require.NoError(t, err)
	res, err := sim.Run(prog, sim.Config{Seed: seed, Workload: w})
	require.NoError(t, err)
	require.False(t, res.Stop.Bounded(), res.Stop.Message)
	var lines []string
	for _, f := range res.History.OutputFacts() {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}

// The imported programs and the corpus's hand-written versions of the same
// protocols answer the same requests with the same outputs, fault-free,
// under several schedules.
func TestImportedMatchesCorpus(t *testing.T) {
	tests := []struct {
		manifest, corpus, workload, want string
	}{
		{"testdata/voting/voting.toml", "corpus/voting/base.ded",
			"@0 request(1, 10) -> leader[0]\n@0 request(2, 14) -> leader[0]\n@3 request(3, 5) -> leader[0]\n",
			"reply(1, 10)\nreply(2, 14)\nreply(3, 5)"},
		{"testdata/voting/scalable.toml", "corpus/voting/base.ded",
			"@0 request(1, 10) -> leader[0]\n@0 request(2, 14) -> leader[0]\n@3 request(3, 5) -> leader[0]\n",
			"reply(1, 10)\nreply(2, 14)\nreply(3, 5)"},
		{"testdata/2pc/base.toml", "corpus/2pc/base.ded",
			"@0 request(1, 10) -> coordinator[0]\n@0 request(2, 14) -> coordinator[0]\n@2 request(3, 5) -> coordinator[0]\n@4 request(4, 21) -> coordinator[0]\n",
			"outcome(1, \"commit\")\noutcome(2, \"abort\")\noutcome(3, \"commit\")\noutcome(4, \"abort\")"},
		{"testdata/2pc/scalable.toml", "corpus/2pc/base.ded",
			"@0 request(1, 10) -> coordinator[0]\n@0 request(2, 14) -> coordinator[0]\n@2 request(3, 5) -> coordinator[0]\n@4 request(4, 21) -> coordinator[0]\n",
			"outcome(1, \"commit\")\noutcome(2, \"abort\")\noutcome(3, \"commit\")\noutcome(4, \"abort\")"},
	}
	for _, tt := range tests {
		t.Run(tt.manifest, func(t *testing.T) {
			imported := importProgram(t, tt.manifest)
			hand := corpusProgram(t, tt.corpus)
			for seed := uint64(1); seed <= 5; seed++ {
				got := outputs(t, imported, tt.workload, seed)
				require.Equal(t, tt.want, got, "imported, seed %d", seed)
				require.Equal(t, outputs(t, hand, tt.workload, seed), got, "imported vs %s, seed %d", tt.corpus, seed)
			}
		})
	}
}

// The imported scalable voting and 2PC refine their imported base
// versions, with omission faults, as the corpus's pairs do.
func TestImportedPairsEquivalent(t *testing.T) {
	for _, dir := range []string{"testdata/voting", "testdata/2pc"} {
		t.Run(dir, func(t *testing.T) {
			baseName := dir + "/base.toml"
			if dir == "testdata/voting" {
				baseName = dir + "/voting.toml"
			}
			base := importProgram(t, baseName)
			scalable := importProgram(t, dir+"/scalable.toml")
			faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
			require.NoError(t, err)
			rep, err := checker.Check(base, scalable, checker.Options{Runs: 8, Spec: sim.Spec{Seed: 1, Faults: faults, Open: 3}})
			require.NoError(t, err)
			require.Equal(t, checker.Equivalent, rep.Verdict, "%s", rep.Text(checker.SavedFiles{}))
		})
	}
}

// A scalable 2PC whose committer answers "commit" to an aborted
// transaction gives other outputs than the corpus's: the comparison above
// can fail. (Its NotEquivalent verdict from checker.Check takes minutes of
// search, too long for this test; `dsim check` finds it.)
func TestImportedBrokenRewriteDiffers(t *testing.T) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(name)
		if err == nil && strings.HasSuffix(name, "committer.rs") {
			b = []byte(strings.Replace(string(b), `clientOut@client(id, "abort")`, `clientOut@client(id, "commit")`, 1))
		}
		return b, err
	}
	res, ierr := Import("testdata/2pc/scalable.toml", read, "broken.ded")
	if ierr != nil {
		t.Fatal(ierr.Render())
	}
	broken, diags := analysis.Load("broken.ded", res.Program)
	require.Empty(t, diags)
	workload := "@0 request(1, 10) -> coordinator[0]\n@0 request(2, 14) -> coordinator[0]\n"
	require.Equal(t, "outcome(1, \"commit\")\noutcome(2, \"commit\")", outputs(t, broken, workload, 1))
	require.NotEqual(t, outputs(t, corpusProgram(t, "corpus/2pc/base.ded"), workload, 1), outputs(t, broken, workload, 1))
}

// Every role file of testdata is accepted as it is (what `dsim vet
// role.rs` checks), warnings aside.
func TestRoleFilesVet(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.rs")
	require.NoError(t, err)
	more, err := filepath.Glob("testdata/*/*/*.rs")
	require.NoError(t, err)
	files = append(files, more...)
	require.GreaterOrEqual(t, len(files), 13)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		text, diags := Extract(f, raw)
		require.Empty(t, diags, f)
		p, diags := analysis.Load(f, text)
		require.Empty(t, diags, "%s", diags.Render(text))
		for _, w := range p.Warnings {
			require.Contains(t, w.Msg, "is never used", f)
		}
	}
}

// Importing is deterministic: the same manifest gives the same bytes.
func TestImportDeterministic(t *testing.T) {
	first, err := Import("testdata/2pc/scalable.toml", nil, "")
	require.Nil(t, err)
	for range 5 {
		again, err := Import("testdata/2pc/scalable.toml", nil, "")
		require.Nil(t, err)
		require.Equal(t, string(first.Program), string(again.Program))
	}
}

// docs/IMPORT.md shows testdata's voting manifest and its import, as they
// are.
func TestImportDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/IMPORT.md")
	require.NoError(t, err)
	manifest, err := os.ReadFile("testdata/voting/voting.toml")
	require.NoError(t, err)
	require.Contains(t, string(doc), "```toml\n"+string(manifest)+"```")
	res, ierr := Import("testdata/voting/voting.toml", nil, "")
	require.Nil(t, ierr)
	require.Contains(t, string(doc), "```\n"+string(res.Program)+"```")
}
