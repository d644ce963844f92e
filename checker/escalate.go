package checker

import (
	"fmt"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file holds the delay escalation that runs before a run is declared
// NotEquivalent (docs/CHECKING.md, "The search", step 6). The first search
// bounds every message's delay by Options.MaxDelay; a rewrite whose pieces
// take several hops for one hop of the original can legitimately deliver
// outputs that only an original with a longer delay explains. A search
// that finds no witness within the small bound is therefore repeated with
// delays that reach past the last observed time, so that a NotEquivalent
// verdict does not depend on the small bound.

// escalation widens the delays a search explores for a message sent at
// time t: every delay 1..max(base, min(MaxDelay, lateAt-t)), plus
// "delivery at lateAt" (delay lateAt-t) when that is further. Delivery at
// lateAt stands for every later delivery: nothing observed before it can
// tell them apart.
type escalation struct {
	base   int64 // the first search's MaxDelay: always explored
	lateAt int64 // the first time after everything observed (horizon + 1)
}

// sendDelays returns the largest delay of the contiguous range to explore
// for a message sent at t, and the extra "late" delay (0: none).
func (s *searcher) sendDelays(t int64) (top, late int64) {
	e := s.escalated
	if e == nil {
		return s.opts.MaxDelay, 0
	}
	top = max(e.base, min(s.opts.MaxDelay, e.lateAt-t))
	if e.lateAt-t > top {
		late = e.lateAt - t
	}
	return top, late
}

// observedUntil is the last time at which the target observes anything
// delivered before it: the horizon of a run stopped by a bound, else the
// last first delivery of a required output.
func (t *target) observedUntil() int64 {
	if t.horizon < noHorizon {
		return t.horizon
	}
	last := int64(0)
	for _, a := range t.arrival {
		last = max(last, a)
	}
	return last
}

// searchEscalating runs the search and, when it finds no witness, runs it
// again with escalated delays (Options.MaxEscalatedDelay). The result's
// verdict is the escalated search's: NotEquivalent only when that search
// was exhaustive too, Unknown naming the bound it hit. maxDelay reports
// the largest delay the deciding search explored.
func searchEscalating(prog *analysis.Program, tgt *target, opts Options) (sr searchResult, maxDelay int64, err error) {
	start := time.Now()
	sr, err = search(prog, tgt, opts, nil)
	if err != nil || sr.verdict != NotEquivalent || opts.MaxEscalatedDelay < 0 {
		return sr, opts.MaxDelay, err
	}
	lateAt := tgt.observedUntil() + 1
	top := lateAt // a message sent at time 0 reaches lateAt
	if opts.MaxEscalatedDelay > 0 {
		top = min(top, opts.MaxEscalatedDelay)
	}
	if lateAt <= opts.MaxDelay {
		// Every delivery time that matters was already explored.
		return sr, opts.MaxDelay, nil
	}
	eopts := opts
	eopts.MaxDelay = max(top, opts.MaxDelay)
	if opts.Timeout > 0 {
		// The timeout is per run: the escalated search gets what is left.
		eopts.Timeout = opts.Timeout - time.Since(start)
		if eopts.Timeout <= 0 {
			sr.verdict = Unknown
			sr.bound = fmt.Sprintf("timeout: %s per run (raise with --timeout) before delays up to %d were explored (the search with delays 1..%d found no witness)", opts.Timeout, eopts.MaxDelay, opts.MaxDelay)
			return sr, opts.MaxDelay, nil
		}
	}
	esr, err := search(prog, tgt, eopts, &escalation{base: opts.MaxDelay, lateAt: lateAt})
	if err != nil {
		return esr, eopts.MaxDelay, err
	}
	esr.states += sr.states
	esr.branches += sr.branches
	switch esr.verdict {
	case Equivalent:
		esr.found = fmt.Sprintf("escalated %s (delays up to %d)", esr.found, eopts.MaxDelay)
	case Unknown:
		esr.bound = fmt.Sprintf("%s; hit while escalating delays to 1..%d and delivery at time %d (the search with delays 1..%d found no witness)", esr.bound, eopts.MaxDelay, lateAt, opts.MaxDelay)
	}
	return esr, eopts.MaxDelay, nil
}
