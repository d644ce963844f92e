package sim

import (
	"math"
	"strings"
	"testing"
)

// Hostile inputs: programs and options at the edges of their ranges must
// end with a result or an error, never a panic or a hang.

// TestTimerAtTheEdgeOfTime runs timers whose period and jitter are as
// large as a hand-built program can make them (the parser refuses more
// than syntax.MaxTimerSpan): firing times must not wrap around 64 bits,
// and the jitter draw must not panic.
func TestTimerAtTheEdgeOfTime(t *testing.T) {
	for _, tc := range []struct {
		name           string
		period, jitter int64
	}{
		{"huge period and jitter", math.MaxInt64, math.MaxInt64},
		{"huge jitter", 1, math.MaxInt64},
		{"huge period", math.MaxInt64 / 3, 0},
		{"negative jitter", 5, -7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog := loadProgram(t, "timer.ded", ".timer t 10\nseen(n) :- t(n).\n")
			for _, r := range prog.Relations {
				if r.Timer != nil {
					r.Timer.Period, r.Timer.Jitter = tc.period, tc.jitter
				}
			}
			res, err := Run(prog, Config{Limits: Limits{MaxTime: math.MaxInt64, MaxTicks: 50}, Trace: TraceOptions{Off: true}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stop.Bounded() && res.Stop.Reason != TickLimit {
				t.Fatalf("unexpected stop: %s", res.Stop.Message)
			}
		})
	}
}

// TestTickLimitMessagesNameTheirBound checks that each per-tick bound is
// reported with advice that fits it: raising Limits.MaxFacts only for
// MaxFacts (cmd/dsim turns that into --max-facts).
func TestTickLimitMessagesNameTheirBound(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, not string
		bound                Bound
	}{
		{"endless recursion in a tick", "s(0).\ns(y) :- s(x), y = x + 1, (y < 100000000).\n", "MaxIterations", "Limits.MaxFacts", NoBound},
		{"too many facts", "n(2000).\nv(i, j) :- n(x), less_than(i, x), less_than(j, x).\n", "raise Limits.MaxFacts", "MaxIterations", BoundMaxFacts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog := loadProgram(t, "limit.ded", tc.src)
			res, err := Run(prog, Config{Trace: TraceOptions{Off: true}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stop.Reason != FactLimit {
				t.Fatalf("stop %v (%s), want FactLimit", res.Stop.Reason, res.Stop.Message)
			}
			if !strings.Contains(res.Stop.Message, tc.want) || strings.Contains(res.Stop.Message, tc.not) {
				t.Fatalf("message %q: want %q and not %q", res.Stop.Message, tc.want, tc.not)
			}
			if res.Stop.Bound != tc.bound {
				t.Fatalf("bound %v, want %v", res.Stop.Bound, tc.bound)
			}
		})
	}
}
