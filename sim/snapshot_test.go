package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// snapSrc exercises what a snapshot must copy: timers with jitter, a
// choose() choice, carried state, messages to three nodes and outputs.
const snapSrc = `
.decl fwd(v: int, w: int)
component a {
  .input in(v: int, w: int)
  .timer tick 4 jitter 1
  .persist seen
  seen(v, w) :- in(v, w).
  best(v, choose(w)) :- seen(v, w).
  fwd@x(v, w) :~ best(v, w), tick(n), b(x).
}
component b[3] {
  .output got(v: int, w: int, at: addr)
  .persist have
  have(v, w) :- fwd(v, w).
  got(v, w, me) :- have(v, w), self(me).
}
`

// scriptedDecide makes decisions as a function of the choice's position
// in the run and a seed: the same seed and position, the same decision,
// whichever world (fresh or resumed) asks. From position flip on it draws
// from seed2 instead: a branch that diverges from the first run there.
type scriptedDecide struct {
	seed, seed2 uint64
	flip        int
	n           int // choices decided so far (including the snapshot's prefix)
}

func (d *scriptedDecide) decide(c *Choice) error {
	seed := d.seed
	if d.n >= d.flip {
		seed = d.seed2
	}
	r := rand.New(rand.NewPCG(seed, uint64(d.n)))
	d.n++
	switch c.Kind {
	case ChoiceSend:
		c.Delay = 1 + r.Int64N(3)
	case ChoiceOutput:
		c.Delay = 1 + r.Int64N(2)
	case ChoiceChoose, ChoiceFaulty:
		c.Pick = r.IntN(c.N)
	case ChoiceOrder:
		c.Perm = r.Perm(c.N)
	case ChoiceJitter:
		c.Delay = r.Int64N(3) - 1
	}
	return nil
}

type momentLog struct {
	times []int64
	fps   []Fingerprint
	snaps []*Snapshot
	pos   []int // choices decided before each moment
}

