package sim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// drawConfig draws a run configuration for a program with components a and
// b[3] (broadcastSrc) or the hashset example.
func drawConfig(t *rapid.T, nodes []string) Config {
	cfg := Config{Seed: rapid.Uint64().Draw(t, "seed")}
	switch rapid.IntRange(0, 2).Draw(t, "dist") {
	case 0:
		d := Distribution{Kind: DelayUniform, Max: rapid.Int64Range(1, 6).Draw(t, "max")}
		cfg.Delay = &d
	case 1:
		d := Distribution{Kind: DelayGeometric, P: rapid.Float64Range(0.2, 1).Draw(t, "p")}
		cfg.Delay = &d
	case 2:
		d := Distribution{Kind: DelayHold, P: rapid.Float64Range(0, 1).Draw(t, "p"), Hold: rapid.Int64Range(2, 15).Draw(t, "hold")}
		cfg.Delay = &d
	}
	spec := ""
	if rapid.Bool().Draw(t, "omission") {
		spec += fmt.Sprintf("omission random f=1 p=%.2f until=%d;", rapid.Float64Range(0, 1).Draw(t, "lossp"), rapid.IntRange(0, 40).Draw(t, "until"))
	}
	if rapid.Bool().Draw(t, "crash") {
		spec += fmt.Sprintf("crash %s at=%d;", rapid.SampledFrom(nodes).Draw(t, "crashed"), rapid.IntRange(0, 30).Draw(t, "at"))
	}
	if rapid.Bool().Draw(t, "dup") {
		spec += fmt.Sprintf("duplicate p=%.2f until=30;", rapid.Float64Range(0, 1).Draw(t, "dupp"))
	}
	if rapid.Bool().Draw(t, "partition") {
		from := rapid.IntRange(0, 20).Draw(t, "from")
		spec += fmt.Sprintf("partition %s | %s from=%d to=%d", nodes[0], nodes[1], from, from+rapid.IntRange(1, 20).Draw(t, "len"))
	}
	plan, err := ParseFaultPlan(spec)
	if err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	cfg.Faults = plan
	if rapid.Bool().Draw(t, "idle") {
		cfg.Idle = IdleTicks{P: 0.5, PerNode: 2, MaxGap: 4}
	}
	return cfg
}

// Replaying a recorded schedule reproduces the trace byte for byte.
func TestPropertyReplayReproducesTrace(t *testing.T) {
	hashset := loadProgram(t, "corpus/hashset/base.ded", "")
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawConfig(t, []string{"leader[0]", "storage[0]", "storage[1]", "storage[2]"})
		cfg.Closed = &ClosedLoop{Clients: rapid.IntRange(1, 3).Draw(t, "clients"), Requests: rapid.IntRange(0, 5).Draw(t, "requests")}
		res, err := Run(hashset, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := ParseSchedule("s", res.Schedule.String())
		if err != nil {
			t.Fatal(err)
		}
		again, err := Replay(hashset, sched)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(res.Trace.String(), again.Trace.String()); d != "" {
			t.Fatalf("replay differs:\n%s", d)
		}
	})
}

// Message events respect causality: a message is delivered strictly after
// it was sent, never to a crashed node, and every send has exactly one fate
// per copy (delivery or drop), linked by its id.
func TestPropertyDeliveryRespectsSendTimeAndCrashes(t *testing.T) {
	prog := loadProgram(t, "broadcast.ded", broadcastSrc)
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawConfig(t, []string{"a[0]", "b[0]", "b[1]", "b[2]"})
		n := rapid.IntRange(1, 6).Draw(t, "inputs")
		for i := 0; i < n; i++ {
			cfg.Workload = append(cfg.Workload, InputEvent{Time: int64(rapid.IntRange(0, 30).Draw(t, "at")), Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(int64(i))}}, Node: value.Addr{Comp: "a"}})
		}
		cfg.Workload.Sort()
		res, err := Run(prog, cfg)
		if err != nil {
			t.Fatal(err)
		}
		crashedAt := map[value.Addr]int64{}
		sent := map[int64]Event{}
		fates := map[int64]int{}
		for _, e := range res.Trace.Events {
			switch e.Kind {
			case EvCrash:
				crashedAt[e.Node] = e.Time
			case EvSend:
				sent[e.Msg] = e
			case EvDeliver:
				s, ok := sent[e.Msg]
				if !ok {
					t.Fatalf("m%d delivered but never sent", e.Msg)
				}
				if e.Time <= s.Time || e.SentAt != s.Time {
					t.Fatalf("m%d sent at %d delivered at %d", e.Msg, s.Time, e.Time)
				}
				if at, ok := crashedAt[e.Node]; ok && at <= e.Time {
					t.Fatalf("m%d delivered at %d to %s, crashed at %d", e.Msg, e.Time, e.Node, at)
				}
				fates[e.Msg]++
			case EvDrop:
				fates[e.Msg]++
			case EvTick:
				if at, ok := crashedAt[e.Node]; ok && at <= e.Time {
					t.Fatalf("%s ticked at %d after crashing at %d", e.Node, e.Time, at)
				}
			}
		}
		for id, s := range sent {
			want := 1
			if s.DupAt > 0 {
				want = 2
			}
			if fates[id] != want {
				t.Fatalf("m%d has %d fates, want %d", id, fates[id], want)
			}
		}
	})
}

