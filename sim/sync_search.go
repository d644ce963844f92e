package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the exhaustive search of the synchronous model. For
// each crash scenario (which nodes crash, in which round; at most
// Bounds.Crashes of them), a depth-first search runs the rounds 1..EOT and,
// after each round t < EFF, branches over every subset of the channels
// that carried messages in that round (losing a channel that carried
// nothing changes nothing, unless the program reads the clock relation,
// in which case every channel is a branch). A state reached twice in the
// same scenario and round has the same future, so the second branch is
// cut (counted as merged). The fingerprint is a full SHA-256 of the
// state's canonical encoding, so a cut never hides a different state in
// practice (collision probability below 2^-128 for any feasible search).

var errSyncBound = errors.New("search bound")

type syncSearch struct {
	sys    syncSystem
	opts   SyncOptions
	rep    *SyncReport
	seen   map[[32]byte]uint64 // expanded state -> runs of the model below it
	hash   hash.Hash
	scIdx  int
	found  *SyncFailure
	failSc *syncScenario
	// relevant lists the relations the spec depends on (sync_prune.go);
	// nil when pruning is off.
	relevant map[string]bool
	pruned   int // set by lossable: channels of the round not branched on
}

// ExploreSync checks target under every failure scenario of the
// synchronous model within opts.Bounds: exit-code semantics are
// SyncCounterexample (a run violates a .final relation at EOT or an
// .invariant relation in some round; shrunk unless NoShrink), SyncCertified
// (exhaustive, no violation) or SyncUnknown (MaxStates reached).
func ExploreSync(target SyncTarget, opts SyncOptions) (*SyncReport, error) {
	sys, err := newSyncSystem(target)
	if err != nil {
		return nil, err
	}
	b := opts.Bounds
	nodes := sys.locations()
	switch {
	case b.EOT < 1 || b.EOT > MaxSyncEOT:
		return nil, fmt.Errorf("%s %d: give a last round between 1 and %d", OptSyncEOT, b.EOT, MaxSyncEOT)
	case b.EFF < 0:
		return nil, fmt.Errorf("%s %d: give a round >= 0; messages sent before it may be lost", OptSyncEFF, b.EFF)
	case b.Crashes < 0 || b.Crashes > len(nodes):
		return nil, fmt.Errorf("%s %d: give between 0 and the number of nodes, %d", OptSyncCrashes, b.Crashes, len(nodes))
	}
	if opts.MaxStates <= 0 {
		opts.MaxStates = DefaultSyncMaxStates
	}
	s := &syncSearch{sys: sys, opts: opts, hash: sha256.New(),
		rep: &SyncReport{Bounds: b, Nodes: slices.Clone(nodes)}}
	if !opts.noPrune && !sys.readsClock() {
		s.relevant = targetRelevant(target)
	}
	for sc := range crashScenarios(nodes, b) {
		s.rep.Scenarios++
		s.seen = map[[32]byte]uint64{}
		n, err := s.dfs(1, sys.start(), sc, nil)
		s.rep.Covered = satAdd(s.rep.Covered, n)
		s.scIdx++
		if errors.Is(err, errSyncBound) {
			s.rep.Verdict = SyncUnknown
			return s.rep, nil
		}
		if err != nil {
			return nil, err
		}
		if s.found != nil {
			break
		}
	}
	if s.found == nil {
		s.rep.Verdict = SyncCertified
		s.rep.Hash = hex.EncodeToString(s.hash.Sum(nil))
		return s.rep, nil
	}
	s.rep.Verdict = SyncCounterexample
	f, err := s.finish(s.found)
	if err != nil {
		return nil, err
	}
	s.rep.Failure = f
	return s.rep, nil
}

func newSyncSystem(t SyncTarget) (syncSystem, error) {
	switch {
	case t.Located != nil && t.Program != nil:
		return nil, fmt.Errorf("a sync target is a dsim program or a located program, not both")
	case t.Located != nil:
		return newLocatedSystem(t.Located)
	case t.Program != nil:
		return newNodeSystem(t.Program, t.Counts, t.Inputs)
	}
	return nil, fmt.Errorf("no program to run")
}

// crashScenarios yields the crash-free scenario, then every choice of k
// crashing nodes (k = 1..Crashes, in node order) and of their rounds 1..EOT.
func crashScenarios(nodes []string, b SyncBounds) func(func(*syncScenario) bool) {
	return func(yield func(*syncScenario) bool) {
		var pick func(start, left int, cur []int) bool
		emit := func(cur []int) bool {
			times := make([]int64, len(cur))
			for i := range times {
				times[i] = 1
			}
			for {
				sc := &syncScenario{crashAt: make([]int64, len(nodes))}
				for i, n := range cur {
					sc.crashAt[n] = times[i]
					sc.crashes = append(sc.crashes, SyncCrash{Node: nodes[n], Time: times[i]})
				}
				if !yield(sc) {
					return false
				}
				i := len(times) - 1
				for i >= 0 && times[i] == b.EOT {
					times[i] = 1
					i--
				}
				if i < 0 {
					return true
				}
				times[i]++
			}
		}
		pick = func(start, left int, cur []int) bool {
			if left == 0 {
				return emit(cur)
			}
			for n := start; n < len(nodes); n++ {
				if !pick(n+1, left-1, append(cur, n)) {
					return false
				}
			}
			return true
		}
		for k := 0; k <= b.Crashes; k++ {
			if !pick(0, k, nil) {
				return
			}
		}
	}
}

