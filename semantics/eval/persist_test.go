package eval

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// TestCarriedByKeys: the GC filter by done's keys keeps exactly the rows
// whose first n values are no row of done, and drops the others, both in
// order, leaving its input unchanged, for keys of one and two columns of
// mixed kinds, dense and sparse.
func TestCarriedByKeys(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		val := func(rt *rapid.T, label string) value.Value {
			i := rapid.IntRange(0, 7).Draw(rt, label)
			if i >= 6 {
				return value.Str(string(rune('a' + i)))
			}
			return value.Int(int64(i))
		}
		rows := Normalize(FactSet{"r": rapid.SliceOf(rapid.Custom(func(rt *rapid.T) value.Tuple {
			return value.Tuple{val(rt, "a"), val(rt, "b"), val(rt, "c")}
		})).Draw(rt, "rows")})["r"]
		n := rapid.IntRange(1, 2).Draw(rt, "n")
		done := Normalize(FactSet{"d": rapid.SliceOf(rapid.Custom(func(rt *rapid.T) value.Tuple {
			k := value.Tuple{val(rt, "ka")}
			if n == 2 {
				k = append(k, val(rt, "kb"))
			}
			return k
		})).Draw(rt, "done")})["d"]
		var want, wantDrop []value.Tuple
		for _, r := range rows {
			if slices.ContainsFunc(done, func(k value.Tuple) bool { return k.Equal(r[:n]) }) {
				wantDrop = append(wantDrop, r)
			} else {
				want = append(want, r)
			}
		}
		orig := slices.Clone(rows)
		c := &carryRule{negN: n}
		kept, dropped, _ := c.carriedByKeys(rows, done, nil)
		if d := cmp.Diff(want, kept, cmpopts.EquateEmpty()); d != "" {
			rt.Fatalf("kept (-want +got):\n%s", d)
		}
		if d := cmp.Diff(wantDrop, dropped, cmpopts.EquateEmpty()); d != "" {
			rt.Fatalf("dropped (-want +got):\n%s", d)
		}
		if d := cmp.Diff(orig, rows, cmpopts.EquateEmpty()); d != "" {
			rt.Fatalf("rows changed:\n%s", d)
		}
	})
}
