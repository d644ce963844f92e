package eval

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// drawTuple draws a small tuple: mostly ints from a narrow range (so
// duplicates and equal keys are common), sometimes strings or addresses.
func drawTuple(t *rapid.T, arity int, label string) value.Tuple {
	tu := make(value.Tuple, arity)
	for i := range tu {
		switch rapid.IntRange(0, 9).Draw(t, label+"kind") {
		case 0:
			tu[i] = value.Str(rapid.SampledFrom([]string{"", "a", "b", "ab"}).Draw(t, label+"s"))
		case 1:
			tu[i] = value.AddrOf(value.Addr{Comp: "c", Instance: rapid.IntRange(0, 2).Draw(t, label+"a")})
		default:
			tu[i] = value.Int(rapid.Int64Range(-3, 40).Draw(t, label+"i"))
		}
	}
	return tu
}

// TestTableAgainstModel checks the table's membership, row numbers,
// indexes and sorted output against a plain model, across the switch from
// bisected sorted prefix to hashed rows (inputs start with a sorted run
// of random length, like carried facts, then arrive in any order).
func TestTableAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		arity := rapid.IntRange(1, 3).Draw(t, "arity")
		var inputs []value.Tuple
		sortedRun := rapid.IntRange(0, 2*searchMin).Draw(t, "sortedRun")
		for i := 0; i < sortedRun; i++ {
			tu := make(value.Tuple, arity)
			for c := range tu {
				tu[c] = value.Int(int64(i))
			}
			inputs = append(inputs, tu)
		}
		for i, n := 0, rapid.IntRange(0, 300).Draw(t, "n"); i < n; i++ {
			inputs = append(inputs, drawTuple(t, arity, "t"))
		}
		tb := newTable("r", arity)
		var model []value.Tuple
		has := func(tu value.Tuple) bool {
			return slices.ContainsFunc(model, func(m value.Tuple) bool { return m.Equal(tu) })
		}
		probeMask := uint64(1) // index on column 0, built half way
		for i, tu := range inputs {
			if i == len(inputs)/2 {
				tb.index(probeMask)
			}
			want := !has(tu)
			if got := tb.insert(tu); got != want {
				t.Fatalf("insert %v: got new=%v, want %v", tu, got, want)
			}
			if want {
				model = append(model, tu)
			}
		}
		for i, m := range model {
			if got := tb.find(m); got != i {
				t.Fatalf("find %v: row %d, want %d", m, got, i)
			}
		}
		for i := 0; i < 20; i++ {
			tu := drawTuple(t, arity, "probe")
			if tb.contains(tu) != has(tu) {
				t.Fatalf("contains %v: got %v", tu, !has(tu))
			}
			// Every row with the probe's column 0 is on its index chain.
			ix := tb.index(probeMask)
			var got []int
			for r := ix.first(hashCols(tu, ix.cols)); r != 0; r = ix.next[r-1] {
				if tb.rows[r-1][0] == tu[0] {
					got = append(got, int(r-1))
				}
			}
			var want []int
			for r, m := range model {
				if m[0] == tu[0] {
					want = append(want, r)
				}
			}
			slices.Sort(got)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("index chain for %v (-want +got):\n%s", tu[0], d)
			}
		}
		want := sortedCopy(model)
		if d := cmp.Diff(want, tb.sortedRows()); d != "" {
			t.Fatalf("sortedRows (-want +got):\n%s", d)
		}
	})
}

// TestRadixSortMatchesCompare checks the integer radix sort against the
// comparison sort, including negative and extreme values.
func TestRadixSortMatchesCompare(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		arity := rapid.IntRange(1, 3).Draw(t, "arity")
		n := rapid.IntRange(radixMin, 400).Draw(t, "n")
		ts := make([]value.Tuple, n)
		for i := range ts {
			ts[i] = make(value.Tuple, arity)
			for c := range ts[i] {
				ts[i][c] = value.Int(rapid.OneOf(
					rapid.Int64Range(-5, 300),
					rapid.Int64(),
					rapid.SampledFrom([]int64{-1 << 63, 1<<63 - 1, 0, -1}),
				).Draw(t, "v"))
			}
		}
		want := slices.Clone(ts)
		slices.SortStableFunc(want, value.Tuple.Compare)
		got := slices.Clone(ts)
		radixSortInts(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("radix sort (-want +got):\n%s", d)
		}
	})
}

// TestMergeSparseMatchesMergeFront: merging a sorted rest into a sorted
// prefix by bisection gives what the element-by-element merge gives,
// whatever the sizes (mergeSparse is only used for short rests).
func TestMergeSparseMatchesMergeFront(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		all := Normalize(FactSet{"x": rapid.SliceOf(rapid.Custom(func(t *rapid.T) value.Tuple {
			return value.Tuple{value.Int(int64(rapid.IntRange(0, 50).Draw(t, "a"))), value.Int(int64(rapid.IntRange(0, 3).Draw(t, "b")))}
		})).Draw(t, "rows")})["x"]
		var a, rest []value.Tuple
		for _, r := range all {
			if rapid.IntRange(0, 4).Draw(t, "side") == 0 {
				rest = append(rest, r)
			} else {
				a = append(a, r)
			}
		}
		front := append(make([]value.Tuple, len(a)), rest...)
		sparse := slices.Clone(front)
		mergeFront(front, a)
		mergeSparse(sparse, a)
		if d := cmp.Diff(all, sparse, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("mergeSparse (-want +got):\n%s", d)
		}
		if d := cmp.Diff(front, sparse, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("mergeSparse vs mergeFront (-front +sparse):\n%s", d)
		}
	})
}
