package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/value"
)

// A chunkSeq is a sorted, distinct sequence of rows kept as chunks of at
// most chunkMax rows under a spine (the chunks in order; their
// concatenation is the sequence). It is immutable: patch returns a new
// chunkSeq that shares every chunk the patch does not touch, so a change
// of k rows to a sequence of n costs the touched chunks plus a spine of
// n/chunkMax pointers, not a copy of n rows. It is the storage a State
// relation needs so that a tick does not copy what the node stored
// (issue #11); it is not yet used by the tick (docs/PERFORMANCE.md).
type chunkSeq struct {
	chunks [][]value.Tuple // each sorted, non-empty, capped (len == cap)
	n      int
}

// chunkMax bounds a chunk's rows: a touched chunk is copied whole, so
// this is the per-change copy; the spine is n/chunkMax pointers.
const chunkMax = 256

// chunkSeqOf returns rows (sorted, distinct) as a chunkSeq sharing their
// storage (capped sub-slices, so nothing appends over them).
func chunkSeqOf(rows []value.Tuple) *chunkSeq {
	s := &chunkSeq{n: len(rows), chunks: make([][]value.Tuple, 0, (len(rows)+chunkMax-1)/chunkMax)}
	for lo := 0; lo < len(rows); lo += chunkMax {
		hi := min(lo+chunkMax, len(rows))
		s.chunks = append(s.chunks, rows[lo:hi:hi])
	}
	return s
}

// Len returns the number of rows.
func (s *chunkSeq) Len() int { return s.n }

// flat returns the rows as one sorted slice (a copy unless one chunk).
func (s *chunkSeq) flat() []value.Tuple {
	if len(s.chunks) == 1 {
		return s.chunks[0]
	}
	out := make([]value.Tuple, 0, s.n)
	for _, c := range s.chunks {
		out = append(out, c...)
	}
	return out
}

// patch returns s with del taken out and add put in, as patchSorted
// (del among s's rows; add distinct and not among them once del is out;
// both in any order). Chunks no change falls in are shared; a touched
// chunk is rebuilt by patchSorted and split when it outgrows chunkMax,
// dropped when it empties.
func (s *chunkSeq) patch(del, add []value.Tuple) *chunkSeq {
	if len(del) == 0 && len(add) == 0 {
		return s
	}
	del = slices.SortedFunc(slices.Values(del), compareTuples)
	add = slices.SortedFunc(slices.Values(add), compareTuples)
	out := &chunkSeq{n: s.n - len(del) + len(add), chunks: make([][]value.Tuple, 0, len(s.chunks)+1)}
	i, j := 0, 0
	for ci, c := range s.chunks {
		last := ci == len(s.chunks)-1
		// The changes in c: rows up to c's last row (add rows beyond the
		// last chunk's end go to it).
		di := i
		for di < len(del) && compareTuples(del[di], c[len(c)-1]) <= 0 {
			di++
		}
		aj := j
		for aj < len(add) && (last || compareTuples(add[aj], c[len(c)-1]) < 0) {
			aj++
		}
		if di == i && aj == j {
			out.chunks = append(out.chunks, c)
			continue
		}
		out.appendRows(patchSorted(c, del[i:di], add[j:aj]))
		i, j = di, aj
	}
	if len(s.chunks) == 0 {
		out.appendRows(add)
	}
	return out
}

// appendRows adds rows (sorted, after every row of s) as chunks of at
// most chunkMax, each capped.
func (s *chunkSeq) appendRows(rows []value.Tuple) {
	for lo := 0; lo < len(rows); lo += chunkMax {
		hi := min(lo+chunkMax, len(rows))
		s.chunks = append(s.chunks, rows[lo:hi:hi])
	}
}

// equal reports whether s and t hold the same rows, comparing shared
// chunks by pointer and the rest row by row.
func (s *chunkSeq) equal(t *chunkSeq) bool {
	if s.n != t.n {
		return false
	}
	if len(s.chunks) == len(t.chunks) {
		same := true
		for k := range s.chunks {
			a, b := s.chunks[k], t.chunks[k]
			if len(a) != len(b) || &a[0] != &b[0] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return sameTuples(s.flat(), t.flat())
}
