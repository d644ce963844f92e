package dsimtest

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// FuzzSchedules runs run 0 of spec (its seed, world and workload, as
// sim.Spec.RunConfig makes them) with every oracle decision taken from the
// fuzzer's bytes, and fails when a run violates an invariant. Use it as
// the body of a fuzz target:
//
//	func FuzzMyProtocol(f *testing.F) {
//		dsimtest.FuzzSchedules(f, dsimtest.Load(f, "proto.ded"), sim.Spec{Closed: 3, Clients: 2, Faults: plan})
//	}
//
// Every byte string is a valid schedule (see decider): `go test` replays
// the seed corpus and the failures the fuzzer saved under
// testdata/fuzz/, and `go test -fuzz FuzzMyProtocol` searches. A failure
// prints the run's schedule, which `dsim replay PROG FILE` replays.
//
// The workload is the spec's: its fixed Workload, Open inputs generated
// from spec.Seed, and Closed closed-loop requests from Clients clients.
// A closed-loop client's requests come from the seeded generator, as in
// a run without the fuzzer (the bytes decide when they are answered, so
// when the next is sent); the bytes decide everything else.
func FuzzSchedules(f *testing.F, prog *analysis.Program, spec sim.Spec) {
	f.Helper()
	cfg, err := spec.RunConfig(prog, 0)
	if err != nil {
		f.Fatalf("dsimtest: %v", err)
	}
	f.Add([]byte{})                       // the tamest run: every delay 1, nothing lost
	f.Add([]byte{0xff, 0x80, 0x01, 0x7f}) // some delays, a loss where the plan allows one
	f.Fuzz(func(t *testing.T, data []byte) {
		c := cfg
		c.Trace = sim.TraceOptions{Off: true}
		c.Decide = decider(data, maxDelay(c.Delay))
		res, err := sim.Run(prog, c)
		if err != nil {
			t.Fatalf("dsimtest: %v", err)
		}
		if len(res.Violations) > 0 {
			var b strings.Builder
			for _, v := range res.Violations {
				b.WriteString("  " + v.Fact.String() + " at " + v.Node.String() + "\n")
			}
			t.Fatalf("dsimtest: invariant violated:\n%sschedule (dsim replay PROG FILE replays it):\n%s", b.String(), res.Schedule.String())
		}
	})
}

// maxDelay is the largest delay the fuzzer may choose: the distribution's
// bound (uniform's maximum, hold's hold), at least 1.
func maxDelay(d *sim.Distribution) int64 {
	dist := sim.DefaultDistribution
	if d != nil {
		dist = *d
	}
	switch dist.Kind {
	case sim.DelayUniform:
		return max(1, dist.Max)
	case sim.DelayHold:
		return max(1, dist.Hold)
	}
	return 8
}

// decider takes each decision from the next bytes of data, and once data
// is used up, the tamest one (delay 1, no loss, no duplicate, the first
// candidate, the identity order), so that any byte string decides a whole
// run. A closed-loop request is left to the seed (sim.ErrUseSeed). A loss or duplicate is chosen only where the fault plan gives the
// message a non-zero probability of it; timer jitter and idle ticks are
// not injected.
func decider(data []byte, maxDelay int64) sim.DecideFunc {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	delay := func() int64 { return 1 + int64(next())%maxDelay }
	return func(c *sim.Choice) error {
		switch c.Kind {
		case sim.ChoiceSend:
			b := next()
			c.Delay, c.Drop, c.Dup = 1+int64(b>>2)%maxDelay, c.LossP > 0 && b&1 == 1, 0
			if c.DupP > 0 && b&2 == 2 {
				c.Dup = delay()
			}
		case sim.ChoiceOutput:
			c.Delay = delay()
		case sim.ChoiceRequest:
			return sim.ErrUseSeed
		case sim.ChoiceJitter, sim.ChoiceIdle:
			c.Delay = 0
		case sim.ChoiceChoose, sim.ChoiceFaulty:
			c.Pick = 0
			if c.N > 0 {
				c.Pick = next() % c.N
			}
		case sim.ChoiceOrder:
			c.Perm = make([]int, c.N)
			for i := range c.Perm {
				c.Perm[i] = i
			}
			for i := c.N - 1; i > 0; i-- { // Fisher-Yates from the bytes
				j := next() % (i + 1)
				c.Perm[i], c.Perm[j] = c.Perm[j], c.Perm[i]
			}
		}
		return nil
	}
}