// For a monotone program (§3.2, CALM), every fault-free schedule gives the
// same set of outputs.
func TestPropertyMonotoneOutputsIndependentOfSchedule(t *testing.T) {
	prog := loadProgram(t, "broadcast.ded", broadcastSrc)
	w, err := ParseWorkload("w", "@0 in(1) -> a[0]\n@0 in(2) -> a[0]\n@3 in(3) -> a[0]\n")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Run(prog, Config{Workload: w})
	if err != nil {
		t.Fatal(err)
	}
	want := ref.History.OutputFacts()
	if len(want) != 9 {
		t.Fatalf("reference run has %d outputs, want 9", len(want))
	}
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawConfig(t, []string{"a[0]", "b[0]"})
		cfg.Faults = FaultPlan{}
		cfg.Workload = w
		res, err := Run(prog, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, res.History.OutputFacts()); d != "" {
			t.Fatalf("outputs differ:\n%s", d)
		}
	})
}

// Every corpus program run twice (and replayed) gives byte-identical traces.
func TestCorpusDeterminism(t *testing.T) {
	progs := corpus.Programs()
	if len(progs) == 0 {
		t.Fatal("no corpus programs")
	}
	plan, _ := ParseFaultPlan("omission random f=1 p=0.3 until=40; duplicate p=0.1 until=40")
	for _, name := range progs {
		t.Run(name, func(t *testing.T) {
			prog := loadProgram(t, name, "")
			for seed := uint64(1); seed <= 3; seed++ {
				w, err := GenerateOpenLoop(prog, nil, seed, OpenLoop{Requests: 4, MaxGap: 2})
				if err != nil {
					t.Fatal(err)
				}
				for _, faults := range []FaultPlan{{}, plan} {
					cfg := Config{Seed: seed, Workload: w, Faults: faults, Limits: Limits{MaxTime: 500}}
					if _, err := CheckDeterminism(prog, cfg); err != nil {
						t.Fatalf("seed %d faults %q: %v", seed, faults, err)
					}
				}
			}
		})
	}
}

// §2.1 running example: with distinct hash buckets every value is certified
// with 0 collisions, under every seed and delay.
func TestHashsetCertifiesEveryValue(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	// Four values in four different buckets, sent once each: no collision,
	// so every value is certified with 0 collisions whatever the order.
	var vals []int64
	buckets := map[int64]bool{}
	for v := int64(1); len(vals) < 4; v++ {
		if b := eval.Hash(value.Int(v)).I % 8; !buckets[b] {
			buckets[b] = true
			vals = append(vals, v)
		}
	}
	var want []string
	for _, v := range vals {
		want = append(want, fmt.Sprintf("certificate(%d, 0)", v))
	}
	slices.Sort(want)
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	for seed := uint64(0); seed < uint64(seeds); seed++ {
		d := Distribution{Kind: DelayHold, P: 0.3, Hold: 10}
		if seed%2 == 0 {
			d = DefaultDistribution
		}
		res, err := Run(prog, Config{Seed: seed, Delay: &d, Closed: &ClosedLoop{Clients: 2, Requests: 4,
			Values: ValueDomains{{Rel: "in", Col: 0, Values: vals}}, Repeats: Repeats{Duplicate: -1, Retry: -1}}, Trace: TraceOptions{Off: true}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stop.Reason != Quiescent {
			t.Fatalf("seed %d: %s", seed, res.Stop.Message)
		}
		var got []string
		for _, f := range res.History.OutputFacts() {
			got = append(got, f.String())
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d (values %v):\n%s", seed, vals, d)
		}
	}
}

// With more values than buckets, collision counts depend on arrival order:
// each value is either certified or reported inconsistent, never both
// (the invariant), and across seeds both outcomes occur.
func TestHashsetCollisionsDependOnOrder(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	var w Workload
	for v := int64(1); v <= 12; v++ {
		w = append(w, InputEvent{Time: v % 3, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(v)}}, Node: value.Addr{Comp: "leader"}})
	}
	w.Sort()
	sawInconsistent := false
	for seed := uint64(0); seed < 100; seed++ {
		res, err := Run(prog, Config{Seed: seed, Workload: w, Trace: TraceOptions{Off: true}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stop.Reason != Quiescent {
			t.Fatalf("seed %d: %s", seed, res.Stop.Message)
		}
		answered := map[int64]int{}
		for _, f := range res.History.OutputFacts() {
			answered[f.Tuple[0].I]++
			if f.Rel == "inconsistent" {
				sawInconsistent = true
			}
		}
		for v := int64(1); v <= 12; v++ {
			if answered[v] != 1 {
				t.Fatalf("seed %d: value %d has %d answers, want exactly one: %v", seed, v, answered[v], res.History.OutputFacts())
			}
		}
	}
	if !sawInconsistent {
		t.Fatal("no seed reported an inconsistency: reordering never changed a collision count")
	}
}

// Duplicated deliveries can make a storage node ack twice with different
// counts: the invariant bad_cert_and_inconsistent is then reachable, and a
// violation stops the run with the trace up to it.
func TestHashsetViolationUnderDuplication(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	var w Workload
	for v := int64(1); v <= 12; v++ {
		w = append(w, InputEvent{Time: v, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(v)}}, Node: value.Addr{Comp: "leader"}})
	}
	plan, _ := ParseFaultPlan("duplicate p=0.5 until=100")
	for seed := uint64(0); seed < 300; seed++ {
		d := Distribution{Kind: DelayHold, P: 0.5, Hold: 20}
		res, err := Run(prog, Config{Seed: seed, Workload: w, Faults: plan, Delay: &d})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stop.Reason == Violation {
			last := res.Trace.Events[len(res.Trace.Events)-1]
			if last.Kind != EvViolation || !slices.ContainsFunc(res.Violations, func(v ViolationReport) bool { return v.Fact.Rel == "bad_cert_and_inconsistent" }) {
				t.Fatalf("seed %d: violation not at the end of the trace: %s", seed, last.Describe())
			}
			return
		}
	}
	t.Skip("no seed in 0..299 reached the violation (possible but unlikely)")
}
