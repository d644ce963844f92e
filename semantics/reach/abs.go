// Package reach computes a may-derive analysis: a sound over-approximation
// of every fact a program can derive in any run on given inputs, under any
// schedule and any faults (docs/CHECKING.md, "Proving an output
// impossible: the may-derive analysis"). Time and place are ignored: every
// message may be delivered, every :+ and @ rule may fire, and every
// negated literal may be true. Each relation is abstracted by one abstract
// tuple per source (each rule deriving it, the client inputs, the static
// facts, a timer), each column of which is a finite set of values, an
// integer interval, or any value (Abs).
//
// The checker uses it to prove that an output of a rewritten run is one no
// run of the original can emit.
package reach

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// MaxSet is the largest finite set of values a column keeps; a larger one
// becomes its integer hull (ints) or any value (strings, addresses).
const MaxSet = 16

type absKind uint8

const (
	kBot absKind = iota // no value
	kSet                // one of vals
	kInt                // an int in [lo, hi] (a bound widened away when loInf/hiInf)
	kTop                // any value
)

// Abs is the abstraction of one column or variable: the set of values it
// may hold.
//
// An interval's bounds are mathematical: loInf (hiInf) says the lower
// (upper) bound was widened away by the fixpoint, which is sound only
// under the bounded-growth argument of growth.go; every other interval
// lies inside int64, and an operation whose result may leave int64 (where
// the evaluator wraps) gives the full int range instead.
type Abs struct {
	k            absKind
	vals         []value.Value // kSet: sorted, distinct, 1..MaxSet values
	lo, hi       int64
	loInf, hiInf bool
}

// Bot is the empty abstraction; Top holds every value.
var (
	Bot = Abs{k: kBot}
	Top = Abs{k: kTop}
)

// hugeBound: a finite bound at least this large in magnitude (2^62) is
// treated as no bound where it meets a widened one (Meet).
const hugeBound = int64(1) << 62

// anyInt is every int64, a finite interval (it stands for wrapped results).
var anyInt = Abs{k: kInt, lo: math.MinInt64, hi: math.MaxInt64}

// Const is the abstraction holding exactly v.
func Const(v value.Value) Abs { return Abs{k: kSet, vals: []value.Value{v}} }

// Range is the interval [lo, hi] (lo <= hi).
func Range(lo, hi int64) Abs { return Abs{k: kInt, lo: lo, hi: hi} }

func setOf(vs []value.Value) Abs {
	if len(vs) == 0 {
		return Bot
	}
	slices.SortFunc(vs, value.Value.Compare)
	vs = slices.CompactFunc(vs, func(a, b value.Value) bool { return a == b })
	if len(vs) <= MaxSet {
		return Abs{k: kSet, vals: vs}
	}
	return hull(vs)
}

// hull is the smallest interval holding the ints vs, or Top when one is
// not an int.
func hull(vs []value.Value) Abs {
	a := Abs{k: kInt, lo: math.MaxInt64, hi: math.MinInt64}
	for _, v := range vs {
		if v.K != value.KindInt {
			return Top
		}
		a.lo, a.hi = min(a.lo, v.I), max(a.hi, v.I)
	}
	return a
}

// IsBot reports whether a holds no value.
func (a Abs) IsBot() bool { return a.k == kBot }

// Contains reports whether v may be a value of a.
func (a Abs) Contains(v value.Value) bool {
	switch a.k {
	case kSet:
		_, ok := slices.BinarySearchFunc(a.vals, v, value.Value.Compare)
		return ok
	case kInt:
		return v.K == value.KindInt && (a.loInf || v.I >= a.lo) && (a.hiInf || v.I <= a.hi)
	case kTop:
		return true
	}
	return false
}

// asInt views a as an interval over ints (non-int values dropped); ok is
// false when a is Top or holds no int.
func (a Abs) asInt() (Abs, bool) {
	switch a.k {
	case kInt:
		return a, true
	case kSet:
		var ints []value.Value
		for _, v := range a.vals {
			if v.K == value.KindInt {
				ints = append(ints, v)
			}
		}
		if len(ints) == 0 {
			return Bot, false
		}
		return hull(ints), true
	}
	return a, false
}

