package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// This file holds the deviation passes (docs/CHECKING.md, "The search",
// step 6): searches that reach early choices soon. The depth-first search
// changes the deepest choice first, so a witness that differs from the
// guided run in one message sent at time 0 is reached only after every
// alternative of every later choice under the guided prefix has failed;
// when that subtree is larger than the state budget, the run is Unknown
// although the witness is one change away. A deviation pass explores only
// the branches that take an alternative other than the first (the guided
// one, where there is a guide, or the response guide's decision) at no
// more than k choices, for small k
// (limited discrepancy search, Harvey and Ginsberg): its tree grows with
// the number of choices to the power k instead of exponentially, so every
// single deviation, the earliest included, is tried after a few thousand
// states. A deviation pass can only find a witness (it never decides
// NotEquivalent: it is not exhaustive), and it runs only when the
// exhaustive search it follows hit its state bound.

// deviations returns how many of the first n frames of the stack take an
// alternative other than their first.
func (s *searcher) deviations(n int) int {
	k := 0
	for _, f := range s.stack[:min(n, len(s.stack))] {
		if f.cur > 0 {
			k++
		}
	}
	return k
}

// backtrackLimited is backtrack for a deviation pass: the deepest choice
// that can take its next alternative without the branch exceeding the
// pass's deviations does; the choices after it are forgotten.
func (s *searcher) backtrackLimited(hi int) bool {
	// before[i]: deviations among the frames before i.
	dev := 0
	before := make([]int, len(s.stack))
	for i, f := range s.stack {
		before[i] = dev
		if f.cur > 0 {
			dev++
		}
	}
	for i := hi - 1; i >= 0; i-- {
		f := &s.stack[i]
		if f.cur+1 >= len(f.alts) {
			continue
		}
		if f.cur == 0 && before[i]+1 > s.maxDev {
			continue
		}
		f.cur++
		s.truncate(i)
		return true
	}
	return false
}

// seenWithin memoises a state of a deviation pass with the deviations the
// branch has left: a state reached again with no more left was explored
// already; one reached with more left is explored again, since its
// subtree now allows more. It returns whether the branch is cut, or the
// bound hit.
func (s *searcher) seenWithin(h sim.Fingerprint) error {
	left := s.maxDev - s.deviations(s.pos)
	if had, seen := s.devSeen[h]; seen && had >= left {
		return &branchEnd{}
	} else if !seen && len(s.devSeen) >= s.opts.MaxStates {
		return &branchEnd{bound: fmt.Sprintf("max-states: %d distinct states of the original explored (%s)", s.opts.MaxStates, sim.BoundMaxStates.Raise()), limit: sim.BoundMaxStates}
	}
	s.devSeen[h] = left
	s.res.states = len(s.devSeen)
	return nil
}

// searchDeviating runs the deviation passes (deviationPasses) over the
// alternatives esc gives (nil: the first search's) and returns the first
// witness, with the states and branches of every pass run; a pass that
// finds none ends Unknown (its tree was exhausted or its bound hit),
// which the caller does not use as a verdict.
func searchDeviating(prog *analysis.Program, tgt *target, opts Options, esc *escalation) (searchResult, error) {
	var total searchResult
	for _, p := range deviationPasses {
		sr, err := searchPass(prog, tgt, opts, esc, p.k, p.lead)
		if err != nil {
			return sr, err
		}
		sr.states += total.states
		sr.branches += total.branches
		if sr.verdict == Equivalent {
			from := "the guided run"
			switch p.lead {
			case policyResponseLast:
				from = "the response guide's run"
			case policyResponse:
				from = "the response guide's first-piece run"
			}
			sr.found = fmt.Sprintf("%s deviating from %s at %d choice(s)", sr.found, from, p.k)
			sr.esc = EscalatedDeviations
			return sr, nil
		}
		total = sr
		if sr.stopped() {
			return total, nil
		}
	}
	return total, nil
}

// deviationPasses are the passes searchDeviating runs, in order: first
// around the response guide's last-piece run (responseguide.go: a rewrite
// that acts on messages later than it receives them is often one or two
// changes from it), then around the refinement map's, k = 1, 2, 3, and
// last around the response guide's first-piece run, k = 1. The two
// response guides disagree where one original node's work is split over
// pieces that act at different times: taking the last piece delivers a
// new ballot's p1a to a Paxos acceptor when its last partition promised,
// which can be after a p2a that an earlier partition already rejected as
// promised, so the original accepts what the rewrite rejected; the first
// piece keeps that order (seed 265 of the Paxos pair,
// TestDeviationPassAroundFirstPieceResponse). It comes last so that the
// runs the earlier passes explain keep their witnesses.
var deviationPasses = []struct {
	k    int
	lead policy
}{{1, policyResponseLast}, {2, policyResponseLast}, {1, policyDFS}, {2, policyDFS}, {3, policyDFS}, {1, policyResponse}}
