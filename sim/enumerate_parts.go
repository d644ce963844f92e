package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file splits an enumeration into independent parts, one per
// alternative of the run's first choice when that choice picks a faulty
// node (`omission random`): states of different parts never share a memo
// key (the faulty nodes are part of it) when one node is picked, so the
// parts lose no merging then, and they can be enumerated on several
// goroutines. Each part is deterministic and the parts are combined in
// order, so the result does not depend on the number of goroutines. With
// more than one random faulty node, the same set picked in two orders lies
// in two parts and is enumerated twice.

// PartsOptions say how EnumerateParts runs its parts.
type PartsOptions struct {
	Jobs int // parts enumerated at once (default 1)
	// Leaf returns the Leaf of part i (called once per part, before it
	// starts); it replaces EnumerateOptions.Leaf, so that parts running at
	// once keep separate state.
	Leaf func(part int) func(*Result) (bool, error)
}

var errProbe = errors.New("probe")

// Parts returns the number of parts EnumerateParts splits cfg into: the
// alternatives of the first choice when it picks a faulty node, else 1.
func Parts(prog *analysis.Program, cfg Config) (int, error) {
	if cfg.Closed != nil {
		return 1, nil
	}
	n := 1
	cfg.Script, cfg.Trace.Off, cfg.Coverage = nil, true, false
	cfg.Step = func(Moment) error { return errProbe }
	cfg.Decide = func(c *Choice) error {
		if c.Kind == ChoiceFaulty {
			n = max(c.N, 1)
		}
		return errProbe
	}
	if _, err := Run(prog, cfg); err != nil && !errors.Is(err, errProbe) {
		return 0, err
	}
	return n, nil
}

// EnumerateParts is Enumerate split into parts (see the top of this file):
// it returns the reports of parts 0..k in order, k being the first part
// whose Leaf stopped it (every part when none did); later parts are
// abandoned.
func EnumerateParts(ctx context.Context, prog *analysis.Program, cfg Config, opts EnumerateOptions, po PartsOptions) ([]*EnumerateReport, error) {
	cfg, opts, err := enumerateSetup(prog, cfg, opts)
	if err != nil {
		return nil, err
	}
	n, err := Parts(prog, cfg)
	if err != nil {
		return nil, err
	}
	reps := make([]*EnumerateReport, n)
	errs := make([]error, n)
	var stopAt atomic.Int64
	stopAt.Store(int64(n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < min(max(po.Jobs, 1), n); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if int64(i) > stopAt.Load() {
					continue
				}
				o := opts
				if po.Leaf != nil {
					o.Leaf = po.Leaf(i)
				}
				pc := cfg
				pc.TickCache = nil // one per part: a cache is not safe for concurrent use
				part := i
				if n == 1 {
					part = -1
				}
				r, err := enumeratePart(ctx, prog, pc, o, part, func() bool { return stopAt.Load() < int64(i) })
				reps[i], errs[i] = r, err
				if err != nil || r.Stopped {
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
	last := int(min(stopAt.Load(), int64(n-1)))
	for i := 0; i <= last; i++ {
		if errs[i] != nil {
			return nil, errs[i]
		}
	}
	return reps[:last+1], nil
}

// CombineParts sums the parts' reports into one: counts added, Complete
// when every part is, the first part's bound, and the hash of the parts'
// hashes in order (the part's own when there is one).
func CombineParts(parts []*EnumerateReport) *EnumerateReport {
	if len(parts) == 1 {
		r := *parts[0]
		return &r
	}
	r := &EnumerateReport{Complete: true}
	h := sha256.New()
	for _, p := range parts {
		r.Complete = r.Complete && p.Complete
		r.Stopped = r.Stopped || p.Stopped
		if r.Bound == "" && p.Bound != "" {
			r.Bound, r.Limit = p.Bound, p.Limit
		}
		r.States += p.States
		r.Runs += p.Runs
		r.Merged += p.Merged
		r.Choices += p.Choices
		r.Covered = satAdd(r.Covered, p.Covered)
		h.Write([]byte(p.Hash))
	}
	r.Hash = hex.EncodeToString(h.Sum(nil))
	return r
}
