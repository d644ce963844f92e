package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/sim"
)

// UnmarshalText reads a verdict's name (MergeJSON reads reports).
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if string(b) == n {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", b)
}

// MergeJSON combines the JSON reports (Report.JSON) of every shard of one
// check into the JSON report the unsharded check gives: runs in index
// order up to the first failing one (NotEquivalent or Violated: an
// unsharded check stops there), that run's shard's counterexample, and
// verdict, counts, states and collision bound recomputed from the kept
// runs. It refuses reports of different checks, missing or repeated
// shards, and a shard whose runs do not cover its range (unless it
// stopped at a failing run). Each run's fields pass through unchanged.
func MergeJSON(reports [][]byte) ([]byte, Verdict, error) {
	type runHead struct {
		Index      int       `json:"index"`
		Verdict    Verdict   `json:"verdict"`
		States     int       `json:"states"`
		NeverFired *[]string `json:"never_fired"`
	}
	type shardReport struct {
		Original       string            `json:"original"`
		Rewritten      string            `json:"rewritten"`
		Runs           []json.RawMessage `json:"runs"`
		Counterexample json.RawMessage   `json:"counterexample"`
		Shard          *jsonShard        `json:"shard"`
		RulesCounted   int               `json:"rules_counted"`
		heads          []runHead
	}
	if len(reports) == 0 {
		return nil, Unknown, fmt.Errorf("merge: no reports")
	}
	if isExhaustiveShard(reports[0]) {
		return mergeExhaustiveJSON(reports)
	}
	var shards []*shardReport
	for i, data := range reports {
		sr := &shardReport{}
		if err := json.Unmarshal(data, sr); err != nil {
			return nil, Unknown, fmt.Errorf("merge: report %d: %v", i+1, err)
		}
		if sr.Shard == nil {
			return nil, Unknown, fmt.Errorf("merge: report %d is not a shard (make shards with %s i/n)", i+1, sim.OptShard)
		}
		for _, raw := range sr.Runs {
			var h runHead
			if err := json.Unmarshal(raw, &h); err != nil {
				return nil, Unknown, fmt.Errorf("merge: report %d: run: %v", i+1, err)
			}
			sr.heads = append(sr.heads, h)
		}
		shards = append(shards, sr)
	}
	first := shards[0].Shard
	for i, sr := range shards {
		if sr.Shard.Check != first.Check || sr.Shard.Count != first.Count || sr.Shard.Runs != first.Runs {
			return nil, Unknown, fmt.Errorf("merge: report %d is a shard of another check:\n  %s (%d shards)\nvs\n  %s (%d shards)", i+1, sr.Shard.Check, sr.Shard.Count, first.Check, first.Count)
		}
	}
	slices.SortStableFunc(shards, func(a, b *shardReport) int { return a.Shard.Index - b.Shard.Index })
	for i, sr := range shards {
		if sr.Shard.Index != i {
			return nil, Unknown, fmt.Errorf("merge: shard %d/%d missing or repeated (have %d reports of %d shards)", i, first.Count, len(shards), first.Count)
		}
	}
	if len(shards) != first.Count {
		return nil, Unknown, fmt.Errorf("merge: %d reports for %d shards", len(shards), first.Count)
	}
	out := reportJSON[json.RawMessage]{Original: shards[0].Original, Rewritten: shards[0].Rewritten, Verdict: Equivalent}
	// A rule never fired over the check when it fired in none of the runs
	// kept: intersect the runs' lists (coverage.go).
	var never []string
	covered := false
	stopped := false
	for _, sr := range shards {
		lo, hi := Shard{Index: sr.Shard.Index, Count: sr.Shard.Count}.Range(sr.Shard.Runs)
		for j, h := range sr.heads {
			if h.Index != lo+j {
				return nil, Unknown, fmt.Errorf("merge: shard %s: run %d where run %d was expected", Shard{Index: sr.Shard.Index, Count: sr.Shard.Count}, h.Index, lo+j)
			}
			out.Runs = append(out.Runs, sr.Runs[j])
			if h.NeverFired != nil {
				if !covered {
					never, covered = slices.Clone(*h.NeverFired), true
				} else {
					never = slices.DeleteFunc(never, func(n string) bool { return !slices.Contains(*h.NeverFired, n) })
				}
			}
			out.States += h.States
			out.CollisionBound += sim.CollisionBound(h.States)
			switch h.Verdict {
			case Equivalent:
				out.Explained++
			case NotEquivalent, Violated:
				if h.Verdict == NotEquivalent {
					out.NotExplained++
				} else {
					out.Violated++
				}
				if cx := sr.Counterexample; len(cx) > 0 && !bytes.Equal(cx, []byte("null")) {
					out.Counterexample = &cx
				}
				stopped = true
			default:
				out.Unknown++
			}
			out.Verdict = worst(out.Verdict, h.Verdict)
			if stopped {
				break
			}
		}
		if stopped {
			break
		}
		if lo+len(sr.heads) != hi {
			return nil, Unknown, fmt.Errorf("merge: shard %s has runs %d..%d of %d..%d and no failing run", Shard{Index: sr.Shard.Index, Count: sr.Shard.Count}, lo, lo+len(sr.heads)-1, lo, hi-1)
		}
	}
	if covered {
		out.RulesCounted = shards[0].RulesCounted
		out.RulesFired = out.RulesCounted - len(never)
		if len(never) > 0 {
			out.NeverFired = never
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, Unknown, err
	}
	return append(data, '\n'), out.Verdict, nil
}
