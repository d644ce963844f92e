package checker

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/dsim-project/dsim/sim"
)

// This file merges the shards of an exhaustive check (Options.Shard with
// Options.Exhaustive: shard i takes the i-th contiguous range of the
// check's parts, one part per choice of the first random faulty node).
// Each shard reports its parts' records; the merge keeps the records up to
// the first part with an unexplained run (where the unsharded check stops),
// assembles the certificate from them as the unsharded check does, and
// takes the runs and counterexample from the shard whose part the
// unsharded check would have reported.

// isExhaustiveShard says whether a JSON report is a shard of an exhaustive
// check.
func isExhaustiveShard(data []byte) bool {
	var head struct {
		Shard *jsonShard `json:"shard"`
	}
	return json.Unmarshal(data, &head) == nil && head.Shard != nil && head.Shard.Parts > 0
}

func mergeExhaustiveJSON(reports [][]byte) ([]byte, Verdict, error) {
	type shardReport struct {
		reportJSON[json.RawMessage]
		index int
	}
	var shards []*shardReport
	for i, data := range reports {
		sr := &shardReport{index: i + 1}
		if err := json.Unmarshal(data, &sr.reportJSON); err != nil {
			return nil, Unknown, fmt.Errorf("merge: report %d: %v", i+1, err)
		}
		if sr.Shard == nil || sr.Shard.Parts == 0 || sr.Certificate == nil {
			return nil, Unknown, fmt.Errorf("merge: report %d is not a shard of an exhaustive check", i+1)
		}
		shards = append(shards, sr)
	}
	first := shards[0]
	for _, sr := range shards {
		if sr.Shard.Check != first.Shard.Check || sr.Shard.Count != first.Shard.Count || sr.Shard.Parts != first.Shard.Parts {
			return nil, Unknown, fmt.Errorf("merge: report %d is a shard of another check:\n  %s (%d shards)\nvs\n  %s (%d shards)", sr.index, sr.Shard.Check, sr.Shard.Count, first.Shard.Check, first.Shard.Count)
		}
		if sr.Certificate.SplitRefused != first.Certificate.SplitRefused || sr.Certificate.Split != first.Certificate.Split {
			return nil, Unknown, fmt.Errorf("merge: the shards disagree on the key split (report %d: %q, report %d: %q): the unsharded check enumerates every part the same way; run it unsharded",
				first.index, first.Certificate.SplitRefused, sr.index, sr.Certificate.SplitRefused)
		}
	}
	slices.SortStableFunc(shards, func(a, b *shardReport) int { return a.Shard.Index - b.Shard.Index })
	count, parts := first.Shard.Count, first.Shard.Parts
	if len(shards) != count {
		return nil, Unknown, fmt.Errorf("merge: %d reports for %d shards", len(shards), count)
	}
	var recs []partRecord
	var owner []int // shard of each record
	stopped := false
	for i, sr := range shards {
		if sr.Shard.Index != i {
			return nil, Unknown, fmt.Errorf("merge: shard %d/%d missing or repeated", i, count)
		}
		lo, hi := Shard{Index: i, Count: count}.Range(parts)
		for j, r := range sr.Certificate.PartRecords {
			if r.Part != lo+j || r.Part >= hi {
				return nil, Unknown, fmt.Errorf("merge: shard %d/%d: part %d where part %d was expected", i, count, r.Part, lo+j)
			}
			recs, owner = append(recs, r), append(owner, i)
			if r.Counterexample {
				stopped = true
				break
			}
		}
		if stopped {
			break
		}
		if lo+len(sr.Certificate.PartRecords) != hi {
			return nil, Unknown, fmt.Errorf("merge: shard %d/%d has %d of its %d parts and no unexplained run", i, count, len(sr.Certificate.PartRecords), hi-lo)
		}
	}
	// The shard whose runs the unsharded report shows: the first
	// unexplained run's, else the first undecided run's, else the first
	// bound's; an Equivalent report shows none.
	pick := -1
	for _, want := range []func(partRecord) bool{
		func(r partRecord) bool { return r.Counterexample },
		func(r partRecord) bool { return r.UndecidedRun },
		func(r partRecord) bool { return r.Bound != "" },
	} {
		for i, r := range recs {
			if pick < 0 && want(r) {
				pick = owner[i]
			}
		}
	}
	c := assembleCertificate(Certificate{}, parts, recs, true)
	out := shards[0].reportJSON
	if pick >= 0 {
		out = shards[pick].reportJSON
	} else {
		out.Runs, out.Counterexample = nil, nil
		out.Explained, out.NotExplained, out.Unknown, out.Violated, out.States, out.CollisionBound = 0, 0, 0, 0, 0, 0
	}
	cert := *out.Certificate
	cert.States, cert.Runs, cert.Merged, cert.Schedules = c.States, c.Runs, c.Merged, c.Schedules
	cert.Histories, cert.Searches, cert.OriginalStates, cert.Undecided, cert.MergedRuns = c.Histories, c.Searches, c.OriginalStates, c.Undecided, c.MergedRuns
	cert.Complete, cert.Bound, cert.Hash = c.Complete, c.Bound, c.Hash
	cert.CollisionBound = sim.CollisionBound(c.States) + sim.CollisionBound(c.OriginalStates)
	cert.PartRecords, cert.SplitRefused = nil, ""
	out.Certificate, out.Shard = &cert, nil
	switch {
	case out.Counterexample != nil:
		// NotEquivalent, or Violated: the counterexample run's own verdict.
		var head struct {
			Verdict Verdict `json:"verdict"`
		}
		if err := json.Unmarshal(*out.Counterexample, &head); err != nil {
			return nil, Unknown, fmt.Errorf("merge: counterexample: %v", err)
		}
		out.Verdict = head.Verdict
	case out.Unknown > 0 || !c.Complete:
		out.Verdict = Unknown
	default:
		out.Verdict = Equivalent
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, Unknown, err
	}
	return append(data, '\n'), out.Verdict, nil
}
