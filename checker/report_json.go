package checker

import "encoding/json"

// reportJSON is a report's JSON form, the one struct Report.JSON fills and
// MergeJSON rebuilds from shards (whose runs it passes through as raw
// JSON): Run is jsonRun or json.RawMessage. A merged report leaves Shard
// and the coverage tables empty.
type reportJSON[Run any] struct {
	Original     string  `json:"original"`
	Rewritten    string  `json:"rewritten"`
	Verdict      Verdict `json:"verdict"`
	Explained    int     `json:"explained"`
	NotExplained int     `json:"not_explained"`
	Unknown      int     `json:"unknown"`
	// Violated counts the runs whose verdict is Violated (added with that
	// verdict; the other counts keep their meaning).
	Violated       int        `json:"violated"`
	States         int        `json:"states"`
	CollisionBound float64    `json:"collision_bound"`
	Runs           []Run      `json:"runs"`
	Counterexample *Run       `json:"counterexample,omitempty"`
	Shard          *jsonShard `json:"shard,omitempty"`
	RulesFired     int        `json:"rules_fired"`
	RulesCounted   int        `json:"rules_counted"`
	NeverFired     []string   `json:"never_fired,omitempty"`
	CoverageShort  string     `json:"coverage_short,omitempty"`
	// Certificate: what an exhaustive check covered (Options.Exhaustive).
	Certificate *jsonCertificate `json:"certificate,omitempty"`
	// Schedule: the recorded run a schedule check ran (Report.Schedule).
	Schedule *jsonSchedule `json:"schedule,omitempty"`
	// The full tables, when Options.OriginalCoverage asked for them.
	Coverage         json.RawMessage `json:"coverage,omitempty"`
	OriginalCoverage json.RawMessage `json:"original_coverage,omitempty"`
}
