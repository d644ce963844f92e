package sim

import (
	"fmt"
	"math/bits"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the 128-bit state fingerprints the refinement checker
// memoises (Moment.Fingerprint). They are maintained incrementally: each
// node keeps the fingerprint of its carried facts, recomputed only when a
// tick changes them, and the queue keeps a commutative sum of its events'
// fingerprints, updated on every push and pop; so fingerprinting a moment
// costs O(nodes + timers), not O(state). A collision would silently cut a
// subtree of a search, so fingerprints are 128 bits wide: two 64-bit lanes
// with different multipliers and rotations, each finished by a 64-bit
// avalanche (SplitMix64's). The construction is not a keyed universal hash;
// like TLC's fingerprints, its collision bound (CollisionBound) assumes it
// behaves as a random function on the states a search meets.

// Fingerprint is a 128-bit digest of a state.
type Fingerprint struct{ Hi, Lo uint64 }

func (f Fingerprint) String() string { return fmt.Sprintf("%016x%016x", f.Hi, f.Lo) }

// add and sub combine fingerprints commutatively (lane-wise mod 2^64), so
// that a multiset of events has one fingerprint whatever their order.
func (f Fingerprint) add(g Fingerprint) Fingerprint { return Fingerprint{f.Hi + g.Hi, f.Lo + g.Lo} }
func (f Fingerprint) sub(g Fingerprint) Fingerprint { return Fingerprint{f.Hi - g.Hi, f.Lo - g.Lo} }

// CollisionBound is an upper bound on the probability that n distinct
// states include two with equal fingerprints, if fingerprints behave as
// independent uniform 128-bit values: n(n-1)/2 / 2^128.
func CollisionBound(n int) float64 {
	x := float64(n)
	return x * (x - 1) / 2 / (1 << 64) / (1 << 64)
}

const (
	fpMulHi = 0x9e3779b97f4a7c15
	fpMulLo = 0xc2b2ae3d27d4eb4f
)

// fpHasher absorbs 64-bit words into two lanes.
type fpHasher struct{ hi, lo uint64 }

func newFPHasher(domain uint64) fpHasher {
	return fpHasher{hi: 0x243f6a8885a308d3 ^ domain, lo: 0x13198a2e03707344 ^ domain*fpMulLo}
}

func (h *fpHasher) word(x uint64) {
	h.hi = bits.RotateLeft64((h.hi^x)*fpMulHi, 29)
	h.lo = bits.RotateLeft64((h.lo^x)*fpMulLo, 35) + 0x165667b19e3779f9
}

func (h *fpHasher) str(s string) {
	h.word(uint64(len(s)))
	for len(s) >= 8 {
		h.word(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
		s = s[8:]
	}
	var x uint64
	for i := 0; i < len(s); i++ {
		x |= uint64(s[i]) << (8 * i)
	}
	h.word(x)
}

func (h *fpHasher) tuple(t value.Tuple) {
	h.word(uint64(len(t)))
	for _, v := range t {
		h.word(uint64(v.K))
		h.word(uint64(v.I))
		if s := v.S(); s != "" {
			h.str(s)
		} else {
			h.word(0)
		}
	}
}

func (h *fpHasher) sum() Fingerprint {
	return Fingerprint{Hi: avalanche(h.hi ^ h.lo>>1), Lo: avalanche(h.lo + 0x94d049bb133111eb)}
}

// avalanche is SplitMix64's finaliser: every input bit flips each output
// bit with probability about 1/2.
func avalanche(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// factSetFingerprint digests a node's carried facts: a commutative sum
// over non-empty relations (a missing relation and an empty one are the
// same state; map order cannot matter) of each relation's name and its
// tuples in their (canonical, sorted) order.
func factSetFingerprint(fs eval.FactSet) Fingerprint {
	var sum Fingerprint
	for rel, ts := range fs {
		if len(ts) == 0 {
			continue
		}
		h := newFPHasher(1)
		h.str(rel)
		h.word(uint64(len(ts)))
		for _, t := range ts {
			h.tuple(t)
		}
		sum = sum.add(h.sum())
	}
	return sum
}

// eventFingerprint digests what of a queued event determines the future:
// its time, kind, receiver, sender, client, timer firing number and fact;
// not its message id, send time, duplicate flag or insertion order.
// Outputs on their way to a client change nothing at a node and have the
// zero fingerprint (Moment.Hash leaves them out too).
func eventFingerprint(e *event) Fingerprint {
	if e.kind == evOutput {
		return Fingerprint{}
	}
	h := newFPHasher(2)
	h.word(uint64(e.time))
	h.word(uint64(e.kind))
	h.word(uint64(e.node))
	h.word(uint64(e.from))
	h.word(uint64(e.client))
	h.word(uint64(e.n))
	h.str(e.fact.Rel)
	h.tuple(e.fact.Tuple)
	return h.sum()
}

// Fingerprint digests the same state as Hash, in 128 bits and
// incrementally (see the top of this file). Two moments with equal
// fingerprints (barring collisions, CollisionBound) have the same
// possible futures.
func (m Moment) Fingerprint() Fingerprint {
	w := m.w
	h := newFPHasher(3)
	h.word(uint64(w.now))
	for _, n := range w.nodes {
		h.word(uint64(n.idle))
		if n.crashed {
			h.word(1)
		} else {
			h.word(0)
		}
		h.word(n.fp.Hi)
		h.word(n.fp.Lo)
	}
	var timers Fingerprint
	for k, last := range w.timerLast {
		th := newFPHasher(4)
		th.word(uint64(k.node))
		th.str(k.rel)
		th.word(uint64(last - w.now))
		timers = timers.add(th.sum())
	}
	h.word(timers.Hi)
	h.word(timers.Lo)
	h.word(w.q.fp.Hi)
	h.word(w.q.fp.Lo)
	if cl := w.closed; cl != nil {
		h.word(uint64(cl.issued))
		for _, o := range cl.outstanding {
			h.word(uint64(o))
		}
	}
	return h.sum()
}

// fullFingerprint recomputes Fingerprint from scratch, without the
// incremental per-node and queue digests (tests compare the two).
func (m Moment) fullFingerprint() Fingerprint {
	w := m.w
	saved := make([]Fingerprint, len(w.nodes))
	for i, n := range w.nodes {
		saved[i] = n.fp
		n.fp = factSetFingerprint(n.carried())
	}
	qfp := w.q.fp
	w.q.fp = Fingerprint{}
	for i := range w.q.items {
		w.q.fp = w.q.fp.add(eventFingerprint(&w.q.items[i]))
	}
	f := m.Fingerprint()
	for i, n := range w.nodes {
		n.fp = saved[i]
	}
	w.q.fp = qfp
	return f
}
