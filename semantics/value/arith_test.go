package value

import (
	"math"
	"testing"
)

func TestEuclidModAndTruncDiv(t *testing.T) {
	for _, c := range []struct{ a, b, mod, div int64 }{
		{7, 3, 1, 2},
		{-7, 3, 2, -2},
		{7, -3, 1, -2},
		{-7, -3, 2, 2},
		{0, 5, 0, 0},
		{math.MinInt64, -1, 0, math.MinInt64}, // wraps, no trap
		{math.MinInt64, 2, 0, math.MinInt64 / 2},
		{math.MaxInt64, math.MinInt64, math.MaxInt64, 0},
	} {
		if got := EuclidMod(c.a, c.b); got != c.mod {
			t.Errorf("EuclidMod(%d, %d) = %d, want %d", c.a, c.b, got, c.mod)
		}
		if got := TruncDiv(c.a, c.b); got != c.div {
			t.Errorf("TruncDiv(%d, %d) = %d, want %d", c.a, c.b, got, c.div)
		}
	}
}
