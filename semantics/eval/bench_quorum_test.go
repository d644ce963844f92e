package eval

import (
	"testing"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
)

// BenchmarkTickQuorumSteady is quorum-10000's program (quorumSrc) in the
// state its own ticks reach, next to BenchmarkTickFromState/quorum-10000
// (kept as it is): that one starts from a NewState of 10,000 votes of
// which ~6,000 belong to transactions that already have a quorum, which
// the program's GC rule would have collected the tick they committed, so
// its tick collects and decides a large part of everything it holds.
// Here the State is made by a tick of the evaluator (its memos are
// there, as in a running node), holds 10,000 votes of 5,000 transactions
// with two votes each (below the quorum of 3), and the tick delivers a
// third vote to every fifteenth (333): 333 decided, 999 votes collected.
// The same State is ticked again and again (as the checker's snapshots
// are); cpu-ns/tick is process CPU per tick.
func BenchmarkTickQuorumSteady(b *testing.B) {
	ev, err := Compile(load(b, quorumSrc))
	if err != nil {
		b.Fatal(err)
	}
	node := node0("main")
	var fill []value.Fact
	for t := range 5000 {
		fill = append(fill, fact("vote", t, 0), fact("vote", t, 1))
	}
	res, err := ev.Tick(node, Input{Delivered: fill}, nil, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	st := res.State
	if n := len(st.Facts()["votes"]); n != 10_000 {
		b.Fatalf("the State holds %d votes, want 10,000", n)
	}
	var in []value.Fact
	for t := 0; t < 5000; t += 15 {
		in = append(in, fact("vote", t, 2))
	}
	decided := 0
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	t0 := time.Now()
	for range b.N {
		res, err := ev.Tick(node, Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		decided = len(res.Outputs)
	}
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/tick")
	b.ReportMetric(float64(time.Since(t0).Nanoseconds())/float64(b.N), "ns/tick")
	b.ReportMetric(float64(decided), "decided/tick")
}
