package rewrites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/internal/golden"
)

// TestAnalyzeGolden: dsim analyze's report of the corpus base programs is
// deterministic and matches testdata/analyze/*.golden (-rewrite rewrites
// them). The report lists, among others, the plan steps whose
// preconditions hold; each listed step must also apply.
func TestAnalyzeGolden(t *testing.T) {
	for _, path := range []string{"hashset/base.ded", "voting/base.ded", "2pc/base.ded", "micro/partial/before.ded", "paxos/base.ded"} {
		name := strings.ReplaceAll(strings.TrimSuffix(path, ".ded"), "/", "-")
		t.Run(name, func(t *testing.T) {
			src, err := corpus.Open("corpus/" + path)
			if err != nil {
				t.Fatal(err)
			}
			p := load(t, path, src)
			got := Analyze(p)
			if again := Analyze(load(t, path, src)); again != got {
				t.Fatal("Analyze is not deterministic")
			}
			golden.Check(t, filepath.Join("testdata/analyze", name+".golden"), []byte(got))
			// Every suggested decoupling applies.
			for _, line := range strings.Split(got, "\n") {
				f := strings.Fields(line)
				if len(f) < 2 || (f[0] != "mutual:" && f[0] != "functional:" && f[0] != "monotonic:") || f[1]+":" != f[0] {
					continue
				}
				step := strings.Replace(strings.Join(f[1:], " "), "NEW", "fresh_part", 1)
				st, err := ParseStep(step)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Apply(path, src, st); err != nil {
					t.Errorf("suggested step %q does not apply: %v", step, err)
				}
			}
		})
	}
}

// Analyze suggests state-machine and asymmetric decoupling of an output
// with everything it is derived from, when the preconditions hold.
func TestAnalyzeSuggestsBatching(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"testdata/statemachine/register.ded", "statemachine:   statemachine server -> NEW : answer okGet okPut top vals\n"},
		{"testdata/asymmetric/collector.ded", "asymmetric:     asymmetric leader -> NEW : committed got numVotes votes\n"},
		{"testdata/multi/register.ded", "statemachine:   statemachine server -> NEW : answer okGet okPut top vals\n"},
		{"testdata/multi/collector.ded", "asymmetric:     asymmetric leader -> NEW : committed got numVotes votes\n"},
		// A partitioned aggregate: the replies that carry it and every
		// other reply with C's address are sealed (seal=).
		{"testdata/pseal/count.ded", "partial:        partial replica : newBallot seal=report seal=top # replicate ballots, newBallot, partition the rest by stored(id), toReplica(id), per partition anyStored, maxPayload, storedCount (a state machine)\n"},
		{"testdata/refusals/pseal-unsealed-reply.ded", "partial:        partial acceptor : p1a seal=p1b seal=p1bLog # "},
		{"testdata/refusals/partial-aggregate-unkeyed.ded", "partial:        no, partial replica : newBallot seal=report seal=top is refused: a count or sum over the partition key # "},
		{"testdata/partial/twowrites.ded", "partial:        partial replica : newBallot newEpoch # replicate ballots, current, epochs, latest, partition the rest by stored(id), toReplica(id) (a state machine)\n"},
	} {
		src, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := Analyze(load(t, c.file, src)); !strings.Contains(got, c.want) {
			t.Errorf("%s: analyze lacks %q:\n%s", c.file, c.want, got)
		}
	}
}
