package eval

import "slices"

// memoSeq is a persistent sorted sequence of distinct keys, each with a
// payload (an aggregate's accumulator, a derivation count). It is meant
// for the memos a tick carries to the next (aggMemo's groups, cntMemo's
// counts): a flat sorted slice must be copied whole when one entry
// changes, so a tick touching g of G entries costs O(G); here the keys are
// cut into sorted chunks of at most 2*memoChunkMax entries under a spine of
// chunk pointers, and an update copies only the spine (G/memoChunkMax
// pointers) and the chunks it touches: O(g log G + g*chunk + G/chunk).
//
// A memoSeq value is immutable once built: with returns a new sequence
// that shares every untouched chunk with the old one, so old and new
// may be read concurrently (two ticks from the same State).
//
// aggMemo keeps its groups in one (incragg.go), cntMemo its derivation
// counts (maint.go); their derived rows stay one sorted slice, which a
// tick's table loads (memorows.go).
//
// It is not the storage of a State's relations: those are a sorted run
// and a tail in one array (rel.go), which a tick's table loads as its
// rows without copying; a chunked sequence would have to be flattened
// into the table's rows on every tick (docs/PERFORMANCE.md).
type memoSeq[K, P any] struct {
	chunks []*memoChunk[K, P]
	n      int
}

// memoChunk is one sorted run of keys with their parallel payloads; never
// empty, never modified after it is published in a spine.
type memoChunk[K, P any] struct {
	keys []K
	pays []P
}

// memoChunkMax is the size chunks are cut to when a merge makes one larger
// than twice it. 64 keeps a changed chunk's copy within a cache-friendly
// few hundred bytes for tuple keys while the spine of a 10,000-entry memo
// stays ~160 pointers.
const memoChunkMax = 64

// memoUpd is one change to a memoSeq: set key's payload (inserting the
// key when absent), or delete the key when del is true (a no-op when
// absent).
type memoUpd[K, P any] struct {
	key K
	pay P
	del bool
}

// newMemoSeq builds a sequence from keys sorted by cmp and distinct, with
// their parallel payloads. The slices are copied.
func newMemoSeq[K, P any](keys []K, pays []P) memoSeq[K, P] {
	var s memoSeq[K, P]
	for i := 0; i < len(keys); i += memoChunkMax {
		j := min(i+memoChunkMax, len(keys))
		s.chunks = append(s.chunks, &memoChunk[K, P]{
			keys: append([]K(nil), keys[i:j]...),
			pays: append([]P(nil), pays[i:j]...),
		})
	}
	s.n = len(keys)
	return s
}

// Len is the number of keys.
func (s memoSeq[K, P]) Len() int { return s.n }

// chunkFor is the index of the first chunk whose last key is >= k
// (len(s.chunks) when k is past every key).
func (s memoSeq[K, P]) chunkFor(k K, cmp func(a, b K) int) int {
	i, _ := slices.BinarySearchFunc(s.chunks, k, func(c *memoChunk[K, P], k K) int { return cmp(c.keys[len(c.keys)-1], k) })
	return i
}

// Get returns k's payload and whether k is present.
func (s memoSeq[K, P]) Get(k K, cmp func(a, b K) int) (P, bool) {
	_, p, ok := s.find(k, cmp)
	return p, ok
}

// find returns the stored key equal to k under cmp (which may compare a
// part of the keys: an aggregate's group values) with its payload, and
// whether there is one.
func (s memoSeq[K, P]) find(k K, cmp func(a, b K) int) (K, P, bool) {
	var zk K
	var zp P
	ci := s.chunkFor(k, cmp)
	if ci == len(s.chunks) {
		return zk, zp, false
	}
	c := s.chunks[ci]
	if i, ok := slices.BinarySearchFunc(c.keys, k, cmp); ok {
		return c.keys[i], c.pays[i], true
	}
	return zk, zp, false
}

// Each calls f for every key and payload in order until f returns false.
func (s memoSeq[K, P]) Each(f func(k K, p P) bool) {
	for _, c := range s.chunks {
		for i, k := range c.keys {
			if !f(k, c.pays[i]) {
				return
			}
		}
	}
}

