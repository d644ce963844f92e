package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestTraceBuildMatchesPlainLists checks the chunked tick lists against
// the plain functions they replace (sortedDistinct, factSetDiff,
// slices.Clone), nil-ness included, over random fact lists, and that every
// list handed out is capped and keeps its content while later lists are
// carved from the same chunk and the first is appended to.
func TestTraceBuildMatchesPlainLists(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randFacts := func(n int) []value.Fact {
		fs := make([]value.Fact, n)
		for i := range fs {
			fs[i] = value.Fact{Rel: []string{"a", "b", "c"}[r.IntN(3)], Tuple: value.Tuple{value.Int(r.Int64N(6)), value.Int(r.Int64N(3))}}
		}
		return fs
	}
	set := func(fs []value.Fact) eval.FactSet {
		s := eval.FactSet{}
		for _, f := range fs {
			s[f.Rel] = append(s[f.Rel], f.Tuple)
		}
		return eval.Normalize(s)
	}
	var tb traceBuild
	type kept struct{ got, want []value.Fact }
	var all []kept
	for i := 0; i < 500; i++ {
		n := r.IntN(12)
		if i%50 == 0 {
			n = 300 // larger than a chunk
		}
		fs := randFacts(n)
		a, b := set(randFacts(r.IntN(10))), set(randFacts(r.IntN(10)))
		var outs []value.Fact
		if r.IntN(3) > 0 {
			outs = randFacts(r.IntN(4)) // an empty non-nil list now and then
		}
		c, p, o := tb.consumed(fs), tb.produced(a, b), tb.keep(outs)
		for _, k := range []kept{{c, sortedDistinct(fs)}, {p, factSetDiff(a, b)}, {o, slices.Clone(outs)}} {
			require.Equal(t, k.want == nil, k.got == nil, "nil-ness differs")
			require.Equal(t, k.want, k.got)
			require.Equal(t, len(k.got), cap(k.got), "a kept list must be capped")
			all = append(all, kept{k.got, slices.Clone(k.want)})
		}
		if len(c) > 0 {
			_ = append(c, value.Fact{Rel: "z"}) // must not write into a neighbour
		}
	}
	for _, k := range all {
		require.Equal(t, k.want, k.got, "a kept list changed after later ones were built")
	}
}