// lossable lists the channels that may lose messages sent in round t, in
// (from, to) order.
func (s *syncSearch) lossable(t int64, msgs []syncMsg, sc *syncScenario) []syncChan {
	s.pruned = 0
	if t >= s.opts.Bounds.EFF {
		return nil
	}
	var out []syncChan
	add := func(c syncChan) {
		if c.from != c.to && !sc.silent(c.from, t) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if s.sys.readsClock() {
		n := len(s.sys.locations())
		for f := range n {
			for to := range n {
				add(syncChan{f, to})
			}
		}
	} else {
		rel, pruned := s.splitChannels(t, msgs, sc)
		s.pruned = pruned
		for _, c := range rel {
			add(c)
		}
	}
	slices.SortFunc(out, func(a, b syncChan) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return a.to - b.to
	})
	return out
}

// deliverable reports whether a message of round t arrives, given the lost
// channels.
func deliverable(m syncMsg, t int64, sc *syncScenario, lost []syncChan) bool {
	if m.from == m.to {
		return true // a node's channel to itself is never lost (Molly's local clock)
	}
	return !sc.silent(m.from, t) && !slices.Contains(lost, syncChan{m.from, m.to})
}

// nextState builds the state of round t+1.
func (s *syncSearch) nextState(out roundOut, t int64, sc *syncScenario, lost []syncChan) *syncState {
	n := len(out.carried)
	st := &syncState{carried: out.carried, inbox: make([][]value.Fact, n), kept: out.kept}
	for _, m := range out.msgs {
		if deliverable(m, t, sc, lost) {
			st.inbox[m.node] = append(st.inbox[m.node], m.fact)
		}
	}
	for i := range st.inbox {
		st.inbox[i] = sortedDistinct(st.inbox[i])
	}
	if s.sys.readsClock() {
		locs := len(s.sys.locations())
		for f := range locs {
			for to := range locs {
				c := syncChan{f, to}
				if f == to || (!sc.silent(f, t) && !slices.Contains(lost, c)) {
					st.arrived = append(st.arrived, c)
				}
			}
		}
	}
	return st
}

func (s *syncSearch) fingerprint(t int64, st *syncState) [32]byte {
	var b []byte
	b = binary.AppendVarint(b, int64(s.scIdx))
	b = binary.AppendVarint(b, t)
	for i := range st.carried {
		b = append(b, 0xfe)
		fs := st.carried[i]
		rels := make([]string, 0, len(fs))
		for r := range fs {
			rels = append(rels, r)
		}
		slices.Sort(rels) // map order must not reach the fingerprint
		for _, r := range rels {
			b = append(b, r...)
			b = append(b, 0)
			for _, tu := range fs[r] {
				b = append(b, tu.Key()...)
				b = append(b, 1)
			}
		}
		b = append(b, 0xfd)
		for _, f := range st.inbox[i] {
			b = append(b, f.Rel...)
			b = append(b, 0)
			b = append(b, f.Tuple.Key()...)
		}
	}
	b = append(b, 0xfb)
	for _, f := range st.kept {
		b = append(b, f.Rel...)
		b = append(b, 0)
		b = append(b, f.Tuple.Key()...)
	}
	for _, c := range st.arrived {
		b = strconv.AppendInt(append(b, 0xfc), int64(c.from), 10)
		b = strconv.AppendInt(append(b, ':'), int64(c.to), 10)
	}
	return sha256.Sum256(b)
}

// satAdd adds without wrapping: a count that reaches the top stays there.
func satAdd(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// dfs runs round t from st and everything below it; it returns the number
// of runs of the model (distinct loss choices on channels that carried
// messages) that the subtree stands for, merged subtrees included.
func (s *syncSearch) dfs(t int64, st *syncState, sc *syncScenario, path []SyncLoss) (uint64, error) {
	b := s.opts.Bounds
	out, err := s.sys.round(t, st, sc, t == b.EOT, nil)
	if err != nil {
		return 0, err
	}
	if len(out.viols) > 0 {
		s.rep.Runs++
		s.found = &SyncFailure{Losses: slices.Clone(path), Crashes: slices.Clone(sc.crashes), Violations: out.viols}
		s.failSc = sc
		return 1, nil
	}
	if t == b.EOT {
		s.rep.Runs++
		return 1, nil
	}
	chans := s.lossable(t, out.msgs, sc)
	pruned := s.pruned
	s.rep.Pruned += pruned
	if len(chans) > maxLossChannels {
		s.rep.Bound = fmt.Sprintf("round %d has %d channels that may lose messages; the search branches over every subset of a round's channels and stops at %d (lower %s, or use fewer nodes); no counterexample among the %d runs executed so far",
			t, len(chans), maxLossChannels, OptSyncEFF, s.rep.Runs)
		return 0, errSyncBound
	}
	locs := s.sys.locations()
	var covered uint64
	for mask := 0; mask < 1<<len(chans); mask++ {
		var lost []syncChan
		p := path
		for i, c := range chans {
			if mask&(1<<i) != 0 {
				lost = append(lost, c)
				p = append(slices.Clip(p), SyncLoss{From: locs[c.from], To: locs[c.to], Time: t})
			}
		}
		next := s.nextState(out, t, sc, lost)
		key := s.fingerprint(t+1, next)
		if n, ok := s.seen[key]; ok && !s.opts.noMerge {
			s.rep.Merged++
			covered = satAdd(covered, n)
			continue
		}
		if s.rep.States >= s.opts.MaxStates {
			s.rep.Bound = fmt.Sprintf("stopped after %d distinct states (%s); no counterexample among the %d runs executed so far", s.rep.States, BoundSyncStates.Raise(), s.rep.Runs)
			s.rep.Limit = BoundSyncStates
			return 0, errSyncBound
		}
		s.rep.States++
		s.hash.Write(key[:])
		n, err := s.dfs(t+1, next, sc, p)
		if err != nil || s.found != nil {
			return 0, err
		}
		s.seen[key] = n
		covered = satAdd(covered, n)
	}
	return satMulPow2(covered, pruned), nil
}
