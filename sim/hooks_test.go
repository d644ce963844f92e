package sim

import (
	"errors"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// TestDecideHookPinsEveryChoice: a Decide hook that delivers every message
// after exactly d units makes the run's timing a function of d alone, and
// the recorded schedule replays it byte for byte.
func TestDecideHookPinsEveryChoice(t *testing.T) {
	prog := loadProgram(t, "broadcast", broadcastSrc)
	w := Workload{{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1)}}, Node: value.Addr{Comp: "a"}}}
	for _, d := range []int64{1, 4} {
		calls := 0
		res, err := Run(prog, Config{Seed: 99, Workload: w, Decide: func(c *Choice) error {
			calls++
			c.Delay = d
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if calls == 0 {
			t.Fatal("Decide was never called")
		}
		for _, o := range res.History.Outputs {
			// in at 0 -> a ticks at 0, sends; b ticks at d, emits; output arrives at 2d.
			if o.Time != 2*d {
				t.Errorf("delay %d: output %s at %d, want %d", d, o.Fact, o.Time, 2*d)
			}
		}
		again, err := Replay(prog, res.Schedule)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := res.Trace.String(), again.Trace.String(); a != b {
			t.Errorf("replay of a Decide-driven run differs:\n%s\nvs\n%s", a, b)
		}
	}
}

// TestDecideHookErrorStopsRun: an error from Decide is Run's error.
func TestDecideHookErrorStopsRun(t *testing.T) {
	prog := loadProgram(t, "broadcast", broadcastSrc)
	w := Workload{{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1)}}, Node: value.Addr{Comp: "a"}}}
	stop := errors.New("stop here")
	_, err := Run(prog, Config{Workload: w, Decide: func(c *Choice) error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want the hook's error", err)
	}
}

// TestStepHookHash: the Step hook sees increasing times; equal states at
// equal times hash alike across runs whatever the seed (message ids differ
// not), and a Step error stops the run.
func TestStepHookHash(t *testing.T) {
	prog := loadProgram(t, "broadcast", broadcastSrc)
	w := Workload{
		{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1)}}, Node: value.Addr{Comp: "a"}},
		{Time: 5, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(2)}}, Node: value.Addr{Comp: "a"}},
	}
	hashes := func(d int64) map[int64]uint64 {
		out := map[int64]uint64{}
		last := int64(-1)
		_, err := Run(prog, Config{Workload: w,
			Decide: func(c *Choice) error { c.Delay = d; return nil },
			Step: func(m Moment) error {
				if m.Now() <= last {
					t.Errorf("Step times not increasing: %d after %d", m.Now(), last)
				}
				last = m.Now()
				out[m.Now()] = m.Hash()
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := hashes(1), hashes(1), hashes(2)
	if len(a) == 0 {
		t.Fatal("Step never called")
	}
	for tm, h := range a {
		if b[tm] != h {
			t.Errorf("time %d: same run, different hashes", tm)
		}
	}
	// With delay 2 the messages of input 1 are still in flight at time 1.
	if a[0] != c[0] {
		t.Errorf("time 0: hashes differ before any delay matters")
	}
	if h, ok := c[2]; ok && a[2] == h {
		t.Errorf("time 2: different in-flight messages, same hash")
	}
	stop := errors.New("halt")
	if _, err := Run(prog, Config{Workload: w, Step: func(m Moment) error {
		if m.Now() >= 5 {
			return stop
		}
		return nil
	}}); !errors.Is(err, stop) {
		t.Fatalf("got %v, want the Step hook's error", err)
	}
}
