package sim

import (
	"github.com/dsim-project/dsim/semantics/analysis"
)

// Spec describes a batch of seeded runs of one program: the world every
// run lives in (instance counts, faults, delays, limits) and how each
// run's workload is made. ExploreOptions and checker.Options embed it, so
// that exploration and the refinement checker read the same fields the
// same way; RunConfig turns it into run i's Config.
//
// The seed rule (one for every command): run i of a batch with base seed
// Seed uses seed RunSeed(Seed, i) = Seed+i, for its workload and for its
// schedule's choices. A single run (`dsim run --seed S`) is run 0 of a
// batch with base seed S, and a reproducer's seed is its run seed.
//
// The workload of every run is the fixed Workload, plus Open open-loop
// inputs generated from the run's seed (GenerateOpenLoop), plus Closed
// closed-loop requests from Clients clients (ClosedLoop).
type Spec struct {
	Seed   uint64         // base seed: run i uses RunSeed(Seed, i)
	Counts map[string]int // instance counts overriding the program's (e.g. storage=5)
	Faults FaultPlan
	Delay  *Distribution // nil: DefaultDistribution
	Limits Limits

	Workload Workload // fixed inputs of every run

	Open    int // open-loop inputs generated from each run's seed
	Closed  int // closed-loop requests per run
	Clients int // clients of the generated inputs (default 1)
	// MaxGap bounds the gaps between open-loop inputs (OpenLoop.MaxGap).
	MaxGap int64
	// Values and Repeats shape generated contents (OpenLoop, ClosedLoop).
	Values  ValueDomains
	Repeats Repeats
	// Sequential generates open-loop inputs as before value domains
	// (OpenLoop.Sequential), for tests calibrated on them.
	Sequential bool
}

// RunSeed is the seed of run i of a batch with base seed base: base+i.
// Neighbouring seeds give unrelated runs: the world's generators are PCGs
// keyed by the seed (world.go), not streams one step apart.
func RunSeed(base uint64, i int) uint64 { return base + uint64(i) }

// OpenLoop is the open-loop generator of the spec's runs, or nil when
// Open == 0.
func (s *Spec) OpenLoop() *OpenLoop {
	if s.Open <= 0 {
		return nil
	}
	return &OpenLoop{Requests: s.Open, MaxGap: s.MaxGap, Clients: max(s.Clients, 1), Values: s.Values, Repeats: s.Repeats, Sequential: s.Sequential}
}

// ClosedLoop is the closed-loop clients of the spec's runs, or nil when
// Closed == 0.
func (s *Spec) ClosedLoop() *ClosedLoop {
	if s.Closed <= 0 {
		return nil
	}
	return &ClosedLoop{Clients: max(s.Clients, 1), Requests: s.Closed, Values: s.Values, Repeats: s.Repeats}
}

// RunConfig is the configuration of run i of the batch: its seed
// (RunSeed), the spec's world, and its workload. The trace is on; callers
// that need none set Config.Trace.Off.
func (s *Spec) RunConfig(prog *analysis.Program, i int) (Config, error) {
	seed := RunSeed(s.Seed, i)
	cfg := Config{Seed: seed, Counts: s.Counts, Faults: s.Faults, Delay: s.Delay, Limits: s.Limits, Workload: s.Workload, Closed: s.ClosedLoop()}
	if ol := s.OpenLoop(); ol != nil {
		w, err := GenerateOpenLoop(prog, s.Counts, seed, *ol)
		if err != nil {
			return cfg, err
		}
		if len(s.Workload) > 0 {
			w = append(append(Workload(nil), s.Workload...), w...)
			w.Sort()
		}
		cfg.Workload = w
	}
	return cfg, nil
}
