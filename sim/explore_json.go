package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file holds an exploration's JSON report (`dsim explore --json`) and
// the merge of a sharded exploration's reports (`dsim merge`): the shards'
// runs are the unsharded exploration's runs of their ranges (shard.go), so
// the merge is the unsharded report, byte for byte.

// exploreJSON is the JSON report. Coverage holds the raw counts (the
// Coverage struct), so that shards' coverage can be summed.
type exploreJSON struct {
	Kind              string        `json:"kind"` // "explore"
	Program           string        `json:"program"`
	Requested         int           `json:"requested"`
	Runs              int           `json:"runs"`
	Failures          int           `json:"failures"`
	Inconclusive      int           `json:"inconclusive"`
	FirstInconclusive string        `json:"first_inconclusive,omitempty"`
	Failure           *failureJSON  `json:"failure,omitempty"`
	Reproducer        string        `json:"reproducer,omitempty"`
	Canceled          string        `json:"canceled,omitempty"`
	Coverage          *Coverage     `json:"coverage,omitempty"`
	Shard             *exploreShard `json:"shard,omitempty"`
}

type failureJSON struct {
	Run     int    `json:"run"`
	Seed    uint64 `json:"seed"`
	Kind    string `json:"kind"`
	Fact    string `json:"fact"`
	Node    string `json:"node"`
	Time    int64  `json:"time"`
	Message string `json:"message"`
}

// exploreShard identifies a shard: which part, of how many runs, of which
// exploration (the program and every option the report depends on).
type exploreShard struct {
	Index   int    `json:"index"`
	Count   int    `json:"count"`
	Runs    int    `json:"runs"`
	Explore string `json:"explore"`
}

// ExploreJSONKind is the "kind" field of an exploration's JSON report;
// `dsim merge` tells explorations from checks by it.
const ExploreJSONKind = "explore"

// JSON renders the report for machines; a shard's report says which shard
// it is (MergeExploreJSON).
func (r *ExploreReport) JSON() []byte {
	return marshalReport(r.jsonReport())
}

// marshalReport indents v and leaves <, > and & as they are (reproducer
// text is full of "->").
func marshalReport(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // only plain data
	return b.Bytes()
}

func (r *ExploreReport) jsonReport() *exploreJSON {
	out := &exploreJSON{Kind: ExploreJSONKind, Program: r.Program, Requested: r.Requested, Runs: r.Runs, Failures: r.Failures(),
		Inconclusive: r.Inconclusive, FirstInconclusive: r.FirstInconclusive, Canceled: r.Canceled, Coverage: r.Coverage}
	if f := r.Failure; f != nil {
		out.Failure = &failureJSON{Run: r.FailingRun, Seed: r.FailingSeed, Kind: f.Kind.String(), Fact: f.Fact.String(), Node: f.Node.String(), Time: f.Time, Message: f.String()}
	}
	if r.Repro != nil {
		repro := *r.Repro
		if repro.Program == "" {
			repro.Program = r.Program
		}
		out.Reproducer = repro.Text()
	}
	if s := r.opts.Shard; s.Sharded() {
		out.Shard = &exploreShard{Index: s.Index, Count: s.Count, Runs: r.opts.Runs, Explore: r.identity()}
	}
	return out
}

// identity names the exploration a shard belongs to: shards merge only
// when it is equal. Jobs and Progress are left out: the report does not
// depend on them.
func (r *ExploreReport) identity() string {
	o := r.opts
	delay := ""
	if o.Delay != nil {
		delay = o.Delay.String()
	}
	var counts []string
	for _, k := range slices.Sorted(maps.Keys(o.Counts)) {
		counts = append(counts, fmt.Sprintf("%s=%d", k, o.Counts[k]))
	}
	return fmt.Sprintf("%s runs=%d seed=%d counts=[%s] faults=%q delay=%s limits=%+v workload=%q open=%d closed=%d clients=%d max-gap=%d values=%q repeats=%+v sequential=%t coverage=%t max-shrink=%d no-shrink=%t",
		r.Program, o.Runs, o.Seed, strings.Join(counts, " "), o.Faults.String(), delay, o.Limits, o.Workload.String(),
		o.Open, o.Closed, o.Clients, o.MaxGap, o.Values.String(), o.Repeats, o.Sequential, o.Coverage, o.MaxShrinkAttempts, o.NoShrink)
}

