package reach

import (
	"math"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// maxExact is the largest number of value pairs an operation on two
// finite sets computes one by one (with the evaluator's own wrapping
// arithmetic) instead of on their hulls.
const maxExact = 64

// arith applies the arithmetic op to a and b. Finite sets are computed
// exactly; intervals with int64 bounds by interval arithmetic, giving the
// full int range wherever a bound may leave int64 (the evaluator wraps).
// An operand with a widened bound gives a widened result only where the
// magnitude grows by at most a constant (+, - with a finite other
// operand) or not at all (*, by an operand within [0, 1]; /; %): grow is
// told that constant, for the bounded-growth argument (growth.go). Every
// other case gives the full int range.
func arith(op analysis.TermOp, a, b Abs, grow func(uint64)) Abs {
	if a.k == kBot || b.k == kBot {
		return Bot
	}
	if a.k == kSet && b.k == kSet && allInts(a.vals) && allInts(b.vals) && len(a.vals)*len(b.vals) <= maxExact {
		var out []value.Value
		for _, x := range a.vals {
			for _, y := range b.vals {
				if v, ok := concreteArith(op, x.I, y.I); ok {
					out = append(out, value.Int(v))
				}
			}
		}
		return setOf(out)
	}
	x, okx := a.asInt()
	y, oky := b.asInt()
	if !okx || !oky {
		// Top, or sets without an int: the types say these are ints, so
		// any int.
		if a.k == kTop || b.k == kTop {
			return anyInt
		}
		return Bot
	}
	switch op {
	case analysis.TermAdd, analysis.TermSub:
		if x.infinite() && y.infinite() {
			return anyInt
		}
		if x.infinite() || y.infinite() {
			f := x
			if x.infinite() {
				f = y
			}
			grow(mag(f))
		}
		if op == analysis.TermSub {
			return subInt(x, y)
		}
		return addInt(x, y)
	case analysis.TermMul:
		if x.infinite() || y.infinite() {
			g, f := x, y
			if y.infinite() {
				g, f = y, x
			}
			if f.infinite() || f.lo < 0 || f.hi > 1 {
				return anyInt
			}
			// f within [0, 1]: the product lies between 0 and g.
			return Join(Abs{k: kInt, lo: min(g.lo, 0), hi: max(g.hi, 0), loInf: g.loInf, hiInf: g.hiInf}, Const(value.Int(0)))
		}
		return mulInt(x, y)
	case analysis.TermDiv:
		return divInt(x, y)
	case analysis.TermMod:
		return modInt(x, y)
	}
	return anyInt
}

// concreteArith is the evaluator's arithmetic (semantics/eval: wrapping,
// truncated division, Euclidean remainder); ok is false when the row is
// dropped (division or remainder by zero).
func concreteArith(op analysis.TermOp, a, b int64) (int64, bool) {
	switch op {
	case analysis.TermAdd:
		return a + b, true
	case analysis.TermSub:
		return a - b, true
	case analysis.TermMul:
		return a * b, true
	case analysis.TermDiv:
		if b == 0 {
			return 0, false
		}
		return value.TruncDiv(a, b), true
	case analysis.TermMod:
		if b == 0 {
			return 0, false
		}
		return value.EuclidMod(a, b), true
	}
	return 0, false
}

// mag is the largest magnitude of a finite interval.
func mag(a Abs) uint64 { return max(absU(a.lo), absU(a.hi)) }

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

func addOv(a, b int64) (int64, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func subOv(a, b int64) (int64, bool) {
	s := a - b
	return s, (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0)
}

func mulOv(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, false
	}
	p := a * b
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) || p/b != a {
		return p, true
	}
	return p, false
}

func addInt(x, y Abs) Abs {
	r := Abs{k: kInt, loInf: x.loInf || y.loInf, hiInf: x.hiInf || y.hiInf}
	var ov1, ov2 bool
	if !r.loInf {
		r.lo, ov1 = addOv(x.lo, y.lo)
	}
	if !r.hiInf {
		r.hi, ov2 = addOv(x.hi, y.hi)
	}
	return settle(r, ov1 || ov2)
}

func subInt(x, y Abs) Abs {
	r := Abs{k: kInt, loInf: x.loInf || y.hiInf, hiInf: x.hiInf || y.loInf}
	var ov1, ov2 bool
	if !r.loInf {
		r.lo, ov1 = subOv(x.lo, y.hi)
	}
	if !r.hiInf {
		r.hi, ov2 = subOv(x.hi, y.lo)
	}
	return settle(r, ov1 || ov2)
}

// settle is r, or the full int range when a finite bound overflowed: a
// concrete result may then have wrapped anywhere. With a widened operand
// (r has a widened bound) an overflowing finite bound is mathematical, not
// wrapped (growth.go rules out wrapping), so the bound is widened instead.
func settle(r Abs, overflow bool) Abs {
	if !overflow {
		return r
	}
	if r.infinite() {
		return Abs{k: kInt, loInf: true, hiInf: true}
	}
	return anyInt
}

func mulInt(x, y Abs) Abs {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, a := range []int64{x.lo, x.hi} {
		for _, b := range []int64{y.lo, y.hi} {
			p, ov := mulOv(a, b)
			if ov {
				return anyInt
			}
			lo, hi = min(lo, p), max(hi, p)
		}
	}
	return Range(lo, hi)
}

func divInt(x, y Abs) Abs {
	if !y.infinite() && y.lo == 0 && y.hi == 0 {
		return Bot
	}
	if !x.infinite() && x.lo == math.MinInt64 && y.Contains(value.Int(-1)) {
		return anyInt // MinInt64 / -1 wraps
	}
	if x.lo >= 0 && !x.loInf && !y.loInf && y.lo >= 1 {
		r := Abs{k: kInt, lo: 0, hi: 0, hiInf: x.hiInf}
		if !y.hiInf {
			r.lo = x.lo / y.hi
		}
		if !x.hiInf {
			r.hi = x.hi / y.lo
		}
		return r
	}
	// |x / y| <= |x| for y != 0.
	if x.infinite() {
		return Abs{k: kInt, loInf: true, hiInf: true}
	}
	m := int64(min(mag(x), math.MaxInt64))
	return Range(-m, m)
}

func modInt(x, y Abs) Abs {
	if !y.infinite() && y.lo == 0 && y.hi == 0 {
		return Bot
	}
	if y.infinite() {
		// [0, |y|): as large as y, never larger.
		return Abs{k: kInt, lo: 0, hiInf: true}
	}
	m := mag(y) // the remainder is below |y| <= m
	if !x.infinite() && x.lo >= 0 && y.lo > 0 && x.hi < y.lo {
		return x
	}
	return Range(0, int64(min(m-1, math.MaxInt64)))
}
