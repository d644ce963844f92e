package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/sim"
)

// This file holds sharding (Options.Shard): a check of N runs split into
// Count contiguous ranges of run indices, each checked by its own process
// (a Kubernetes Indexed Job, a Slurm job array; docs/CHECKING.md), and
// merged by MergeJSON into the report one unsharded check would give.
// Runs keep their global index and seed, and each run's verdict is a
// function of its seed and the options alone, so a shard's runs are
// exactly the unsharded check's runs of that range.

// Shard is the Index-th (from 0) of Count parts of a check (sim.Shard,
// shared with exploration).
type Shard = sim.Shard

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) { return sim.ParseShard(s) }

// CollisionBound bounds the probability that a fingerprint collision cut
// a subtree of some search of the report (sim.CollisionBound summed over
// the runs' searches; see docs/CHECKING.md, "The search", step 4).
func (rep *Report) CollisionBound() float64 {
	p := 0.0
	for _, r := range rep.Runs {
		if r != nil {
			p += sim.CollisionBound(r.States)
		}
	}
	return p
}

// jsonShard identifies a shard in a JSON report: which part, of how many
// runs, of which check (programs and every option that affects verdicts).
type jsonShard struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	Runs  int    `json:"runs"`
	Check string `json:"check"`
	// Parts: an exhaustive check's shards split its parts (one per choice
	// of the first random faulty node), of which there are Parts.
	Parts int `json:"parts,omitempty"`
}

func (rep *Report) shardJSON() *jsonShard {
	o := rep.Options
	if o.Shard.Count <= 1 {
		return nil
	}
	j := &jsonShard{Index: o.Shard.Index, Count: o.Shard.Count, Runs: o.Runs, Check: rep.checkIdentity()}
	if o.Exhaustive && rep.Certificate != nil {
		j.Parts = rep.Certificate.Parts
	}
	return j
}

// checkIdentity names the check a shard belongs to: reports merge only
// when it is equal.
func (rep *Report) checkIdentity() string {
	o := rep.Options
	delay := ""
	if o.Delay != nil {
		delay = o.Delay.String()
	}
	return fmt.Sprintf("%s %s runs=%d requests=%d closed=%t clients=%d seed=%d faults=%q delay=%s max-time=%d max-states=%d max-depth=%d max-delay=%d max-escalated-delay=%d timeout=%s no-shrink=%t",
		rep.Original, rep.Rewritten, o.Runs, o.Open+o.Closed, o.Closed > 0, o.Clients, o.Seed, o.Faults.String(), delay,
		o.Limits.MaxTime, o.MaxStates, o.MaxDepth, o.MaxDelay, o.MaxEscalatedDelay, o.Timeout, o.NoShrink) + exhaustiveIdentity(o)
}

// exhaustiveIdentity adds an exhaustive check's own options to its
// identity ("" for a seeded check, whose identity is unchanged).
func exhaustiveIdentity(o Options) string {
	if !o.Exhaustive {
		return ""
	}
	return fmt.Sprintf(" exhaustive exhaustive-states=%d", o.ExhaustiveStates)
}
