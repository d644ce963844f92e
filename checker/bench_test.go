package checker

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// BenchmarkCheck2PC measures one schedule's verdict for corpus/2pc/scalable.ded
// against corpus/2pc/base.ded (run the rewrite, search, verify the witness)
// with omission faults, for 1, 2, 4, 5 and 8 requests. It reports the
// median time per verdict and the original's states explored per second.
func BenchmarkCheck2PC(b *testing.B) {
	orig, rew := load(b, "corpus/2pc/base.ded"), load(b, "corpus/2pc/scalable.ded")
	faults, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []int{1, 2, 4, 5, 8} {
		b.Run(fmt.Sprintf("requests=%d", k), func(b *testing.B) {
			var times []time.Duration
			states := 0
			var total time.Duration
			unknown := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rep, err := Check(orig, rew, Options{Runs: 1, Spec: sim.Spec{Seed: uint64(i), Faults: faults, Open: k}, NoShrink: true})
				d := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict == NotEquivalent {
					b.Fatalf("%s", rep.Text(SavedFiles{}))
				}
				if rep.Verdict == Unknown {
					unknown++
				}
				times = append(times, d)
				total += d
				states += rep.States()
			}
			b.ReportMetric(float64(median(times).Microseconds())/1000, "ms/verdict(median)")
			b.ReportMetric(float64(states)/total.Seconds(), "states/s")
			b.ReportMetric(float64(unknown)/float64(b.N), "unknown/op")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

// BenchmarkCheckSearch measures the exhaustive search behind a
// NotEquivalent verdict: the shipped mutant 2pc-voter-no-log against
// corpus/2pc/base.ded, seed 1, one request, no shrinking. Every branch of
// the original must be refuted, so this is the search's raw speed; it
// reports distinct states of the original memoised per second.
func BenchmarkCheckSearch(b *testing.B) {
	orig, rew := load(b, "corpus/2pc/base.ded"), loadFile(b, "testdata/mutants/2pc-voter-no-log.ded")
	states := 0
	var total time.Duration
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rep, err := Check(orig, rew, Options{Runs: 1, Spec: sim.Spec{Seed: 1, Open: 1}, NoShrink: true, MaxStates: 100000, NoResume: *benchNoResume})
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Verdict != NotEquivalent {
			b.Fatalf("want NotEquivalent, got %s", rep.Text(SavedFiles{}))
		}
		states += rep.States()
	}
	b.ReportMetric(float64(states)/float64(b.N), "states/op")
	b.ReportMetric(float64(states)/total.Seconds(), "states/s")
	// The machine is shared: CPU seconds of this process (GC included)
	// are a steadier denominator than the wall clock.
	b.ReportMetric(float64(states)/(cpuTime()-cpu0).Seconds(), "states/cpu-s")
}

var benchNoResume = flag.Bool("bench-noresume", false, "BenchmarkCheckSearch: the reference search (Options.NoResume), for before/after figures")

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadFile loads a program from a file of the checker's testdata.
func loadFile(t testing.TB, name string) *analysis.Program {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

// BenchmarkCheckPaxos measures one checked run of corpus/paxos/scalable.ded
// against corpus/paxos/base.ded (docs/PERFORMANCE.md, "Paxos"): run i of
// the benchmark checks seed i, fault-free, 3 open-loop inputs, at the
// horizon 100 the corpus tests use and at the default 2000. It reports the
// median and mean time per checked run (the mean includes the runs the
// refinement map does not explain) and the fraction Unknown.
func BenchmarkCheckPaxos(b *testing.B) {
	orig, rew := load(b, "corpus/paxos/base.ded"), load(b, "corpus/paxos/scalable.ded")
	for _, horizon := range []int64{100, 2000} {
		b.Run(fmt.Sprintf("horizon=%d", horizon), func(b *testing.B) {
			var times []time.Duration
			var total time.Duration
			unknown := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rep, err := Check(orig, rew, Options{Runs: 1, Spec: sim.Spec{Seed: uint64(i), Open: 3, Limits: sim.Limits{MaxTime: horizon}}, NoShrink: true})
				d := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict == NotEquivalent {
					b.Fatalf("%s", rep.Text(SavedFiles{}))
				}
				if rep.Verdict == Unknown {
					unknown++
				}
				times = append(times, d)
				total += d
			}
			b.ReportMetric(float64(median(times).Microseconds())/1000, "ms/run(median)")
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/run(mean)")
			b.ReportMetric(float64(unknown)/float64(b.N), "unknown/op")
		})
	}
}
