package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
)

// coordDelivery is what tick i (from 1) of the 2PC coordinator's
// sequence delivers, as realnet's pipelined clients keep it busy: request
// i, the three participants' votes on request i-1 ("no" from one of them
// on every seventh), and their acknowledgements of request i-3's commit.
func coordDelivery(i int) []value.Fact {
	part := func(k int) value.Addr { return value.Addr{Comp: "participant", Instance: k} }
	in := []value.Fact{fact("request", i, i)}
	if i > 1 {
		for k := range 3 {
			d := "yes"
			if (i-1)%7 == 0 && k == 1 {
				d = "no"
			}
			in = append(in, fact("vote", part(k), i-1, d))
		}
	}
	if i > 3 && (i-3)%7 != 0 {
		for k := range 3 {
			in = append(in, fact("ack", part(k), i-3))
		}
	}
	return in
}

// coordDeliveryShuffled is coordDelivery with transactions finishing out
// of order, as realnet's 64 clients make them: request i arrives at tick
// i, but the votes and acknowledgements of the requests of each block of
// eight come in the block's own shuffled order, eight and eleven ticks
// behind, so a decided id lands among the last ones rather than after
// them (the maintained allYes and allAcked gain rows in the middle).
func coordDeliveryShuffled(i int) []value.Fact {
	part := func(k int) value.Addr { return value.Addr{Comp: "participant", Instance: k} }
	perm := [8]int{3, 0, 6, 1, 7, 4, 2, 5}
	shuffled := func(j int) int { return j/8*8 + perm[j%8] + 1 } // j >= 0: request j+1's slot
	in := []value.Fact{fact("request", i, i)}
	if j := i - 9; j >= 0 {
		id := shuffled(j)
		for k := range 3 {
			d := "yes"
			if id%7 == 0 && k == 1 {
				d = "no"
			}
			in = append(in, fact("vote", part(k), id, d))
		}
	}
	if j := i - 12; j >= 0 {
		if id := shuffled(j); id%7 != 0 {
			for k := range 3 {
				in = append(in, fact("ack", part(k), id))
			}
		}
	}
	return in
}

// BenchmarkTickSequence2PC times the corpus's 2PC coordinator along its
// own sequence (coordDelivery) at tick 100 and tick 10,000, when it has
// decided ~10,000 transactions and holds their votes, acknowledgements
// and log records (~70,000 facts). again: each of the two States ticked
// again and again (as BenchmarkTickSequence does; ratio is tick 10,000's
// ns over tick 100's); next/N: the node's own ticks from tick N on, every
// State ticked once. A tick that costs what changed has a ratio near 1.
func BenchmarkTickSequence2PC(b *testing.B) {
	src, err := os.ReadFile("../../corpus/2pc/base.ded")
	if err != nil {
		b.Fatal(err)
	}
	ev, err := Compile(load(b, string(src)))
	if err != nil {
		b.Fatal(err)
	}
	node := node0("coordinator")
	at := []int{100, 10_000}
	var sts []*State // built once, for every sub-benchmark and run
	states := func(b *testing.B) []*State {
		if sts == nil {
			sts = statesBefore(b, ev, node, coordDelivery, at...)
		}
		return sts
	}
	b.Run("again", func(b *testing.B) {
		sts := states(b)
		var spent, cpu [2]time.Duration
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			for k, st := range sts {
				t0, c0 := time.Now(), cpuTime()
				if _, err := ev.Tick(node, Input{State: st, Delivered: coordDelivery(at[k])}, nil, Limits{}); err != nil {
					b.Fatal(err)
				}
				spent[k] += time.Since(t0)
				cpu[k] += cpuTime() - c0
			}
		}
		b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "ns/tick100")
		b.ReportMetric(float64(spent[1].Nanoseconds())/float64(b.N), "ns/tick10000")
		b.ReportMetric(float64(spent[1])/float64(spent[0]), "ratio")
		b.ReportMetric(float64(cpu[0].Nanoseconds())/float64(b.N), "cpu-ns/tick100")
		b.ReportMetric(float64(cpu[1].Nanoseconds())/float64(b.N), "cpu-ns/tick10000")
	})
	next := func(b *testing.B, cur *State, n int, deliver func(int) []value.Fact) {
		var cpu time.Duration
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			c0 := cpuTime()
			res, err := ev.Tick(node, Input{State: cur, Delivered: deliver(n + i)}, nil, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - c0
			cur = res.State
		}
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/tick")
	}
	for k, n := range at {
		b.Run(fmt.Sprintf("next/%d", n), func(b *testing.B) { next(b, states(b)[k], n, coordDelivery) })
	}
	// shuffled/10000: the same at tick 10,000 of coordDeliveryShuffled,
	// where decided ids land among the last ones (realnet's shape).
	b.Run("shuffled/next/10000", func(b *testing.B) {
		next(b, statesBefore(b, ev, node, coordDeliveryShuffled, 10_000)[0], 10_000, coordDeliveryShuffled)
	})
}
