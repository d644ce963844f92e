package sim

import (
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

var memRuns = flag.Int("memruns", 0, "run TestMemoryFlat with this many runs (e.g. 10000)")

func benchRuns(b *testing.B, name, src string, cfg Config) {
	prog := loadProgram(b, name, src)
	if cfg.Evaluator == nil && cfg.tick == nil {
		// One evaluator for all runs, as Explore and the checker hold one.
		ev, err := eval.Compile(prog)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Evaluator = ev
	}
	deliveries, runs := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		cfg.Seed = uint64(i)
		res, err := Run(prog, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if res.Stop.Reason != Quiescent {
			b.Fatalf("seed %d: %s", i, res.Stop.Message)
		}
		deliveries += res.Deliveries
		runs++
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(deliveries)/sec, "deliveries/s")
	// CPU time beside wall time: the machine the figures come from is shared.
	b.ReportMetric(float64(deliveries)/(cpuTime()-cpu0).Seconds(), "deliveries/cpu-s")
	b.ReportMetric(float64(runs)/sec, "runs/s")
	b.ReportMetric(float64(deliveries)/float64(runs), "deliveries/run")
}

func twoPCSource(b testing.TB) string {
	src, err := os.ReadFile("testdata/2pc.ded")
	if err != nil {
		b.Fatal(err)
	}
	return string(src)
}

// BenchmarkHashset: the running example, 5 requests from 2 closed-loop
// clients, to quiescence.
func BenchmarkHashset(b *testing.B) {
	for _, traced := range []bool{false, true} {
		name := "trace=off"
		if traced {
			name = "trace=on"
		}
		b.Run(name, func(b *testing.B) {
			benchRuns(b, "corpus/hashset/base.ded", "", Config{Closed: &ClosedLoop{Clients: 2, Requests: 5}, Trace: TraceOptions{Off: !traced}})
		})
	}
}

// Benchmark2PC: 1 coordinator, 3 participants, 5 requests, to quiescence.
func Benchmark2PC(b *testing.B) {
	for _, traced := range []bool{false, true} {
		name := "trace=off"
		if traced {
			name = "trace=on"
		}
		b.Run(name, func(b *testing.B) {
			benchRuns(b, "2pc.ded", twoPCSource(b), Config{Closed: &ClosedLoop{Clients: 5, Requests: 5}, Trace: TraceOptions{Off: !traced}})
		})
	}
	// The GC target every dsim command runs at (cmd/dsim's
	// defaultGCPercent, 400), so that the figure the simulator's goal is
	// read against is measured as dsim runs it, beside Go's default above.
	b.Run("trace=off/gc=400", func(b *testing.B) {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
		benchRuns(b, "2pc.ded", twoPCSource(b), Config{Closed: &ClosedLoop{Clients: 5, Requests: 5}, Trace: TraceOptions{Off: true}})
	})
}

// TestMemoryFlat runs many complete worlds and checks that the live heap
// does not grow with the number of runs (no state leaks between runs).
// Enable with -memruns=10000.
func TestMemoryFlat(t *testing.T) {
	if *memRuns == 0 {
		t.Skip("enable with -memruns=N")
	}
	prog := loadProgram(t, "2pc.ded", twoPCSource(t))
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	run := func(from, n int) {
		for i := from; i < from+n; i++ {
			if _, err := Run(prog, Config{Seed: uint64(i), Closed: &ClosedLoop{Clients: 5, Requests: 5}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(0, 100) // warm up
	before := heap()
	run(100, *memRuns)
	after := heap()
	t.Logf("HeapAlloc after warm-up %d KiB, after %d more runs %d KiB", before/1024, *memRuns, after/1024)
	if after > before+4<<20 {
		t.Fatalf("heap grew by %d KiB over %d runs", (after-before)/1024, *memRuns)
	}
}

// relayTick stands in for eval.Tick to measure the world alone: every
// delivered fact (rel, n) with n > 0 is forwarded as (rel, n-1) to the next
// node in a ring of b instances.
func relayTick(_ *analysis.Program, node eval.Node, in eval.Input, _ eval.Choices, _ eval.Limits) (*eval.Result, error) {
	res := &eval.Result{}
	n := node.Topology.Counts["b"]
	for _, f := range in.Delivered {
		if v := f.Tuple[0].I; v > 0 {
			next := value.Addr{Comp: "b", Instance: (node.Addr.Instance + 1) % n}
			if node.Addr.Comp == "a" {
				next.Instance = int(v) % n
			}
			res.Sends = append(res.Sends, eval.Message{To: next, Fact: value.Fact{Rel: "fwd", Tuple: value.Tuple{value.Int(v - 1)}}})
		}
	}
	return res, nil
}

// BenchmarkWorldOnly measures the simulator's own cost per delivery (event
// queue, oracle, trace), with eval.Tick replaced by relayTick: 20 inputs
// each relayed 100 hops.
func BenchmarkWorldOnly(b *testing.B) {
	prog := loadProgram(b, "broadcast.ded", broadcastSrc)
	var w Workload
	for i := 0; i < 20; i++ {
		w = append(w, InputEvent{Time: int64(i), Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(100)}}, Node: value.Addr{Comp: "a"}})
	}
	for _, traced := range []bool{false, true} {
		name := "trace=off"
		if traced {
			name = "trace=on"
		}
		b.Run(name, func(b *testing.B) {
			deliveries := 0
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := Run(prog, Config{Seed: uint64(i), Workload: w, Trace: TraceOptions{Off: !traced}, tick: relayTick})
				if err != nil {
					b.Fatal(err)
				}
				deliveries += res.Deliveries
			}
			b.ReportMetric(float64(deliveries)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkEnumerate2PC measures the exhaustive enumeration of Base2PC
// over one input (delays 1..3, fault-free; with one faulty node): distinct
// states and runs covered per second of wall time.
func BenchmarkEnumerate2PC(b *testing.B) {
	prog := loadProgram(b, "corpus/2pc/base.ded", "")
	for _, faults := range []string{"", "omission random f=1 p=0.3 until=20"} {
		plan, err := ParseFaultPlan(faults)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("faults="+plan.String(), func(b *testing.B) {
			spec := Spec{Seed: 1, Open: 1, Faults: plan}
			cfg, err := spec.RunConfig(prog, 0)
			if err != nil {
				b.Fatal(err)
			}
			cfg.Trace.Off = true
			var states, covered float64
			for i := 0; i < b.N; i++ {
				rep, err := Enumerate(context.Background(), prog, cfg, EnumerateOptions{MaxDelay: 3})
				if err != nil || !rep.Complete {
					b.Fatalf("%v %+v", err, rep)
				}
				states += float64(rep.States)
				covered += float64(rep.Covered)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(states/sec, "states/s")
			b.ReportMetric(covered/sec, "schedules/s")
			b.ReportMetric(states/float64(b.N), "states/op")
		})
	}
}