// with returns s changed by upds, which must be sorted by cmp and have
// distinct keys. s is left unchanged; the result shares every chunk no
// update falls into.
func (s memoSeq[K, P]) with(upds []memoUpd[K, P], cmp func(a, b K) int) memoSeq[K, P] {
	if len(upds) == 0 {
		return s
	}
	out := memoSeq[K, P]{chunks: make([]*memoChunk[K, P], 0, len(s.chunks)+1), n: s.n}
	ci := 0
	for len(upds) > 0 {
		// The chunk the next update falls into; updates past the last key
		// go to the last chunk (or a fresh one when s is empty).
		at := s.chunkFor(upds[0].key, cmp)
		if at == len(s.chunks) && at > 0 {
			at--
		}
		out.chunks = append(out.chunks, s.chunks[ci:at]...)
		ci = at
		var c *memoChunk[K, P]
		end := len(upds)
		if at < len(s.chunks) {
			c = s.chunks[at]
			if at+1 < len(s.chunks) {
				// Updates up to this chunk's last key belong to it; later
				// ones to a later chunk.
				last := c.keys[len(c.keys)-1]
				end = 0
				for end < len(upds) && cmp(upds[end].key, last) <= 0 {
					end++
				}
			}
			ci = at + 1
		}
		merged, dn := mergeMemoChunk(c, upds[:end], cmp)
		out.n += dn
		out.chunks = appendMemoCut(out.chunks, merged)
		upds = upds[end:]
	}
	out.chunks = append(out.chunks, s.chunks[ci:]...)
	return out
}

// mergeMemoChunk merges upds into c (nil: no keys) as a fresh chunk, and
// reports the change in the number of keys.
func mergeMemoChunk[K, P any](c *memoChunk[K, P], upds []memoUpd[K, P], cmp func(a, b K) int) (*memoChunk[K, P], int) {
	var keys []K
	var pays []P
	if c != nil {
		keys, pays = c.keys, c.pays
	}
	nk := make([]K, 0, len(keys)+len(upds))
	np := make([]P, 0, len(keys)+len(upds))
	i, j := 0, 0
	for i < len(keys) || j < len(upds) {
		switch {
		case j == len(upds) || (i < len(keys) && cmp(keys[i], upds[j].key) < 0):
			nk, np = append(nk, keys[i]), append(np, pays[i])
			i++
		case i == len(keys) || cmp(keys[i], upds[j].key) > 0:
			if !upds[j].del {
				nk, np = append(nk, upds[j].key), append(np, upds[j].pay)
			}
			j++
		default: // same key: the update replaces or deletes it
			if !upds[j].del {
				nk, np = append(nk, upds[j].key), append(np, upds[j].pay)
			}
			i++
			j++
		}
	}
	return &memoChunk[K, P]{keys: nk, pays: np}, len(nk) - len(keys)
}

// appendMemoCut appends c to spine, dropping it when empty and cutting it into
// memoChunkMax-sized chunks when it grew past twice that, so chunks stay
// bounded however the updates fall. A chunk that shrank below half of
// memoChunkMax is joined with the chunk before it when both fit in one
// (a copy of at most 2*memoChunkMax entries), so that a memo whose old
// groups a GC rule deletes one by one does not leave a spine of runts.
func appendMemoCut[K, P any](spine []*memoChunk[K, P], c *memoChunk[K, P]) []*memoChunk[K, P] {
	if len(c.keys) == 0 {
		return spine
	}
	if n := len(spine); n > 0 && len(c.keys) < memoChunkMax/2 && len(spine[n-1].keys)+len(c.keys) <= 2*memoChunkMax {
		prev := spine[n-1]
		spine[n-1] = &memoChunk[K, P]{
			keys: append(slices.Clip(prev.keys), c.keys...), // Clip: prev is shared, never appended to in place
			pays: append(slices.Clip(prev.pays), c.pays...),
		}
		return spine
	}
	if len(c.keys) <= 2*memoChunkMax {
		return append(spine, c)
	}
	for i := 0; i < len(c.keys); i += memoChunkMax {
		j := min(i+memoChunkMax, len(c.keys))
		if len(c.keys)-j < memoChunkMax/2 {
			j = len(c.keys) // no runt at the end
		}
		spine = append(spine, &memoChunk[K, P]{keys: c.keys[i:j:j], pays: c.pays[i:j:j]})
		i = j - memoChunkMax
		if j == len(c.keys) {
			break
		}
	}
	return spine
}
