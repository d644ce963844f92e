package eval

import (
	"slices"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
	"pgregory.net/rapid"
)

// TestChunkSeqAgainstFlat: random patches of a chunkSeq give the rows a
// flat sorted slice patched the same way gives, keep every chunk
// non-empty, capped and at most chunkMax rows, leave the older sequence
// unchanged, and share every chunk no change fell in.
func TestChunkSeqAgainstFlat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := rapid.IntRange(1, 3000).Draw(t, "keys")
		row := func(k int) value.Tuple { return value.Tuple{value.Int(int64(k % 3)), value.Int(int64(k))} }
		var flat []value.Tuple
		for k := range rapid.IntRange(0, keys).Draw(t, "n0") {
			flat = append(flat, row(k))
		}
		slices.SortFunc(flat, compareTuples)
		s := chunkSeqOf(flat)
		for step := range rapid.IntRange(1, 8).Draw(t, "steps") {
			have := map[int]bool{}
			for _, r := range flat {
				have[int(r[1].I)] = true
			}
			var del, add []value.Tuple
			picked := map[int]bool{}
			for range rapid.IntRange(0, 40).Draw(t, "changes") {
				k := rapid.IntRange(0, keys).Draw(t, "key")
				if picked[k] {
					continue
				}
				picked[k] = true
				if have[k] {
					del = append(del, row(k))
				} else {
					add = append(add, row(k))
				}
			}
			old, oldFlat := s, slices.Clone(s.flat())
			s = s.patch(del, add)
			flat = patchSorted(flat, del, add)
			if got := s.flat(); !sameTuples(got, flat) || s.Len() != len(flat) {
				t.Fatalf("step %d: chunkSeq has %d rows, the flat slice %d, or they differ", step, s.Len(), len(flat))
			}
			if !sameTuples(old.flat(), oldFlat) {
				t.Fatalf("step %d: patch changed the older sequence", step)
			}
			fresh := 0
			for _, c := range s.chunks {
				if len(c) == 0 || len(c) > chunkMax || cap(c) != len(c) {
					t.Fatalf("step %d: chunk of %d rows (cap %d), want 1..%d, capped", step, len(c), cap(c), chunkMax)
				}
				shared := false
				for _, o := range old.chunks {
					if &o[0] == &c[0] && len(o) == len(c) {
						shared = true
					}
				}
				if !shared {
					fresh++
				}
			}
			// Each change touches one chunk, which may split in two.
			if limit := 2 * (len(del) + len(add)); fresh > limit {
				t.Fatalf("step %d: %d chunks rebuilt for %d changes, want at most %d", step, fresh, len(del)+len(add), limit)
			}
			if !s.equal(chunkSeqOf(flat)) || (len(del)+len(add) > 0 && s.equal(old)) {
				t.Fatalf("step %d: equal disagrees with the rows", step)
			}
		}
	})
}

// BenchmarkChunkSeqPatch: three rows added in three places of 9,000 (the
// voting leader's votes at tick 3,000), as a chunkSeq and as a flat
// sorted slice (patchSorted, what a flat State relation costs).
func BenchmarkChunkSeqPatch(b *testing.B) {
	var rows []value.Tuple
	for k := range 9000 {
		rows = append(rows, value.Tuple{value.Int(int64(k % 3)), value.Int(int64(k))})
	}
	slices.SortFunc(rows, compareTuples)
	add := func(i int) []value.Tuple {
		return []value.Tuple{{value.Int(0), value.Int(int64(9000 + 3*i))}, {value.Int(1), value.Int(int64(9001 + 3*i))}, {value.Int(2), value.Int(int64(9002 + 3*i))}}
	}
	b.Run("chunked", func(b *testing.B) {
		s := chunkSeqOf(rows)
		b.ReportAllocs()
		for i := range b.N {
			s = s.patch(nil, add(i))
		}
	})
	b.Run("flat", func(b *testing.B) {
		s := rows
		b.ReportAllocs()
		for i := range b.N {
			s = patchSorted(s, nil, add(i))
		}
	})
}