// Join is the least upper bound.
func Join(a, b Abs) Abs {
	switch {
	case a.k == kBot:
		return b
	case b.k == kBot:
		return a
	case a.k == kTop || b.k == kTop:
		return Top
	case a.k == kSet && b.k == kSet:
		return setOf(append(slices.Clone(a.vals), b.vals...))
	}
	if (a.k == kSet && !allInts(a.vals)) || (b.k == kSet && !allInts(b.vals)) {
		return Top
	}
	x, _ := a.asInt()
	y, _ := b.asInt()
	return Abs{k: kInt, lo: min(x.lo, y.lo), hi: max(x.hi, y.hi), loInf: x.loInf || y.loInf, hiInf: x.hiInf || y.hiInf}
}

func allInts(vs []value.Value) bool {
	for _, v := range vs {
		if v.K != value.KindInt {
			return false
		}
	}
	return true
}

// Meet is the greatest lower bound: the values both may hold.
func Meet(a, b Abs) Abs {
	switch {
	case a.k == kBot || b.k == kBot:
		return Bot
	case a.k == kTop:
		return b
	case b.k == kTop:
		return a
	case a.k == kSet:
		return a.filter(b.Contains)
	case b.k == kSet:
		return b.filter(a.Contains)
	}
	r := Abs{k: kInt, lo: max(a.lo, b.lo), hi: min(a.hi, b.hi), loInf: a.loInf && b.loInf, hiInf: a.hiInf && b.hiInf}
	// A widened bound met with a finite one takes the finite one, unless
	// that is huge (the int64 limits of a full range, or near them): the
	// widened side then stays widened, a superset of the meet, so that a
	// filter against a full range does not turn a counter's values into a
	// finite seed of huge magnitude (growth.go).
	if a.loInf && !b.loInf {
		r.lo, r.loInf = b.lo, b.lo <= -hugeBound
	} else if b.loInf && !a.loInf {
		r.lo, r.loInf = a.lo, a.lo <= -hugeBound
	}
	if a.hiInf && !b.hiInf {
		r.hi, r.hiInf = b.hi, b.hi >= hugeBound
	} else if b.hiInf && !a.hiInf {
		r.hi, r.hiInf = a.hi, a.hi >= hugeBound
	}
	if !r.loInf && !r.hiInf && r.lo > r.hi {
		return Bot
	}
	return r
}

// filter keeps the values of a set for which keep holds.
func (a Abs) filter(keep func(value.Value) bool) Abs {
	var out []value.Value
	for _, v := range a.vals {
		if keep(v) {
			out = append(out, v)
		}
	}
	return setOf(out)
}

// equal reports whether a and b are the same abstraction.
func (a Abs) equal(b Abs) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kSet:
		return slices.Equal(a.vals, b.vals)
	case kInt:
		return a.lo == b.lo && a.hi == b.hi && a.loInf == b.loInf && a.hiInf == b.hiInf
	}
	return true
}

// singleton returns the one value a holds, if it holds exactly one.
func (a Abs) singleton() (value.Value, bool) {
	if a.k == kSet && len(a.vals) == 1 {
		return a.vals[0], true
	}
	if a.k == kInt && !a.loInf && !a.hiInf && a.lo == a.hi {
		return value.Int(a.lo), true
	}
	return value.Value{}, false
}

// infinite reports whether a has a widened bound.
func (a Abs) infinite() bool { return a.k == kInt && (a.loInf || a.hiInf) }

// String describes a for a report: "one of {1, 2}", ">= 0", "in [0, 5]",
// "any value", "no value".
func (a Abs) String() string {
	switch a.k {
	case kBot:
		return "never derived"
	case kTop:
		return "any value"
	case kSet:
		if len(a.vals) == 1 {
			return "always " + a.vals[0].String()
		}
		parts := make([]string, len(a.vals))
		for i, v := range a.vals {
			parts[i] = v.String()
		}
		return "one of {" + strings.Join(parts, ", ") + "}"
	}
	switch {
	case a.loInf && a.hiInf:
		return "any int"
	case a.hiInf:
		return fmt.Sprintf(">= %d", a.lo)
	case a.loInf:
		return fmt.Sprintf("<= %d", a.hi)
	case a.lo == a.hi:
		return fmt.Sprintf("always %d", a.lo)
	case a.lo == math.MinInt64 && a.hi == math.MaxInt64:
		return "any int"
	case a.lo == math.MinInt64:
		return fmt.Sprintf("<= %d", a.hi)
	case a.hi == math.MaxInt64:
		return fmt.Sprintf(">= %d", a.lo)
	}
	return fmt.Sprintf("in [%d, %d]", a.lo, a.hi)
}
