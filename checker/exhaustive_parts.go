package checker

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/dsim-project/dsim/sim"
)

// This file runs the parts of an exhaustive check (one per choice of the
// first random faulty node, sim.Parts) and assembles the certificate from
// one record per part. The records are what a shard of an exhaustive
// check (Options.Shard: a contiguous range of parts) reports in --json, so
// that MergeJSON assembles the same certificate from the shards' records
// as one unsharded check does from its own.

// partRecord is what one part of an exhaustive check covered.
type partRecord struct {
	Part           int    `json:"part"`
	States         int    `json:"states"`
	Runs           int    `json:"runs"`
	Merged         int    `json:"merged"`
	Covered        uint64 `json:"covered"`
	Complete       bool   `json:"complete"`
	Bound          string `json:"bound,omitempty"`
	EnumHash       string `json:"enumeration_hash"`
	Histories      int    `json:"histories"`
	Searches       int    `json:"searches"`
	OriginalStates int    `json:"original_states"`
	Undecided      int    `json:"undecided"`
	MergedRuns     int    `json:"merged_runs,omitempty"`
	HistHash       string `json:"histories_hash"`
	Counterexample bool   `json:"counterexample,omitempty"`
	UndecidedRun   bool   `json:"undecided_run,omitempty"`
}

// partOutcome is one part's record with what it found.
type partOutcome struct {
	rec     partRecord
	exp     *partExplainer
	limit   sim.Bound
	refused string // the key split does not apply (this part showed why)
	err     error
}

// fill completes the record from the part's explainer.
func (o *partOutcome) fill() {
	p := o.exp
	o.rec.Histories, o.rec.Searches, o.rec.OriginalStates, o.rec.Undecided = p.histories, p.searches, p.originalStates, p.undecided
	o.rec.HistHash = hex.EncodeToString(p.hist.Sum(nil))
	o.rec.Counterexample, o.rec.UndecidedRun = p.cx != nil, p.unk != nil
}

// stops says whether the unsharded check ends at this part.
func (o *partOutcome) stops() bool {
	return o.err != nil || o.refused != "" || (o.exp != nil && o.exp.cx != nil)
}

// runParts runs fn for parts lo..hi-1 of n on jobs goroutines, in order of
// part; a part that stops (stops) abandons the later ones. The outcomes
// kept are those up to the first that stops, so they do not depend on
// jobs. A single part is numbered -1 for fn (the whole enumeration).
func runParts(lo, hi, n, jobs int, fn func(part int, abandon func() bool) *partOutcome) []*partOutcome {
	outs := make([]*partOutcome, hi-lo)
	var stopAt, next atomic.Int64
	stopAt.Store(int64(hi - lo))
	var wg sync.WaitGroup
	for w := 0; w < min(max(jobs, 1), hi-lo); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= hi-lo {
					return
				}
				if int64(i) > stopAt.Load() {
					continue
				}
				part := lo + i
				if n == 1 {
					part = -1
				}
				o := fn(part, func() bool { return stopAt.Load() < int64(i) })
				outs[i] = o
				if o.stops() {
					for {
						cur := stopAt.Load()
						if int64(i) >= cur || stopAt.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	last := int(min(stopAt.Load(), int64(hi-lo-1)))
	return outs[:last+1]
}

// firstRefusal returns the first error, else the first refusal of the
// key split among the kept outcomes.
func firstRefusal(outs []*partOutcome) (string, error) {
	for _, o := range outs {
		if o.err != nil {
			return "", o.err
		}
		if o.refused != "" {
			return o.refused, nil
		}
	}
	return "", nil
}

// finishParts assembles the certificate from the kept outcomes and picks
// the first unexplained run, else the first undecided one.
func finishParts(base Certificate, n int, outs []*partOutcome, opts Options) (*Certificate, *RunReport, *RunReport, error) {
	recs := make([]partRecord, len(outs))
	for i, o := range outs {
		recs[i] = o.rec
	}
	cert := assembleCertificate(base, n, recs, opts.Shard.Count <= 1)
	if opts.Shard.Count > 1 {
		cert.records = recs
	}
	var cx, unk *RunReport
	var limit sim.Bound
	for _, o := range outs {
		cert.addObligations(o.exp.explained)
		if cx == nil && o.exp.cx != nil {
			cx = o.exp.cx
		}
		if unk == nil && o.exp.unk != nil {
			unk = o.exp.unk
		}
		if limit == sim.NoBound && o.rec.Bound != "" {
			limit = o.limit
		}
	}
	if cert.Bound != "" && unk == nil && cx == nil {
		unk = &RunReport{Verdict: Unknown, Bound: "the enumeration of the rewrite stopped: " + cert.Bound, Limit: limit, Faults: opts.Faults}
	}
	return cert, cx, unk, nil
}

// assembleCertificate sums the records (of parts 0.. in order; the check
// is complete when whole says they are every part's and each is) into
// base, and hashes them: the enumeration's and the explained histories'
// hashes of each part in order, the histories and the schedules covered.
func assembleCertificate(base Certificate, n int, recs []partRecord, whole bool) *Certificate {
	c := base
	c.Parts = n
	c.Complete = whole && len(recs) == n
	h := sha256.New()
	for _, r := range recs {
		c.States += r.States
		c.Runs += r.Runs
		c.Merged += r.Merged
		c.Schedules = satAdd64(c.Schedules, r.Covered)
		c.Histories += r.Histories
		c.Searches += r.Searches
		c.OriginalStates += r.OriginalStates
		c.Undecided += r.Undecided
		c.MergedRuns += r.MergedRuns
		c.Complete = c.Complete && r.Complete && !r.Counterexample
		if c.Bound == "" && r.Bound != "" {
			c.Bound = r.Bound
		}
		h.Write([]byte(r.EnumHash))
		h.Write([]byte(r.HistHash))
	}
	h.Write([]byte(strconv.Itoa(c.Histories)))
	h.Write([]byte(strconv.FormatUint(c.Schedules, 10)))
	c.Hash = hex.EncodeToString(h.Sum(nil))
	return &c
}
