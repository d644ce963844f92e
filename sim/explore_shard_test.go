package sim

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// exploreShards explores unsharded and in n shards, and returns the
// unsharded JSON report and the shards' merged one.
func exploreShards(t *testing.T, name string, opts ExploreOptions, n int) (whole, merged []byte, rep *ExploreReport) {
	t.Helper()
	prog := loadProgram(t, name, "")
	rep, err := Explore(prog, opts)
	require.NoError(t, err)
	var parts [][]byte
	for i := n - 1; i >= 0; i-- { // any order
		o := opts
		o.Shard = Shard{Index: i, Count: n}
		r, err := Explore(prog, o)
		require.NoError(t, err)
		parts = append(parts, r.JSON())
	}
	merged, failures, inconclusive, err := MergeExploreJSON(parts)
	require.NoError(t, err)
	require.Equal(t, rep.Failures(), failures)
	require.Equal(t, rep.Inconclusive, inconclusive)
	return rep.JSON(), merged, rep
}

// TestExploreShardsMergeToWhole: for failing, clean and inconclusive
// explorations, with coverage, the merged JSON of n shards is the
// unsharded report byte for byte (failure, reproducer, counts, coverage).
func TestExploreShardsMergeToWhole(t *testing.T) {
	omission := FaultPlan{Omissions: []Omission{{Random: 1, P: 0.3, Until: 30}}}
	cases := []struct {
		name    string
		prog    string
		opts    ExploreOptions
		failsAt int // -1: no failure
		inconcl bool
	}{
		{"failing in a later shard", reorderedCommit, ExploreOptions{Runs: 40, Spec: Spec{Closed: 1}}, 11, false},
		{"failing", reorderedCommit, ExploreOptions{Runs: 40, Spec: Spec{Seed: 7, Closed: 4, Clients: 2}, Coverage: true}, 1, false},
		{"clean with faults", "corpus/2pc/base.ded", ExploreOptions{Runs: 30, Spec: Spec{Seed: 2, Closed: 3, Faults: omission}, Coverage: true}, -1, false},
		{"inconclusive", "corpus/2pc/base.ded", ExploreOptions{Runs: 25, Spec: Spec{Seed: 4, Open: 3, Limits: Limits{MaxTicks: 60}}}, -1, true},
		{"fewer runs than shards", "corpus/2pc/base.ded", ExploreOptions{Runs: 3, Spec: Spec{Closed: 2}}, -1, false},
	}
	for _, tc := range cases {
		for _, n := range []int{2, 3, 4, 7} {
			whole, merged, rep := exploreShards(t, tc.prog, tc.opts, n)
			if diff := cmp.Diff(string(whole), string(merged)); diff != "" {
				t.Fatalf("%s, %d shards: merged report differs from the unsharded one:\n%s", tc.name, n, diff)
			}
			if tc.failsAt < 0 {
				require.Nil(t, rep.Failure, tc.name)
				require.Equal(t, tc.opts.Runs, rep.Runs, tc.name)
			} else {
				require.NotNil(t, rep.Failure, tc.name)
				require.Equal(t, tc.failsAt, rep.FailingRun, tc.name)
				require.Equal(t, tc.failsAt+1, rep.Runs, tc.name)
				require.NotEmpty(t, rep.Repro, tc.name)
			}
			require.Equal(t, tc.inconcl, rep.Inconclusive > 0 && rep.Inconclusive < rep.Runs, tc.name)
			if n == 2 {
				t.Logf("%s: %d runs, failing run %d, %d inconclusive", tc.name, rep.Runs, rep.FailingRun, rep.Inconclusive)
			}
		}
	}
}

// TestExploreShardMergeRefuses: reports that are not all the shards of one
// exploration do not merge.
func TestExploreShardMergeRefuses(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	shard := func(seed uint64, i, n int) []byte {
		rep, err := Explore(prog, ExploreOptions{Runs: 6, Spec: Spec{Seed: seed, Closed: 2}, Shard: Shard{Index: i, Count: n}})
		require.NoError(t, err)
		return rep.JSON()
	}
	whole, err := Explore(prog, ExploreOptions{Runs: 6, Spec: Spec{Closed: 2}})
	require.NoError(t, err)
	var truncated map[string]any
	require.NoError(t, json.Unmarshal(shard(1, 0, 2), &truncated))
	truncated["runs"] = 1
	short, _ := json.Marshal(truncated)
	for _, tc := range []struct {
		name    string
		reports [][]byte
		want    string
	}{
		{"none", nil, "no reports"},
		{"not a shard", [][]byte{whole.JSON()}, "is not a shard (make shards with ExploreOptions.Shard i/n)"},
		{"missing", [][]byte{shard(1, 0, 3), shard(1, 2, 3)}, "shard 1/3 missing or repeated"},
		{"repeated", [][]byte{shard(1, 0, 2), shard(1, 0, 2)}, "shard 1/2 missing or repeated"},
		{"another exploration", [][]byte{shard(1, 0, 2), shard(2, 1, 2)}, "is a shard of another exploration"},
		{"a check's report", [][]byte{[]byte(`{"verdict": "Equivalent"}`)}, "is not an exploration's report"},
		{"short shard", [][]byte{short, shard(1, 1, 2)}, "checked 1 of its 3 runs"},
	} {
		_, _, _, err := MergeExploreJSON(tc.reports)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}
