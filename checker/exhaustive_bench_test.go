package checker

import (
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// BenchmarkCheckExhaustive measures the exhaustive check of Scalable2PC
// against Base2PC over one input with delays 1..3 (fault-free, and with
// one faulty voter), and over two inputs (the key split applies),
// reporting the rewrite's distinct states and the schedules covered per
// second of wall time.
func BenchmarkCheckExhaustive(b *testing.B) {
	orig, rew := load(b, "corpus/2pc/base.ded"), load(b, "corpus/2pc/scalable.ded")
	for _, c := range []struct {
		name, faults string
		inputs       int
	}{
		{"fault-free", "", 1}, {"f=1", "omission random f=1 p=0.3 until=20", 1},
		{"2-inputs/fault-free", "", 2}, {"2-inputs/f=1", "omission random f=1 p=0.3 until=20", 2},
	} {
		plan, err := sim.ParseFaultPlan(c.faults)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			var states, schedules float64
			for i := 0; i < b.N; i++ {
				rep, err := Check(orig, rew, Options{Spec: sim.Spec{Seed: 1, Open: c.inputs, Faults: plan}, Exhaustive: true, MaxDelay: 3})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict != Equivalent {
					b.Fatalf("%s", rep.Text(SavedFiles{}))
				}
				states += float64(rep.Certificate.States)
				schedules += float64(rep.Certificate.Schedules)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(states/sec, "states/s")
			b.ReportMetric(schedules/sec, "schedules/s")
			b.ReportMetric(states/float64(b.N), "states/op")
		})
	}
}
