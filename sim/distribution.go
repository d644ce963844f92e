package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// DelayKind names a delay distribution.
type DelayKind int

const (
	// DelayUniform draws a delay uniformly from 1..Max.
	DelayUniform DelayKind = iota
	// DelayGeometric draws 1 + the number of failures before the first
	// success of a coin with success probability P (a geometric tail),
	// capped at GeometricCap.
	DelayGeometric
	// DelayHold delivers most messages after 1 unit but holds each one,
	// with probability P, for a uniform delay in 2..Hold: a held message is
	// overtaken by the messages sent after it (adversarial reordering).
	DelayHold
)

// GeometricCap bounds a geometric delay so that every draw is finite.
const GeometricCap = 10_000

// Distribution is a named delay distribution. Its canonical text is
// uniform:MAX, geometric:P or hold:P:H; ParseDistribution reads it back.
type Distribution struct {
	Kind DelayKind
	Max  int64   // uniform: largest delay (>= 1)
	P    float64 // geometric: success probability; hold: hold probability
	Hold int64   // hold: largest held delay (>= 2)
}

// DefaultDistribution is uniform:3: every batching and reordering of
// messages sent close together has non-zero probability.
var DefaultDistribution = Distribution{Kind: DelayUniform, Max: 3}

func (d Distribution) String() string {
	switch d.Kind {
	case DelayGeometric:
		return "geometric:" + formatFloat(d.P)
	case DelayHold:
		return "hold:" + formatFloat(d.P) + ":" + strconv.FormatInt(d.Hold, 10)
	}
	return "uniform:" + strconv.FormatInt(d.Max, 10)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// draw returns a delay >= 1.
func (d Distribution) draw(r *rand.Rand) int64 {
	switch d.Kind {
	case DelayGeometric:
		if d.P >= 1 {
			return 1
		}
		// Inverse transform sampling of a geometric variable.
		u := r.Float64()
		k := int64(math.Floor(math.Log1p(-u) / math.Log1p(-d.P)))
		if k < 0 || k >= GeometricCap {
			k = GeometricCap - 1
		}
		return 1 + k
	case DelayHold:
		if r.Float64() < d.P {
			return 2 + r.Int64N(d.Hold-1)
		}
		return 1
	}
	return 1 + r.Int64N(d.Max)
}

// ParseDistribution reads uniform:MAX, geometric:P or hold:P:H (hold alone
// means hold:0.2:20).
func ParseDistribution(text string) (Distribution, error) {
	s, err := newScanner("delay distribution", 0, text)
	if err != nil {
		return Distribution{}, err
	}
	const hint = "write uniform:MAX (1..MAX), geometric:P (0<P<=1) or hold:P:H (hold with probability P up to H)"
	name, err := s.expectIdent("a distribution name", hint)
	if err != nil {
		return Distribution{}, err
	}
	var d Distribution
	switch name.text {
	case "uniform":
		d.Kind = DelayUniform
		if _, err := s.expectPunct(":", hint); err != nil {
			return d, err
		}
		n, t, err := s.expectInt("the largest delay", hint)
		if err != nil {
			return d, err
		}
		if n < 1 || n > 1<<40 {
			return d, s.errAt(t.col, "uniform bound must be between 1 and 2^40", hint)
		}
		d.Max = n
	case "geometric":
		d.Kind = DelayGeometric
		if _, err := s.expectPunct(":", hint); err != nil {
			return d, err
		}
		p, t, err := s.expectNumber("the success probability", hint)
		if err != nil {
			return d, err
		}
		if !(p > 0 && p <= 1) {
			return d, s.errAt(t.col, "geometric probability must be in (0, 1]", hint)
		}
		d.P = p
	case "hold":
		d.Kind = DelayHold
		d.P, d.Hold = 0.2, 20
		if s.atEOF() {
			return d, nil
		}
		if _, err := s.expectPunct(":", hint); err != nil {
			return d, err
		}
		p, t, err := s.expectNumber("the hold probability", hint)
		if err != nil {
			return d, err
		}
		if !(p >= 0 && p <= 1) {
			return d, s.errAt(t.col, "hold probability must be in [0, 1]", hint)
		}
		d.P = p
		if _, err := s.expectPunct(":", hint); err != nil {
			return d, err
		}
		h, ht, err := s.expectInt("the largest held delay", hint)
		if err != nil {
			return d, err
		}
		if h < 2 || h > 1<<40 {
			return d, s.errAt(ht.col, "held delay must be between 2 and 2^40", hint)
		}
		d.Hold = h
	default:
		return d, s.errAt(name.col, fmt.Sprintf("unknown distribution %q", name.text), hint)
	}
	if !s.atEOF() {
		t := s.peek()
		return d, s.errAt(t.col, "unexpected "+t.String()+" after the distribution", hint)
	}
	return d, nil
}
