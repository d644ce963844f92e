package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is the Index-th (from 0) of Count parts of a batch of runs: a
// contiguous range of run indices (Range), each run keeping its index and
// seed (RunSeed), so that a shard's runs are exactly the unsharded
// batch's runs of that range. `dsim check --shard` and `dsim explore
// --shard` split their runs this way; checker.MergeJSON and
// MergeExploreJSON put the shards' JSON reports back together.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 <= i < n (e.g. 0/4)", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Sharded reports whether s splits the runs (Count > 1 and Index in range).
func (s Shard) Sharded() bool { return s.Count > 1 && s.Index >= 0 && s.Index < s.Count }

// Range returns the run indices lo..hi-1 of this shard of runs runs: the
// first runs%Count shards get one run more. An unsharded s is all runs.
func (s Shard) Range(runs int) (lo, hi int) {
	if !s.Sharded() {
		return 0, runs
	}
	q, r := runs/s.Count, runs%s.Count
	lo = s.Index*q + min(s.Index, r)
	hi = lo + q
	if s.Index < r {
		hi++
	}
	return lo, hi
}
