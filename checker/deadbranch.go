package checker

import (
	"math"

	"github.com/dsim-project/dsim/sim"
)

// This file holds dead-branch pruning (docs/CHECKING.md, "The search",
// step 3): the depth-first search skips the alternatives of a message
// that cannot change how a subtree it has just exhausted ended.
//
// Every branch that fails has a cutoff c (failCutoff): the failure is
// decided by the run up to time c — an output due by c that was not
// emitted by then, or an output or violation at c. A branch whose run
// agrees with it up to time c fails too. A message sent at t with delay d
// arrives at t+d; an alternative is invisible by H when it drops the
// message or delivers it after H. Changing one invisible alternative for
// another leaves the run up to H unchanged: the same deliveries, hence
// the same states and the same later choice points up to H, each with
// the same alternatives (alternatives depend only on the choice and the
// target, never on the branch). So when the subtree under a message's
// current alternative a is exhausted and every failure in it had a cutoff
// at most H, with a invisible by H, each branch under another alternative
// b invisible by H agrees up to H with a branch under a, which failed by
// its cutoff (at most H): b's whole subtree fails, and is skipped. The
// search stays exhaustive over what it did not skip, so a NotEquivalent
// still means no run of the original within the bounds explains the
// rewrite, and witnesses are still replayed before Equivalent.
//
// H of a subtree is the largest cutoff of its failures, computed as the
// DFS leaves it. A branch that ends without a cutoff (a bound, a
// violation the rewrite did not have) makes it hzAny: nothing is skipped
// above it. A memo hit ends a branch in a state whose subtree an earlier
// branch exhausted: the memo keeps each state's H (frame.states), so the
// hit counts that H. This subsumes backjumping's case (a message sent at
// or after the cutoff has no alternative visible by it) and adds the one
// backjumping misses: a message sent before the deadline whose remaining
// delays all arrive after it. Alternatives are tried in increasing delay,
// so that needs several delays past the cutoff: the escalated and sparse
// passes' case far more than the first search's. It does not decide the
// paxos App. C check (docs/CORPUS.md), whose branches are doomed at time
// 15 but fail only at the deadlines 17 and 18, with every message sent
// in between able to arrive by them.

const (
	// hzNone: no branch of the subtree has ended yet.
	hzNone int64 = math.MinInt64
	// hzAny: some branch of the subtree ended in a way no cutoff
	// describes; nothing is skipped on its account.
	hzAny int64 = math.MaxInt64
)

// newFrame is a stack frame with no branch ended under it yet.
func newFrame(alts []alt, t int64, send bool) frame {
	return frame{alts: alts, time: t, send: send, hz: hzNone, hzAll: hzNone, inv: hzAny}
}

// pruning reports whether dead-branch pruning applies to the current
// branch: the DFS of an exhaustive pass (a deviation pass explores a
// limited tree, whose subtrees are not exhausted).
func (s *searcher) pruning() bool {
	return !s.opts.NoDeadBranches && s.maxDev == 0 && s.mode == policyDFS
}

// endBranch notes that the current branch ended with cutoff h (hzAny:
// none): its deepest choice's subtree holds it.
func (s *searcher) endBranch(h int64) {
	if !s.pruning() || len(s.stack) == 0 {
		return
	}
	f := &s.stack[len(s.stack)-1]
	f.hz = max(f.hz, h)
}

// remember records a memoised state reached under the current branch's
// deepest choice, whose subtree's horizon it will take once exhausted.
func (s *searcher) remember(h sim.Fingerprint) {
	if !s.pruning() || s.pos == 0 {
		s.visited[h] = hzAny
		return
	}
	s.visited[h] = hzAny // until its subtree is exhausted
	f := &s.stack[s.pos-1]
	f.states = append(f.states, h)
}

// closeAlt ends the subtree under frame i's current alternative: its
// memoised states take its horizon, and the frame remembers the horizon
// if the alternative was invisible by it.
func (s *searcher) closeAlt(i int) {
	f := &s.stack[i]
	h := f.hz
	if h == hzNone {
		h = hzAny
	}
	for _, fp := range f.states {
		s.visited[fp] = h
	}
	f.states = nil
	f.hzAll = max(f.hzAll, h)
	if f.send && invisible(f, f.alts[f.cur], h) {
		f.inv = min(f.inv, h)
	}
	f.hz = hzNone
}

// nextAlt is the index of frame f's next alternative that is not dead
// (-1: none left), counting the dead ones it passes.
func (s *searcher) nextAlt(f *frame) int {
	for k := f.cur + 1; k < len(f.alts); k++ {
		if !s.opts.NoDeadBranches && f.send && invisible(f, f.alts[k], f.inv) {
			f.hzAll = max(f.hzAll, f.inv)
			s.res.dead++
			continue
		}
		return k
	}
	return -1
}

// invisible reports whether alternative a of send frame f leaves the run
// up to time h unchanged (drops the message or delivers it after h).
func invisible(f *frame, a alt, h int64) bool {
	if h == hzAny || h == hzNone {
		return false
	}
	return a.drop || f.time+a.delay > h
}
