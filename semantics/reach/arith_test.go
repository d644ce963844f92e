package reach

import (
	"math"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"pgregory.net/rapid"
)

// genInt draws ints near 0 and near the int64 limits, where wrapping is.
func genInt(t *rapid.T, label string) int64 {
	switch rapid.IntRange(0, 3).Draw(t, label+"kind") {
	case 0:
		return rapid.Int64Range(math.MaxInt64-40, math.MaxInt64).Draw(t, label)
	case 1:
		return rapid.Int64Range(math.MinInt64, math.MinInt64+40).Draw(t, label)
	case 2:
		return rapid.Int64().Draw(t, label)
	}
	return rapid.Int64Range(-40, 40).Draw(t, label)
}

// genAbs draws a finite set or interval of ints and a member of it.
func genAbs(t *rapid.T, label string) (Abs, int64) {
	if rapid.Bool().Draw(t, label+"set") {
		n := rapid.IntRange(1, 5).Draw(t, label+"n")
		vs := make([]value.Value, n)
		for i := range vs {
			vs[i] = value.Int(genInt(t, label))
		}
		pick := vs[rapid.IntRange(0, n-1).Draw(t, label+"pick")].I
		return setOf(vs), pick
	}
	a, b := genInt(t, label+"lo"), genInt(t, label+"hi")
	lo, hi := min(a, b), max(a, b)
	var v int64
	switch rapid.IntRange(0, 2).Draw(t, label+"at") {
	case 0:
		v = lo
	case 1:
		v = hi
	default:
		v = lo + int64(rapid.Uint64Range(0, uint64(hi)-uint64(lo)).Draw(t, label+"off"))
	}
	return Range(lo, hi), v
}

// TestArithSound: for finite abstractions, the evaluator's result on
// members lies in the abstract result (wrapping included), and a dropped
// row (division by zero) is the only way to have none.
func TestArithSound(t *testing.T) {
	ops := []analysis.TermOp{analysis.TermAdd, analysis.TermSub, analysis.TermMul, analysis.TermDiv, analysis.TermMod}
	rapid.Check(t, func(t *rapid.T) {
		op := ops[rapid.IntRange(0, len(ops)-1).Draw(t, "op")]
		a, x := genAbs(t, "a")
		b, y := genAbs(t, "b")
		got := arith(op, a, b, func(uint64) { t.Fatalf("growth reported for finite operands") })
		v, ok := concreteArith(op, x, y)
		if ok && !got.Contains(value.Int(v)) {
			t.Fatalf("op %d: %d, %d -> %d, outside %s (of %s, %s)", op, x, y, v, got, a, b)
		}
	})
}
