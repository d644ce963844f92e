package eval

import (
	"fmt"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/dsim-project/dsim/semantics/value"
)

// chiSquareRejections counts the k in 2..64 for which a chi-square
// goodness-of-fit test rejects, at the 1% level, that f(v) % k is uniform
// over v = 1..4096, and describes each rejection.
func chiSquareRejections(f func(value.Value) value.Value) (rejected []string) {
	const n = 4096
	for k := 2; k <= 64; k++ {
		counts := make([]float64, k)
		for v := 1; v <= n; v++ {
			h := f(value.Int(int64(v))).I
			if h < 0 {
				return append(rejected, fmt.Sprintf("f(%d) = %d is negative", v, h))
			}
			counts[h%int64(k)]++
		}
		want := float64(n) / float64(k)
		chi2 := 0.0
		for _, c := range counts {
			chi2 += (c - want) * (c - want) / want
		}
		if critical := (distuv.ChiSquared{K: float64(k - 1)}).Quantile(0.99); chi2 > critical {
			rejected = append(rejected, fmt.Sprintf("%% %d: chi-square %.1f > %.1f (%d degrees of freedom)", k, chi2, critical, k-1))
		}
	}
	return rejected
}

// TestHashBucketsUniform checks that hash(v) % k spreads the small integers a
// generated workload uses evenly: over v = 1..4096, the chi-square test at 1%
// must not reject for any k in 2..64. Plain FNV-1a failed for every power of
// two (its low bits follow the low bits of v).
func TestHashBucketsUniform(t *testing.T) {
	if r := chiSquareRejections(hashValue); len(r) > 0 {
		t.Errorf("hash(v) %% k is not uniform over v = 1..4096:\n%s", strings.Join(r, "\n"))
	}
}

// TestSignBucketsUniform applies the same test to sign. A uniform function
// fails each of the 63 tests with probability 1%, so some rejections are
// expected by chance even of a good hash (none occur today); more than 3
// would happen by chance with probability under 0.4%.
func TestSignBucketsUniform(t *testing.T) {
	if r := chiSquareRejections(signValue); len(r) > 3 {
		t.Errorf("sign(v) %% k rejected as non-uniform for %d of 63 k:\n%s", len(r), strings.Join(r, "\n"))
	}
}

// TestHashFixedValues pins the algorithm: a change to hash or sign changes
// every reproducer that routes by them, so it must be deliberate. hash(1)
// was computed independently (FNV-1a then fmix64 of 0x01 followed by the
// eight big-endian bytes of 1).
func TestHashFixedValues(t *testing.T) {
	for _, tc := range []struct {
		got  value.Value
		want int64
	}{
		{hashValue(value.Int(1)), 6125373267848192296},
		{hashValue(value.Str("a")), 1339362195135335750},
		{signValue(value.Int(1)), 1113597767863189376},
	} {
		if tc.got.I != tc.want {
			t.Errorf("got %d, want %d", tc.got.I, tc.want)
		}
	}
}
