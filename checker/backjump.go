package checker

import "github.com/dsim-project/dsim/sim"

// This file holds backjumping (docs/CHECKING.md, "The search", step 3):
// when a branch fails because the original did not emit an output in
// time, or emitted one it must not, no delivery choice made at or after
// the time that decided it can change that, since a message sent at time
// t arrives at t+1 at the earliest. The DFS would still try every
// alternative of those trailing choices (with many messages sent in one
// tick, a product of their delays) and each would fail the same way
// before a new state is reached, so that the memo cannot cut them. After
// such a failure the next branch changes the deepest choice before them
// instead. It cuts only branches that fail like the current one, so the
// verdicts are unchanged; it is part of every search, with or without
// snapshots.

// irrelevantFrom notes that the current branch failed in a way no send
// choice made at or after time cutoff can change: the trailing frames
// that are such choices are skipped by the next backtrack.
func (s *searcher) irrelevantFrom(cutoff int64) {
	j := min(s.pos, len(s.stack))
	for j > 0 && s.stack[j-1].send && s.stack[j-1].time >= cutoff {
		j--
	}
	s.jumpTo = j
}

// failCutoff is the time from which send choices cannot change failure
// f: the output's deadline (one unit before the rewrite delivered it) for
// a late output, the emission or violation time otherwise; ok is false
// when no cutoff applies.
func (s *searcher) failCutoff(f failure) (cutoff int64, ok bool) {
	switch f.kind {
	case failLate:
		i, found := s.tgt.index[factKey(f.fact)]
		if !found {
			return 0, false
		}
		return s.tgt.arrival[i] - 1, true
	case failUnexpected, failViolation:
		return f.time, true
	}
	return 0, false
}

// frameFor is the stack frame of choice c with its alternatives.
func frameFor(c *sim.Choice, alts []alt) frame {
	return newFrame(alts, c.Time, c.Kind == sim.ChoiceSend)
}
