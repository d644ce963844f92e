package sim

import (
	"slices"
	"testing"
)

func TestEachPermutationLexicographic(t *testing.T) {
	var got [][]int
	EachPermutation([]int{0, 1, 2}, 0, func(p []int) { got = append(got, slices.Clone(p)) })
	want := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	if !slices.EqualFunc(got, want, slices.Equal[[]int]) {
		t.Fatalf("got %v, want %v", got, want)
	}
	got = nil
	EachPermutation([]int{5, 0, 1}, 1, func(p []int) { got = append(got, slices.Clone(p)) })
	if want := [][]int{{5, 0, 1}, {5, 1, 0}}; !slices.EqualFunc(got, want, slices.Equal[[]int]) {
		t.Fatalf("with a fixed prefix: got %v, want %v", got, want)
	}
}
