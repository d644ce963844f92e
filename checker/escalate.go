package checker

import (
	"fmt"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the delay escalation that runs before a run is declared
// NotEquivalent (docs/CHECKING.md, "The search", step 7). The first search
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
	// sparse: the short pass between the two searches, which tries per
	// message only the guided delays, delay 1, delivery at lateAt and a
	// loss. Its tree is far smaller than the escalated one's, so its
	// depth-first order reaches the early choices (a message held back
	// from the start of the run) after a few thousand states instead of
	// never; it can only find witnesses, never decide NotEquivalent.
	sparse bool
}

// sendDelays returns the largest delay of the contiguous range to explore
// for a message sent at t, and the extra "late" delay (0: none).
func (s *searcher) sendDelays(t int64) (top, late int64) {
	e := s.escalated
	if e == nil {
		return s.opts.MaxDelay, 0
	}
	top = max(e.base, min(s.opts.MaxDelay, e.lateAt-t))
	if e.sparse {
		top = 1
	}
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

// searchEscalating runs the search and, when it finds no witness, deepens
// it (docs/CHECKING.md, "The search", steps 6 and 7). When the first search hit
// its state bound, the deviation passes (deviation.go: every branch at
// most k choices off the response guide's run, k = 1, 2, then off the
// guided run, k = 1..3) try first its alternatives
// (delays 1..MaxDelay), then the escalated ones (every delay
// 1..min(lateAt, MaxEscalatedDelay) and delivery at lateAt), then the
// sparse ones (per message: guided delays, 1, delivery at lateAt, loss),
// then the sparse pass itself;
// when the first search was exhaustive, the escalated search runs, and the
// deviation passes over its alternatives and over the sparse ones follow
// it if it hits its bound.
// Each pass has its own MaxStates budget. Deviation and sparse passes only
// look for a witness; the verdict is the escalated search's (NotEquivalent
// only when it too was exhaustive, Unknown naming the bound it hit), or
// the first search's Unknown when that one hit a bound. delays reports
// the delays the deciding search explored.
func searchEscalating(prog *analysis.Program, tgt *target, opts Options) (sr searchResult, delays Delays, err error) {
	start := time.Now()
	sr, err = search(prog, tgt, opts, nil)
	first := Delays{Max: opts.MaxDelay, Guided: sr.guided, Bound: sim.BoundMaxDelay}
	if err != nil || sr.verdict == Equivalent || opts.MaxEscalatedDelay < 0 || sr.stopped() {
		return sr, first, err
	}
	lateAt := tgt.observedUntil() + 1
	top := lateAt // a message sent at time 0 reaches lateAt
	if opts.MaxEscalatedDelay > 0 {
		top = min(top, opts.MaxEscalatedDelay)
	}
	eopts := opts
	eopts.MaxDelay = max(top, opts.MaxDelay)
	// left gives a pass what remains of the per-run timeout.
	left := func(what string) bool {
		if opts.Timeout <= 0 {
			return true
		}
		eopts.Timeout = opts.Timeout - time.Since(start)
		if eopts.Timeout > 0 {
			return true
		}
		if sr.verdict == NotEquivalent {
			sr.verdict = Unknown
			sr.bound = fmt.Sprintf("timeout: %s per run (%s) before %s (the search with delays 1..%d found no witness)", opts.Timeout, sim.BoundTimeout.Raise(), what, opts.MaxDelay)
			sr.limit = sim.BoundTimeout
		}
		return false
	}
	// deviate runs the deviation passes after a search (into, whose
	// states and branches it adds to) that hit its state bound; found
	// reports a witness (then in into), stop that no pass can follow.
	deviate := func(into *searchResult, popts Options, esc *escalation) (found, stop bool, err error) {
		if into.verdict != Unknown || into.limit != sim.BoundMaxStates {
			return false, false, nil
		}
		if !left("the deviation passes") {
			return false, true, nil
		}
		popts.Timeout = eopts.Timeout
		dsr, err := searchDeviating(prog, tgt, popts, esc)
		if err != nil {
			return false, true, err
		}
		into.states += dsr.states
		into.branches += dsr.branches
		if dsr.verdict == Equivalent {
			dsr.states, dsr.branches = into.states, into.branches
			*into = dsr
			return true, true, nil
		}
		return false, dsr.stopped(), nil
	}
	if found, stop, err := deviate(&sr, opts, nil); found || stop || err != nil {
		return sr, first, err
	}
	if lateAt <= opts.MaxDelay {
		// Every delivery time that matters was already explored.
		first.Bound = sim.NoBound
		return sr, first, nil
	}
	escalated := Delays{Max: eopts.MaxDelay, Late: lateAt}
	if opts.MaxEscalatedDelay > 0 && opts.MaxEscalatedDelay < lateAt && eopts.MaxDelay < lateAt {
		escalated.Bound = sim.BoundMaxEscalatedDelay
	}
	esc := &escalation{base: opts.MaxDelay, lateAt: lateAt}
	sparse := &escalation{base: opts.MaxDelay, lateAt: lateAt, sparse: true}
	// deviateEscalated runs the deviation passes over the escalated
	// alternatives, then over the sparse ones: a witness that holds one
	// message back past the rewrite's delivery of it (an original that
	// recovers one slot per tick, where the rewrite recovers them all in
	// one) is one deviation away in both, but each escalated choice has
	// lateAt alternatives, so its passes can spend their budget on the
	// choices after it; the sparse pass has a few per choice.
	deviateEscalated := func(into *searchResult) (found, stop bool, err error) {
		if found, stop, err := deviate(into, eopts, esc); found || stop || err != nil {
			if found {
				into.found = fmt.Sprintf("escalated %s (delays up to %d)", into.found, eopts.MaxDelay)
			}
			return found, stop, err
		}
		found, stop, err = deviate(into, eopts, sparse)
		if found {
			into.found = fmt.Sprintf("sparse escalated %s (delay 1 or delivery at time %d)", into.found, lateAt)
		}
		return found, stop, err
	}
	if found, stop, err := deviateEscalated(&sr); found || stop || err != nil {
		if found {
			return sr, escalated, nil
		}
		return sr, first, err
	}
	if !left(fmt.Sprintf("delay 1 and delivery at time %d were explored", lateAt)) {
		return sr, first, nil
	}
	ssr, err := search(prog, tgt, eopts, sparse)
	if err != nil {
		return ssr, escalated, err
	}
	sr.states += ssr.states
	sr.branches += ssr.branches
	if ssr.verdict == Equivalent {
		ssr.states, ssr.branches = sr.states, sr.branches
		ssr.found = fmt.Sprintf("sparse escalated %s (delay 1 or delivery at time %d)", ssr.found, lateAt)
		ssr.esc = EscalatedSparse
		return ssr, Delays{Max: 1, Late: lateAt, Guided: ssr.guided}, nil
	}
	if sr.verdict == Unknown {
		// The first search hit a bound: escalating cannot decide.
		sr.bound += fmt.Sprintf("; a search with delay 1 and delivery at time %d found no witness either", lateAt)
		return sr, first, nil
	}
	if !left(fmt.Sprintf("delays up to %d were explored", eopts.MaxDelay)) {
		return sr, first, nil
	}
	esr, err := search(prog, tgt, eopts, esc)
	escalated.Guided = esr.guided
	if err != nil {
		return esr, escalated, err
	}
	esr.states += sr.states
	esr.branches += sr.branches
	switch esr.verdict {
	case Equivalent:
		esr.found = fmt.Sprintf("escalated %s (delays up to %d)", esr.found, eopts.MaxDelay)
		esr.esc = EscalatedDelays
	case Unknown:
		if found, _, err := deviateEscalated(&esr); found || err != nil {
			return esr, escalated, err
		}
		esr.bound = fmt.Sprintf("%s; hit while escalating delays to 1..%d and delivery at time %d (the search with delays 1..%d found no witness)", esr.bound, eopts.MaxDelay, lateAt, opts.MaxDelay)
	}
	return esr, escalated, nil
}

// stopped reports an Unknown search ended by the clock or its context:
// no further pass can run.
func (r *searchResult) stopped() bool {
	return r.verdict == Unknown && (r.limit == sim.BoundTimeout || r.limit == sim.BoundCanceled)
}
