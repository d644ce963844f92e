package eval

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// memoFlat is memoSeq's reference model: the flat sorted slice the memos
// used before, updated by copying.
type memoFlat struct {
	keys []int
	pays []int64
}

func (f memoFlat) with(upds []memoUpd[int, int64]) memoFlat {
	out := memoFlat{make([]int, 0, len(f.keys)+len(upds)), make([]int64, 0, len(f.keys)+len(upds))}
	i, j := 0, 0
	for i < len(f.keys) || j < len(upds) {
		switch {
		case j == len(upds) || (i < len(f.keys) && f.keys[i] < upds[j].key):
			out.keys, out.pays = append(out.keys, f.keys[i]), append(out.pays, f.pays[i])
			i++
		default:
			if i < len(f.keys) && f.keys[i] == upds[j].key {
				i++
			}
			if !upds[j].del {
				out.keys, out.pays = append(out.keys, upds[j].key), append(out.pays, upds[j].pay)
			}
			j++
		}
	}
	return out
}

// memoContents flattens s, checking its chunk invariants on the way.
func memoContents(t *rapid.T, s memoSeq[int, int64]) memoFlat {
	var f memoFlat
	for _, c := range s.chunks {
		if len(c.keys) == 0 || len(c.keys) > 2*memoChunkMax || len(c.keys) != len(c.pays) {
			t.Fatalf("chunk of %d keys, %d payloads", len(c.keys), len(c.pays))
		}
	}
	s.Each(func(k int, p int64) bool {
		f.keys, f.pays = append(f.keys, k), append(f.pays, p)
		return true
	})
	if len(f.keys) != s.Len() {
		t.Fatalf("Len %d, %d keys", s.Len(), len(f.keys))
	}
	if !slices.IsSorted(f.keys) || len(slices.Compact(slices.Clone(f.keys))) != len(f.keys) {
		t.Fatalf("keys not sorted and distinct: %v", f.keys)
	}
	return f
}

// TestMemoSeqMatchesFlat: random batches of sets and deletes (dense and
// sparse keys, so chunks both split and empty) give the same contents as
// the flat model, every older version is left as it was, and Get agrees.
func TestMemoSeqMatchesFlat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		span := rapid.SampledFrom([]int{8, 200, 5000}).Draw(t, "span")
		n0 := rapid.IntRange(0, 400).Draw(t, "n0")
		var start memoFlat
		for k := 0; k < span && len(start.keys) < n0; k += 1 + k%3 {
			start.keys, start.pays = append(start.keys, k), append(start.pays, int64(k))
		}
		s := newMemoSeq(start.keys, start.pays)
		flat := start
		type version struct {
			s    memoSeq[int, int64]
			want memoFlat
		}
		var old []version
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for range steps {
			m := rapid.IntRange(0, 300).Draw(t, "batch")
			byKey := map[int]memoUpd[int, int64]{}
			for range m {
				k := rapid.IntRange(-5, span+5).Draw(t, "key")
				byKey[k] = memoUpd[int, int64]{key: k, pay: rapid.Int64().Draw(t, "pay"), del: rapid.Bool().Draw(t, "del")}
			}
			upds := make([]memoUpd[int, int64], 0, len(byKey))
			for _, u := range byKey {
				upds = append(upds, u)
			}
			slices.SortFunc(upds, func(a, b memoUpd[int, int64]) int { return cmp.Compare(a.key, b.key) })
			old = append(old, version{s, flat})
			s = s.with(upds, cmp.Compare[int])
			flat = flat.with(upds)
			got := memoContents(t, s)
			if !slices.Equal(got.keys, flat.keys) || !slices.Equal(got.pays, flat.pays) {
				t.Fatalf("contents differ:\n got %v %v\nwant %v %v", got.keys, got.pays, flat.keys, flat.pays)
			}
			for k := -6; k <= span+6; k += 1 + span/50 {
				p, ok := s.Get(k, cmp.Compare[int])
				i, want := slices.BinarySearch(flat.keys, k)
				if ok != want || (ok && p != flat.pays[i]) {
					t.Fatalf("Get(%d) = %d,%v; want present %v", k, p, ok, want)
				}
			}
		}
		for i, v := range old {
			got := memoContents(t, v.s)
			if !slices.Equal(got.keys, v.want.keys) || !slices.Equal(got.pays, v.want.pays) {
				t.Fatalf("version %d changed by a later update", i)
			}
		}
	})
}

// BenchmarkMemoSeqUpdate: g of G entries changed per op, chunked against
// a flat copy (what aggMemo and cntMemo did before they kept their entries in memoSeq); reports bytes copied per op
// via -benchmem and the CPU per op as cpu-ns.
func BenchmarkMemoSeqUpdate(b *testing.B) {
	for _, G := range []int{1000, 10000} {
		keys := make([]int, G)
		pays := make([]int64, G)
		for i := range keys {
			keys[i] = 2 * i
		}
		upds := make([]memoUpd[int, int64], 4)
		for i := range upds {
			upds[i] = memoUpd[int, int64]{key: (i*G/4)*2 + 1, pay: 1}
		}
		b.Run("chunked-"+itoa(G), func(b *testing.B) {
			s := newMemoSeq(keys, pays)
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				_ = s.with(upds, cmp.Compare[int])
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
		b.Run("flat-"+itoa(G), func(b *testing.B) {
			f := memoFlat{keys, pays}
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				_ = f.with(upds)
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
