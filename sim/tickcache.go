package sim

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the tick-result cache (Config.TickCache). A tick is a
// pure function of the program, the node (its address and the topology),
// its carried facts and the facts delivered to it, plus the answers to
// the choices it makes; time does not enter it. A search that re-runs
// the same node with the same inputs under different schedules can
// therefore reuse the result. Only ticks that asked no choice are cached:
// a hit then means the same inputs, hence the same evaluation, which asks
// no choice either, so no recorded decision is skipped.

// TickCache remembers tick results by (node, carried-facts fingerprint,
// delivered-facts fingerprint). It belongs to one program and one set of
// instance counts (a cache used with another program is emptied first),
// and is not safe for concurrent use. Eviction is first-in first-out, so
// its contents are a function of the ticks asked, never of the clock.
type TickCache struct {
	prog   *analysis.Program
	counts map[string]int
	m      map[tickKey]*eval.Result
	ring   []tickKey // insertion order, grown up to capacity
	cap    int
	next   int

	Hits, Misses int
}

type tickKey struct {
	node               int
	carried, delivered Fingerprint
}

// NewTickCache returns a cache holding up to capacity results (default
// 4096 when capacity <= 0).
func NewTickCache(capacity int) *TickCache {
	if capacity <= 0 {
		capacity = 4096
	}
	// Both grow on demand: most searches end after a few branches.
	return &TickCache{m: map[tickKey]*eval.Result{}, cap: capacity}
}

// bind empties the cache if it was used for another program or topology.
func (c *TickCache) bind(prog *analysis.Program, counts map[string]int) {
	if c.prog == prog && sameCounts(c.counts, counts) {
		return
	}
	c.prog, c.counts = prog, counts
	clear(c.m)
	c.ring, c.next = c.ring[:0], 0
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (c *TickCache) get(k tickKey) *eval.Result {
	r := c.m[k]
	if r != nil {
		c.Hits++
	} else {
		c.Misses++
	}
	return r
}

func (c *TickCache) put(k tickKey, r *eval.Result) {
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.ring) < c.cap {
		c.ring = append(c.ring, k)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = k
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[k] = r
}

// deliveredFingerprint digests the facts delivered to a tick in their
// order (eval sees them in this order; the key does not assume it
// ignores it).
func deliveredFingerprint(pending []value.Fact) Fingerprint {
	h := newFPHasher(5)
	h.word(uint64(len(pending)))
	for _, f := range pending {
		h.str(f.Rel)
		h.tuple(f.Tuple)
	}
	return h.sum()
}
