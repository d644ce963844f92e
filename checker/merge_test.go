package checker

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// checkShards checks orig/rew unsharded and in n shards, and returns the
// unsharded JSON report and the shards' merged one.
func checkShards(t *testing.T, orig, rew string, opts Options, n int) (whole, merged []byte, v Verdict) {
	t.Helper()
	o, r := loadAny(t, orig), loadAny(t, rew)
	rep, err := Check(o, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	var parts [][]byte
	for i := n - 1; i >= 0; i-- { // any order
		so := opts
		so.Shard = Shard{Index: i, Count: n}
		srep, err := Check(o, r, so)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, srep.JSON())
	}
	merged, v, err = MergeJSON(parts)
	if err != nil {
		t.Fatal(err)
	}
	if v != rep.Verdict {
		t.Errorf("merged verdict %s, unsharded %s", v, rep.Verdict)
	}
	return rep.JSON(), merged, v
}

// TestMergeShardsEqualsUnsharded: the merged JSON of every shard is
// byte for byte the unsharded check's, for an Equivalent pair with faults
// and for a mutant whose first failing run lies in a later shard (the
// runs after it, checked by its shard and the next, are dropped).
func TestMergeShardsEqualsUnsharded(t *testing.T) {
	whole, merged, v := checkShards(t, "corpus/voting/base.ded", "corpus/voting/scalable.ded",
		Options{Runs: 7, Spec: sim.Spec{Faults: faultyPlan(t), Open: 2}}, 3)
	if string(whole) != string(merged) {
		t.Errorf("Equivalent pair: merged report differs:\n%s\nvs unsharded\n%s", merged, whole)
	}
	if v != Equivalent {
		t.Errorf("voting/scalable: %s", v)
	}
	whole, merged, v = checkShards(t, "corpus/2pc/base.ded", "checker/testdata/mutants/2pc-voter-no-log.ded",
		Options{Runs: 4, Spec: sim.Spec{Seed: 5, Open: 1}, MaxStates: 8000}, 4) // seed 5: run 0 is explained, run 1 is not
	if string(whole) != string(merged) {
		t.Errorf("mutant: merged report differs:\n%s\nvs unsharded\n%s", merged, whole)
	}
	if v != NotEquivalent {
		t.Errorf("mutant: %s, want NotEquivalent", v)
	}
	var head struct {
		Runs []struct {
			Index int `json:"index"`
		} `json:"runs"`
		Counterexample *struct {
			Index int `json:"index"`
		} `json:"counterexample"`
	}
	if err := json.Unmarshal(whole, &head); err != nil {
		t.Fatal(err)
	}
	// The comparison means most when the failure is not in shard 0 and
	// later runs, which shards check but the whole check skips, exist.
	if cx := head.Counterexample; cx == nil || cx.Index < 1 || len(head.Runs) >= 4 {
		t.Errorf("mutant: want a counterexample at run >= 1 of 4 and the later runs skipped, got %d runs:\n%s", len(head.Runs), whole)
	}
}

// TestMergeRefuses: reports of different checks, a missing shard and a
// report that is not a shard are errors.
func TestMergeRefuses(t *testing.T) {
	o, r := load(t, "corpus/voting/base.ded"), load(t, "corpus/voting/scalable.ded")
	shard := func(i, n int, seed uint64) []byte {
		rep, err := Check(o, r, Options{Runs: 4, Spec: sim.Spec{Seed: seed, Open: 1}, Shard: Shard{Index: i, Count: n}})
		if err != nil {
			t.Fatal(err)
		}
		return rep.JSON()
	}
	for name, c := range map[string]struct {
		parts [][]byte
		want  string
	}{
		"other check":   {[][]byte{shard(0, 2, 0), shard(1, 2, 5)}, "another check"},
		"missing shard": {[][]byte{shard(0, 2, 0)}, "1 reports for 2 shards"},
		"repeated":      {[][]byte{shard(0, 2, 0), shard(0, 2, 0)}, "missing or repeated"},
		"not a shard":   {[][]byte{shard(0, 1, 0)}, "not a shard"},
	} {
		if _, _, err := MergeJSON(c.parts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestShardRange(t *testing.T) {
	for _, runs := range []int{0, 1, 5, 7, 20} {
		for n := 1; n <= 6; n++ {
			next := 0
			for i := 0; i < n; i++ {
				lo, hi := Shard{Index: i, Count: n}.Range(runs)
				if lo != next || hi < lo || hi-lo > runs/n+1 {
					t.Fatalf("runs %d, shard %d/%d: %d..%d after %d", runs, i, n, lo, hi, next)
				}
				next = hi
			}
			if next != runs {
				t.Fatalf("runs %d in %d shards cover %d", runs, n, next)
			}
		}
	}
	if _, err := ParseShard("3/3"); err == nil {
		t.Error("3/3 accepted")
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{Index: 2, Count: 5}) {
		t.Errorf("2/5: %v %v", s, err)
	}
}