// TestResumeMatchesFromScratch is the differential test of snapshots: for
// random programs' runs, a random moment and a random divergence point
// after it, resuming the snapshot of that moment with the diverging
// decisions gives the same moment fingerprints and the same schedule as
// running the diverging decisions from time 0. It also checks, at every
// moment, that the incremental fingerprint equals one recomputed from
// scratch.
func TestResumeMatchesFromScratch(t *testing.T) {
	progs := []struct {
		name, src string
		faults    string
	}{
		{"snap", snapSrc, "omission random f=1 p=0.3 until=20"},
		{"corpus/2pc/base.ded", "", ""},
		{"corpus/hashset/base.ded", "", ""},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, p := range progs {
		prog := loadProgram(t, p.name, p.src)
		var plan FaultPlan
		if p.faults != "" {
			var err error
			if plan, err = ParseFaultPlan(p.faults); err != nil {
				t.Fatal(err)
			}
		}
		for trial := 0; trial < 12; trial++ {
			wl, err := GenerateOpenLoop(prog, nil, uint64(trial), OpenLoop{Requests: 3, MaxGap: 3})
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{Workload: wl, Faults: plan, Limits: Limits{MaxTime: 60}, Trace: TraceOptions{Off: true}}
			run := func(d *scriptedDecide, log *momentLog, from *Snapshot, snapAll bool, cache ...bool) *Result {
				step := func(m Moment) error {
					f := m.Fingerprint()
					if full := m.fullFingerprint(); full != f {
						t.Fatalf("%s: incremental fingerprint %s != recomputed %s at time %d", p.name, f, full, m.Now())
					}
					log.times = append(log.times, m.Now())
					log.fps = append(log.fps, f)
					log.pos = append(log.pos, d.n)
					if snapAll {
						log.snaps = append(log.snaps, m.Snapshot())
					}
					return nil
				}
				var res *Result
				var err error
				if from != nil {
					res, err = Resume(from, d.decide, step)
				} else {
					c := cfg
					c.Decide, c.Step = d.decide, step
					if len(cache) == 0 || cache[0] {
						c.TickCache = NewTickCache(64)
					}
					res, err = Run(prog, c)
				}
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			seed := rng.Uint64()
			var first momentLog
			d1 := &scriptedDecide{seed: seed, flip: 1 << 30}
			run(d1, &first, nil, true)
			if len(first.snaps) < 2 {
				t.Fatalf("%s: only %d moments", p.name, len(first.snaps))
			}
			k := rng.IntN(len(first.snaps))
			flip := first.pos[k] + rng.IntN(d1.n-first.pos[k]+1)
			seed2 := rng.Uint64()
			var scratch, resumed momentLog
			want := run(&scriptedDecide{seed: seed, seed2: seed2, flip: flip}, &scratch, nil, false)
			got := run(&scriptedDecide{seed: seed, seed2: seed2, flip: flip, n: first.pos[k]}, &resumed, first.snaps[k], false)
			// The resumed run starts after moment k (its Step call was made).
			if !slices.Equal(scratch.times[k+1:], resumed.times) || !slices.Equal(scratch.fps[k+1:], resumed.fps) {
				t.Fatalf("%s trial %d: resumed at moment %d (time %d), diverging at choice %d: moments differ\nscratch %v\nresumed %v",
					p.name, trial, k, first.times[k], flip, scratch.times[k+1:], resumed.times)
			}
			// The tick cache changes nothing either.
			var nocache momentLog
			plain := run(&scriptedDecide{seed: seed, seed2: seed2, flip: flip}, &nocache, nil, false, false)
			if !slices.Equal(scratch.fps, nocache.fps) || plain.Schedule.String() != want.Schedule.String() {
				t.Fatalf("%s trial %d: the run with the tick cache differs from the run without", p.name, trial)
			}
			if a, b := want.Schedule.String(), got.Schedule.String(); a != b {
				t.Fatalf("%s trial %d: schedules differ:\n%s\nvs\n%s", p.name, trial, a, b)
			}
			if a, b := fmt.Sprint(want.History), fmt.Sprint(got.History); a != b {
				t.Fatalf("%s trial %d: histories differ:\n%s\nvs\n%s", p.name, trial, a, b)
			}
			if want.Ticks != got.Ticks || want.Messages != got.Messages || want.Stop != got.Stop {
				t.Fatalf("%s trial %d: counters differ: %d/%d ticks, %d/%d messages, %v/%v", p.name, trial, want.Ticks, got.Ticks, want.Messages, got.Messages, want.Stop, got.Stop)
			}
		}
	}
}

// TestSnapshotUnchangedByResume: resuming a snapshot twice with the same
// decisions gives the same run (a resumption does not modify it), and a
// fresh world's fingerprint does not depend on message ids.
func TestSnapshotUnchangedByResume(t *testing.T) {
	prog := loadProgram(t, "snap", snapSrc)
	wl := Workload{{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1), value.Int(2)}}, Node: value.Addr{Comp: "a"}},
		{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1), value.Int(3)}}, Node: value.Addr{Comp: "a"}}}
	var snap *Snapshot
	d := &scriptedDecide{seed: 3, flip: 1 << 30}
	_, err := Run(prog, Config{Workload: wl, Limits: Limits{MaxTime: 30}, Decide: d.decide, Step: func(m Moment) error {
		if m.Now() >= 4 && snap == nil {
			snap = m.Snapshot()
		}
		return nil
	}})
	if err != nil || snap == nil {
		t.Fatal(err, snap)
	}
	var scheds []string
	for i := 0; i < 2; i++ {
		d := &scriptedDecide{seed: 3, seed2: 11, flip: 0}
		res, err := Resume(snap, d.decide, func(Moment) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, res.Schedule.String())
	}
	if scheds[0] != scheds[1] {
		t.Fatalf("a snapshot resumed twice gave different runs:\n%s\nvs\n%s", scheds[0], scheds[1])
	}
}

// TestExploreContextCanceled: a canceled exploration runs no further
// batch and says why.
func TestExploreContextCanceled(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := ExploreContext(ctx, prog, ExploreOptions{Runs: 50, Spec: Spec{Closed: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 0 || !strings.Contains(rep.Canceled, "canceled after 0 of 50 runs") {
		t.Fatalf("got %d runs, Canceled %q", rep.Runs, rep.Canceled)
	}
	rep, err = Explore(prog, ExploreOptions{Runs: 5, Spec: Spec{Closed: 2}})
	if err != nil || rep.Runs != 5 || rep.Canceled != "" {
		t.Fatalf("uncanceled: %v, %+v", err, rep)
	}
}