// MergeExploreJSON combines the JSON reports (ExploreReport.JSON) of every
// shard of one exploration into the JSON report the unsharded exploration
// gives: the runs of the shards in order up to the first failing run (an
// unsharded exploration stops there), that run's failure and reproducer,
// and the counts and coverage of the runs up to it. It refuses reports of
// different explorations, missing or repeated shards, and a shard that
// checked fewer runs than its range without failing or being canceled. It
// also returns the merged failures and inconclusive counts (for exit
// statuses).
func MergeExploreJSON(reports [][]byte) (merged []byte, failures, inconclusive int, err error) {
	if len(reports) == 0 {
		return nil, 0, 0, fmt.Errorf("merge: no reports")
	}
	var shards []*exploreJSON
	for i, data := range reports {
		r := &exploreJSON{}
		if err := json.Unmarshal(data, r); err != nil {
			return nil, 0, 0, fmt.Errorf("merge: report %d: %v", i+1, err)
		}
		if r.Kind != ExploreJSONKind {
			return nil, 0, 0, fmt.Errorf("merge: report %d is not an exploration's report", i+1)
		}
		if r.Shard == nil {
			return nil, 0, 0, fmt.Errorf("merge: report %d is not a shard (make shards with %s i/n)", i+1, OptExploreShard)
		}
		shards = append(shards, r)
	}
	first := shards[0].Shard
	for i, r := range shards {
		if r.Shard.Explore != first.Explore || r.Shard.Count != first.Count || r.Shard.Runs != first.Runs {
			return nil, 0, 0, fmt.Errorf("merge: report %d is a shard of another exploration:\n  %s (%d shards)\nvs\n  %s (%d shards)", i+1, r.Shard.Explore, r.Shard.Count, first.Explore, first.Count)
		}
	}
	slices.SortStableFunc(shards, func(a, b *exploreJSON) int { return a.Shard.Index - b.Shard.Index })
	for i, r := range shards {
		if r.Shard.Index != i {
			return nil, 0, 0, fmt.Errorf("merge: shard %d/%d missing or repeated (have %d reports of %d shards)", i, first.Count, len(shards), first.Count)
		}
	}
	if len(shards) != first.Count {
		return nil, 0, 0, fmt.Errorf("merge: %d reports for %d shards", len(shards), first.Count)
	}
	out := &exploreJSON{Kind: ExploreJSONKind, Program: shards[0].Program, Requested: first.Runs}
	for _, r := range shards {
		s := Shard{Index: r.Shard.Index, Count: r.Shard.Count}
		lo, hi := s.Range(r.Shard.Runs)
		if r.Requested != hi-lo {
			return nil, 0, 0, fmt.Errorf("merge: shard %s asked for %d runs, its range has %d", s, r.Requested, hi-lo)
		}
		switch {
		case r.Failure != nil:
			if r.Failure.Run != lo+r.Runs-1 {
				return nil, 0, 0, fmt.Errorf("merge: shard %s: failing run %d is not its last run checked (%d)", s, r.Failure.Run, lo+r.Runs-1)
			}
		case r.Canceled == "" && r.Runs != hi-lo:
			return nil, 0, 0, fmt.Errorf("merge: shard %s checked %d of its %d runs and neither failed nor was canceled", s, r.Runs, hi-lo)
		}
		out.Runs += r.Runs
		out.Inconclusive += r.Inconclusive
		if out.FirstInconclusive == "" {
			out.FirstInconclusive = r.FirstInconclusive
		}
		if r.Coverage != nil {
			if out.Coverage == nil {
				out.Coverage = &Coverage{}
			}
			out.Coverage.Merge(r.Coverage)
		}
		if r.Failure != nil || r.Canceled != "" {
			// The unsharded exploration stops here: later shards' runs
			// were never checked.
			out.Failures, out.Failure, out.Reproducer = r.Failures, r.Failure, r.Reproducer
			if r.Canceled != "" {
				out.Canceled = "shard " + s.String() + ": " + r.Canceled
			}
			break
		}
	}
	return marshalReport(out), out.Failures, out.Inconclusive, nil
}
