package eval

import "github.com/dsim-project/dsim/semantics/value"

// Versions of a relation share their rows: a tick carries a State's rows
// into the next State as the same tuples (the same backing arrays), and a
// tuple is never modified once stored. So two rows with the same length
// and the same first element's address are equal without comparing
// values, and comparing two versions of a large relation row by row
// (diffSorted, the unions of sortedsets.go) can skip the rows they share
// at the cost of a pointer comparison each. Rows equal by value but
// stored apart (derived again, delivered twice) are still compared by
// value: identity only shortcuts, it never decides inequality.

// sameRow reports whether a and b are the very same stored tuple.
func sameRow(a, b value.Tuple) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// sharedPrefix returns how many leading rows a and b share by identity
// (sameRow), or all of the shorter when they share their backing array.
func sharedPrefix(a, b []value.Tuple) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	if &a[0] == &b[0] {
		return n // one array: the rows of both are the same slots
	}
	i := 0
	for i < n && sameRow(a[i], b[i]) {
		i++
	}
	return i
}
