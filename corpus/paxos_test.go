package corpus_test

import (
	"flag"
	"fmt"
	"slices"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// Simulation tests of corpus/paxos (issue 13). The programs have timers, so
// runs never quiesce: every run stops at paxosHorizon. -long raises the
// seeds to the 1,000 per setting.

var long = flag.Bool("long", false, "run the Paxos sweeps over 1,000 seeds per setting (slow)")

// paxosHorizon: 15 heartbeat periods. A crashed leader is replaced after
// 3 missed periods (time 30..40), and every request is chosen by ~60.
const paxosHorizon = 150

// paxosRequests per run: 3 requests give a leader several slots in flight
// at once, which the recovery and hole behaviours below need.
const paxosRequests = 3

// paxosPrograms are the Paxos programs whose simulation properties must
// hold (comppaxos is safe too, so it is swept as well).
var paxosPrograms = []string{"paxos/base.ded", "paxos/comppaxos.ded", "paxos/scalable.ded"}

func paxosSeeds() int {
	switch {
	case *long:
		return 1000
	case testing.Short():
		return 10
	}
	return 30
}

func present(t *testing.T, path string) bool {
	t.Helper()
	return slices.Contains(programPaths(t), path)
}

// paxosSettings are the fault settings of the sweeps: none, general
// omission on one node (long enough to cover several heartbeat periods, so
// that followers time out and proposers compete), and a crashed leader at
// three points: before its phase 1 ends, with phase 2 in flight, and late.
var paxosSettings = []string{
	"",
	"omission random f=1 p=0.3 until=100",
	"crash proposer[0] at=2",
	"crash proposer[0] at=7",
	"crash proposer[0] at=40",
}

// TestPaxosExplore: no seed violates an invariant under any setting, and
// fault-free runs answer every request (sim.Explore's checks).
func TestPaxosExplore(t *testing.T) {
	for _, path := range paxosPrograms {
		if !present(t, path) {
			t.Logf("%s not in the corpus yet", path)
			continue
		}
		prog := loadProgram(t, path)
		for _, faults := range paxosSettings {
			t.Run(fmt.Sprintf("%s/%s", path, faults), func(t *testing.T) {
				plan, err := sim.ParseFaultPlan(faults)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := sim.Explore(prog, sim.ExploreOptions{
					Runs:     paxosSeeds(),
					Spec:     sim.Spec{Seed: 13, Faults: plan, Open: paxosRequests, MaxGap: 2, Limits: sim.Limits{MaxTime: paxosHorizon}},
					NoShrink: true,
				})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Failure != nil {
					t.Fatalf("run %d (seed %d): %s\nreproduce: dsim explore corpus/%s --runs %d --seed 13 --requests 0 --open %d --max-time %d --faults %q",
						rep.FailingRun, rep.FailingSeed, rep.Failure, path, paxosSeeds(), paxosRequests, paxosHorizon, faults)
				}
				if rep.Inconclusive > 0 {
					t.Fatalf("%d inconclusive runs: %s", rep.Inconclusive, rep.FirstInconclusive)
				}
			})
		}
	}
}

// TestPaxosCrashedLeaderAnswers: when proposer[0] crashes and the network
// is otherwise reliable, proposer[1] times out, wins phase 1, and every
// request that reached a live proposer (all of proposer[1]'s, and
// proposer[0]'s before the crash, which it forwarded) is chosen.
func TestPaxosCrashedLeaderAnswers(t *testing.T) {
	for _, path := range paxosPrograms {
		if !present(t, path) {
			continue
		}
		prog := loadProgram(t, path)
		for _, at := range []int64{2, 7, 40} {
			faults := fmt.Sprintf("crash proposer[0] at=%d", at)
			plan, err := sim.ParseFaultPlan(faults)
			if err != nil {
				t.Fatal(err)
			}
			for seed := uint64(1); seed <= uint64(paxosSeeds()/5); seed++ {
				w, err := sim.GenerateOpenLoop(prog, nil, seed, sim.OpenLoop{Requests: paxosRequests, MaxGap: 2})
				if err != nil {
					t.Fatal(err)
				}
				res, err := sim.Run(prog, sim.Config{Seed: seed, Workload: w, Faults: plan, Limits: sim.Limits{MaxTime: paxosHorizon}, Trace: sim.TraceOptions{Off: true}})
				if err != nil {
					t.Fatal(err)
				}
				var live sim.Workload
				for _, e := range w {
					if e.Node.Instance == 1 || e.Time < at {
						live = append(live, e)
					}
				}
				if missing := unanswered(live, res); len(missing) > 0 {
					t.Fatalf("%s seed %d, %s: requests %v never chosen\nworkload:\n%s\nreproduce: dsim run corpus/%s --seed %d --workload W --max-time %d --faults %q",
						path, seed, faults, missing, w, path, seed, paxosHorizon, faults)
				}
			}
		}
	}
}

// paxosBehaviour names what a trace shows about leadership.
type paxosBehaviour string

const (
	takeover    paxosBehaviour = "takeover"    // proposer[1] ran phase 1
	preemption  paxosBehaviour = "preemption"  // an acceptor answered a p2a with a higher ballot
	competition paxosBehaviour = "competition" // both proposers ran phase 1 after the start
	recovery    paxosBehaviour = "recovery"    // a new leader re-proposed a command another ballot proposed for the same slot
	holeFill    paxosBehaviour = "hole"        // a leader proposed a no-op
)

// behaviours lists what the trace of one run shows. It reads sent
// messages only, so it holds for base and rewrites alike (p2a's columns
// are n, p, slot, id, payload, sig; p2b's src, n, p, slot, bn, bp, ...).
func behaviours(tr *sim.Trace) map[paxosBehaviour]bool {
	got := map[paxosBehaviour]bool{}
	type slotCmd struct{ slot, id int64 }
	proposedBy := map[slotCmd]map[[2]int64]bool{} // (slot, id) -> ballots that proposed it
	p1aAfterStart := map[int64]bool{}             // proposer index -> ran phase 1 after time 0
	for _, e := range tr.Events {
		if e.Kind != sim.EvSend {
			continue
		}
		t := e.Fact.Tuple
		switch e.Fact.Rel {
		case "p1a":
			if t[1].I == 1 {
				got[takeover] = true
			}
			if e.Time > 0 {
				p1aAfterStart[t[1].I] = true
			}
		case "p2a":
			if t[3].I == 0 {
				got[holeFill] = true
			}
			k := slotCmd{t[2].I, t[3].I}
			b := [2]int64{t[0].I, t[1].I}
			if proposedBy[k] == nil {
				proposedBy[k] = map[[2]int64]bool{}
			}
			proposedBy[k][b] = true
			if len(proposedBy[k]) > 1 && t[3].I != 0 {
				got[recovery] = true
			}
		case "p2b":
			if t[4].I != t[1].I || t[5].I != t[2].I {
				got[preemption] = true
			}
		}
	}
	if p1aAfterStart[0] && p1aAfterStart[1] {
		got[competition] = true
	}
	return got
}

// behaviourSettings: the smallest settings (requests, fault plan) under
// which each behaviour shows up within the first seeds. Found by sweeping
// requests 1..3 and the fault plans of paxosSettings with
// TestPaxosBehaviours; see docs/CORPUS.md.
var behaviourSettings = []struct {
	want     paxosBehaviour
	requests int
	faults   string
	delay    string // "" for the default uniform:3
}{
	{takeover, 1, "crash proposer[0] at=2", ""},
	{recovery, 2, "crash proposer[0] at=12", ""},
	{holeFill, 3, "omission random f=1 p=0.3 until=100", "hold:0.3:12"},
	{preemption, 1, "omission random f=1 p=0.3 until=100", ""},
	{competition, 1, "omission random f=1 p=0.3 until=100", ""},
}

// TestPaxosBehaviours: the workloads of the sweeps above do make leaders
// change — a crashed leader is replaced, a new leader re-proposes what
// phase 1 learned and fills holes with no-ops, and under omission both
// proposers run phase 1 and a leader is preempted — so the invariants are
// exercised where Paxos is hard, not only under a stable leader.
func TestPaxosBehaviours(t *testing.T) {
	const maxSeeds = 200
	for _, path := range paxosPrograms {
		if !present(t, path) {
			continue
		}
		prog := loadProgram(t, path)
		for _, bs := range behaviourSettings {
			t.Run(fmt.Sprintf("%s/%s", path, bs.want), func(t *testing.T) {
				plan, err := sim.ParseFaultPlan(bs.faults)
				if err != nil {
					t.Fatal(err)
				}
				var delay *sim.Distribution
				if bs.delay != "" {
					d, err := sim.ParseDistribution(bs.delay)
					if err != nil {
						t.Fatal(err)
					}
					delay = &d
				}
				for seed := uint64(1); seed <= maxSeeds; seed++ {
					w, err := sim.GenerateOpenLoop(prog, nil, seed, sim.OpenLoop{Requests: bs.requests, MaxGap: 2})
					if err != nil {
						t.Fatal(err)
					}
					res, err := sim.Run(prog, sim.Config{Seed: seed, Workload: w, Faults: plan, Delay: delay, Limits: sim.Limits{MaxTime: paxosHorizon}})
					if err != nil {
						t.Fatal(err)
					}
					if behaviours(res.Trace)[bs.want] {
						t.Logf("%s first seen at seed %d (%d requests, %s, delay %q)", bs.want, seed, bs.requests, bs.faults, bs.delay)
						return
					}
				}
				t.Fatalf("no run of %d seeds shows %s (%d requests, faults %q)", maxSeeds, bs.want, bs.requests, bs.faults)
			})
		}
	}
}

// TestBehavioursDetector keeps TestPaxosBehaviours honest: a fault-free
// run under a stable leader shows none of the behaviours.
func TestBehavioursDetector(t *testing.T) {
	prog := loadProgram(t, "paxos/base.ded")
	w := sim.Workload{{Time: 0, Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(5)}}, Node: value.Addr{Comp: "proposer"}}}
	res, err := sim.Run(prog, sim.Config{Seed: 1, Workload: w, Limits: sim.Limits{MaxTime: paxosHorizon}})
	if err != nil {
		t.Fatal(err)
	}
	if got := behaviours(res.Trace); len(got) > 0 {
		t.Fatalf("stable-leader run shows %v", got)
	}
	if missing := unanswered(w, res); len(missing) > 0 {
		t.Fatalf("request never chosen under a stable leader")
	}
}
