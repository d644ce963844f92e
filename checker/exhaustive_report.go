package checker

import (
	"fmt"
	"strconv"
	"strings"
)

// exhaustiveText renders the report of an exhaustive check: the
// certificate, and the counterexample or the undecided history.
func (rep *Report) exhaustiveText(files SavedFiles) string {
	var b strings.Builder
	c := rep.Certificate
	fmt.Fprintf(&b, "dsim check %s %s: %s (exhaustive)\n", rep.Original, rep.Rewritten, rep.Verdict)
	fmt.Fprintf(&b, "  bounds: delays 1..%d per message, faults: %s, workload: %d inputs (seed %d), horizon %d\n",
		c.MaxDelay, c.Faults, c.Inputs, c.Seed, c.MaxTime)
	switch rep.Verdict {
	case Equivalent:
		b.WriteString("  CERTIFIED: every run of the rewrite within these bounds is explained by a run of the original\n")
	case Unknown:
		why := c.Bound
		if u := rep.FirstUnknown(); u != nil {
			why = u.Bound
		}
		fmt.Fprintf(&b, "  UNKNOWN: %s\n", why)
	case NotEquivalent:
		b.WriteString("  COUNTEREXAMPLE: a run of the rewrite within these bounds that no run of the original explains\n")
	case Violated:
		b.WriteString("  VIOLATED: a run of the rewrite within these bounds violates its own invariant; the search of the original for a run violating the same-named one was cut by a bound (named below), so this is a failed check, not a proof of NotEquivalent\n")
	}
	if c.Split != "" {
		fmt.Fprintf(&b, "  split by key %s into %d groups, each enumerated alone; %d runs of the whole workload merged from them\n",
			c.Split, c.Groups, c.MergedRuns)
	}
	fmt.Fprintf(&b, "  rewrite: %d distinct states, %d runs executed, %d branches merged; %s schedules covered\n",
		c.States, c.Runs, c.Merged, coveredText(c.Schedules))
	fmt.Fprintf(&b, "  original: %d distinct observable histories, %d witness searches (%d states of the original explored)",
		c.Histories, c.Searches, c.OriginalStates)
	if c.Undecided > 0 {
		fmt.Fprintf(&b, ", %d undecided", c.Undecided)
	}
	b.WriteString("\n")
	if rep.Verdict == Equivalent {
		fmt.Fprintf(&b, "  certificate: sha256 %s (collision bound %.1e)\n", c.Hash, c.CollisionBound())
	}
	if c.ShrunkTo > 0 {
		fmt.Fprintf(&b, "  shrunk: workload %d -> %d inputs (each re-enumerated exhaustively); the run shown is the first unexplained one in search order\n", c.ShrunkFrom, c.ShrunkTo)
	}
	if u := rep.FirstUnknown(); u != nil && rep.Verdict == Unknown && len(u.Reasons) > 0 {
		writeReasons(&b, u.Reasons)
	}
	if cx := rep.Counterexample; cx != nil {
		rep.writeCounterexample(&b, cx, files)
	}
	return b.String()
}

func coveredText(n uint64) string {
	if n == ^uint64(0) {
		return "at least " + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}

// exhaustiveFlags are the check's own flags, for the reproduce line.
func (rep *Report) exhaustiveFlags() string {
	o := rep.Options
	flags := fmt.Sprintf("--exhaustive --seed %d --inputs %d --max-delay %d", o.Seed, o.Open, o.MaxDelay)
	if !o.Faults.IsEmpty() {
		flags += fmt.Sprintf(" --faults '%s'", o.Faults)
	}
	return flags + o.workloadShapeFlags() + o.searchBoundFlags(true, false)
}

type jsonCertificate struct {
	MaxDelay       int64   `json:"max_delay"`
	Faults         string  `json:"faults"`
	Seed           uint64  `json:"seed"`
	Inputs         int     `json:"inputs"`
	MaxTime        int64   `json:"max_time"`
	Complete       bool    `json:"complete"`
	Bound          string  `json:"bound,omitempty"`
	States         int     `json:"states"`
	Runs           int     `json:"runs"`
	Merged         int     `json:"merged"`
	Schedules      uint64  `json:"schedules"`
	Histories      int     `json:"histories"`
	Searches       int     `json:"searches"`
	OriginalStates int     `json:"original_states"`
	Undecided      int     `json:"undecided"`
	Hash           string  `json:"hash"`
	CollisionBound float64 `json:"collision_bound"`
	Split          string  `json:"split,omitempty"`
	Groups         int     `json:"groups,omitempty"`
	MergedRuns     int     `json:"merged_runs,omitempty"`
	ShrunkFrom     int     `json:"shrunk_from,omitempty"`
	ShrunkTo       int     `json:"shrunk_to,omitempty"`
	// PartRecords: a shard's parts (MergeJSON assembles the certificate
	// from every shard's); absent from an unsharded report.
	PartRecords []partRecord `json:"part_records,omitempty"`
	// SplitRefused travels with a shard's records: shards that disagree
	// on the key split cannot be merged.
	SplitRefused string `json:"split_refused,omitempty"`
}

func (rep *Report) certificateJSON() *jsonCertificate {
	c := rep.Certificate
	if c == nil {
		return nil
	}
	j := &jsonCertificate{MaxDelay: c.MaxDelay, Faults: c.Faults.String(), Seed: c.Seed, Inputs: c.Inputs, MaxTime: c.MaxTime,
		Complete: c.Complete, Bound: c.Bound, States: c.States, Runs: c.Runs, Merged: c.Merged, Schedules: c.Schedules,
		Histories: c.Histories, Searches: c.Searches, OriginalStates: c.OriginalStates, Undecided: c.Undecided,
		Hash: c.Hash, CollisionBound: c.CollisionBound(), Split: c.Split, Groups: c.Groups, MergedRuns: c.MergedRuns, ShrunkFrom: c.ShrunkFrom, ShrunkTo: c.ShrunkTo}
	if c.records != nil {
		j.PartRecords, j.SplitRefused = c.records, c.SplitRefused
	}
	return j
}
