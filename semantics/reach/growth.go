package reach

import "math"

// The bounded-growth argument. A counter such as nextSlot(s1) :+
// nextSlot(s), s1 = s + 1 makes an interval grow forever; the fixpoint
// widens it to [0, +inf). In the evaluator integers wrap, so an unbounded
// run would take s past MaxInt64 to a negative slot: the widened interval
// is sound only for runs too short to get there. Every run the checker
// speaks for is bounded (Bounds), and that is enough:
//
// Number the facts of a run in the order they are derived (n = 1, 2, ...;
// a run holds at most S of them, S from Bounds). Call a term over a
// widened operand a growth site; every site is an addition or subtraction
// whose other operand is finite, with magnitude at most c_site (any other
// operation over a widened operand either cannot grow the magnitude --
// *, by a factor within [0, 1]; /; % -- or gives the full int range, which
// is finite and sound even with wrapping; see arith). Let C be the sum of
// c_site over all sites and B the largest finite magnitude ever joined
// into a widened column. By induction on n, every value of fact n held by
// a widened column, or computed by a growth site, has magnitude at most
// B + n*C: it is a finite seed (<= B), a copy, min, max or choose of
// earlier such values, or one rule firing's sums of an earlier value with
// at most C in all. If B + S*C < MaxInt64 no growth site ever wraps, so
// each concrete value lies inside its mathematical interval: the
// abstraction is sound. If not, growthHolds fails and Analyse starts over
// widening to the int64 limits, which needs no argument.

// anyInfinite reports whether some column was widened to infinity.
func (an *analyser) anyInfinite() bool {
	for _, ss := range an.res.sources {
		for _, s := range ss {
			for _, a := range s.tuple {
				if a.infinite() {
					return true
				}
			}
		}
	}
	return false
}

// growthHolds checks B + S*C < MaxInt64 (saturating arithmetic).
func (an *analyser) growthHolds() bool {
	var b uint64
	for _, ss := range an.res.sources {
		for _, s := range ss {
			for i, a := range s.tuple {
				if a.infinite() {
					b = max(b, s.seeds[i])
				}
			}
		}
	}
	var c uint64
	for _, g := range an.growth {
		c = satAdd(c, g)
	}
	return satAdd(b, satMul(an.factBound(), c)) < math.MaxInt64
}

// factBound is S: the facts of a run within the bounds, over-counted:
// every tick's facts (twice MaxFacts, whether or not the facts a tick
// derives for the next one count toward its own bound), every message,
// every input, every timer firing (one tick each).
func (an *analyser) factBound() uint64 {
	b := an.b
	ticks := uint64(max(b.MaxTicks, 1))
	s := satMul(ticks, satMul(2, uint64(max(b.MaxFacts, 1))))
	s = satAdd(s, uint64(max(b.MaxMessages, 0)))
	s = satAdd(s, uint64(an.inputs))
	return satAdd(s, ticks)
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func satMul(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}
