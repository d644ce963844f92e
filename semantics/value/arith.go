package value

// The language's integer division and remainder, in one place for the
// evaluator (semantics/eval) and the may-derive analysis (semantics/reach),
// which must agree on them exactly. Addition, subtraction and
// multiplication are Go's, wrapping on overflow.

// EuclidMod is a mod b in [0, |b|) (the Euclidean remainder); b must be
// non-zero.
func EuclidMod(a, b int64) int64 {
	if b == -1 { // avoids the MinInt64 % -1 trap
		return 0
	}
	m := a % b
	if m < 0 {
		if b < 0 {
			m -= b
		} else {
			m += b
		}
	}
	return m
}

// TruncDiv is a / b truncated toward zero, wrapping on MinInt64 / -1; b
// must be non-zero.
func TruncDiv(a, b int64) int64 {
	if b == -1 {
		return -a // wraps for MinInt64
	}
	return a / b
}
