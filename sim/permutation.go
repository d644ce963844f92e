package sim

import "slices"

// EachPermutation calls f with every permutation of p[k:] (p[:k] fixed),
// in lexicographic order when p starts sorted: the order in which the
// checker's search and the exhaustive enumeration try an index() choice.
// f must not keep p.
func EachPermutation(p []int, k int, f func([]int)) {
	if k >= len(p)-1 {
		f(p)
		return
	}
	for i := k; i < len(p); i++ {
		q := slices.Clone(p)
		v := q[i]
		copy(q[k+1:i+1], q[k:i])
		q[k] = v
		EachPermutation(q, k+1, f)
	}
}
