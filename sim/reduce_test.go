package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReduce: the reducer finds a smallest failing value for a monotone
// predicate, counts its attempts, stops at the bound, and never accepts a
// candidate that is not smaller.
func TestReduce(t *testing.T) {
	// Values are sets of ints; a set "fails" when it holds 3 and 7.
	drop := ReduceStep[[]int]{Name: "drop", Propose: func(xs []int) [][]int {
		var out [][]int
		for _, r := range chunks(len(xs)) {
			out = append(out, slices.Concat(xs[:r[0]], xs[r[1]:]))
		}
		return out
	}}
	size := func(xs []int) int { return len(xs) }
	calls := 0
	fails := func(xs []int) ([]int, bool) {
		calls++
		return xs, slices.Contains(xs, 3) && slices.Contains(xs, 7)
	}
	start := []int{1, 2, 3, 4, 5, 6, 7, 8}
	got, stats := Reduce(start, size, []ReduceStep[[]int]{drop}, fails, 100)
	assert.Equal(t, []int{3, 7}, got)
	assert.Equal(t, calls, stats.Attempts)
	assert.False(t, stats.Exhausted)
	assert.Equal(t, 8, stats.SizeBefore)
	assert.Equal(t, 2, stats.SizeAfter)
	assert.NotEmpty(t, stats.Accepted)

	calls = 0
	got, stats = Reduce(start, size, []ReduceStep[[]int]{drop}, fails, 3)
	assert.True(t, stats.Exhausted)
	assert.Equal(t, 3, stats.Attempts)
	assert.Equal(t, 3, calls)
	assert.Less(t, len(got), len(start)+1)

	// A value stillFails hands back no smaller than the current one (here:
	// grown past it) is never accepted.
	grow := func(xs []int) ([]int, bool) { return append(slices.Clone(xs), make([]int, 8)...), true }
	got, stats = Reduce(start, size, []ReduceStep[[]int]{drop}, grow, 100)
	assert.Equal(t, start, got)
	assert.Empty(t, stats.Accepted)
}
