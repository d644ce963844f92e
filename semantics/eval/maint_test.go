package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestMaintainedRelations: which relations maint.go maintains, and that
// ticks from States with memos do take the delta path (so that the
// differential tests over seqMaintSrc and the vote programs cover it)
// and agree with Naive while they do.
func TestMaintainedRelations(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
	}{
		{seqMaintSrc, []string{"any", "big", "fresh", "full", "hk", "lonely", "ok", "out", "pair", "plus", "seen", "twice", "unflag", "wild"}},
		{seqVotesSrc, []string{"decided"}},
		{quorumSrc, []string{"committed", "decided"}},
		{seqNegKeySrc, []string{"noany", "nomid", "none", "noodd", "unseen"}},
	} {
		p := load(t, c.src)
		comp := p.Component("main")
		mp := planMaint(comp, planMemo(comp), func(r *analysis.Rule) bool { return asIncrAgg(r) != nil })
		var got []string
		for _, m := range mp.rels {
			got = append(got, m.rel)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("maintained relations: got %v, want %v", got, c.want)
		}
	}

	for _, src := range []string{seqMaintSrc, seqNegKeySrc} {
		p := load(t, src)
		ev, err := Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		ev.maintMin = 0
		node := node0("main")
		rng := rand.New(rand.NewPCG(7, 8))
		var st *State
		before := maintDeltaTicks.Load()
		for i := range 60 {
			in := randomInput(p, p.Component("main"), rng, rng.IntN(3)).Delivered
			res := tickMatchingNaive(t, ev, node, st, in, fmt.Sprintf("tick %d", i))
			if i > 0 && res.State.maint.Load() == nil {
				t.Fatalf("tick %d: the next State has no maintained memos", i)
			}
			st = res.State
		}
		if n := maintDeltaTicks.Load() - before; n < 60 {
			t.Fatalf("only %d relations were taken from a memo in 60 ticks", n)
		}
	}
}

// TestMaintPublishedConcurrently: ticks that start at once from a State
// without memos each work out its maintained values and publish them
// (one wins); all agree with a sequential tick and with Naive, and so do
// the ticks from the State after (run it with -race).
func TestMaintPublishedConcurrently(t *testing.T) {
	p := load(t, seqMaintSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev.maintMin = 0
	node := node0("main")
	rng := rand.New(rand.NewPCG(3, 4))
	var st *State
	for range 20 {
		res, err := ev.Tick(node, Input{State: st, Delivered: randomInput(p, p.Component("main"), rng, 2).Delivered}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		st = res.State
	}
	inputs := make([][]value.Fact, 8)
	for i := range inputs {
		inputs[i] = randomInput(p, p.Component("main"), rng, 2).Delivered
	}
	for round := range 2 { // round 0 publishes, round 1 uses the memos
		fresh, err := ev.NewState(st.Facts())
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r <= round; r++ {
			got := make([]*Result, len(inputs))
			errs := make([]error, len(inputs))
			var wg sync.WaitGroup
			for i := range inputs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = ev.Tick(node, Input{State: fresh, Delivered: inputs[i]}, nil, Limits{})
				}()
			}
			wg.Wait()
			for i := range inputs {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				ref, err := Naive(p, node, Input{Carried: st.Facts(), Delivered: inputs[i]}, nil, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(ref, got[i], resultOpt); d != "" {
					t.Fatalf("round %d input %d: Tick differs from Naive (-naive +tick):\n%s", r, i, d)
				}
			}
		}
		if fresh.maint.Load() == nil {
			t.Fatal("no tick published the State's maintained values")
		}
	}
}

// TestMaintThreshold: a node whose state grows past Evaluator.maintMin
// switches to maintained relations (building the memos on the way) and
// one that shrinks below it switches back, agreeing with Naive
// throughout.
func TestMaintThreshold(t *testing.T) {
	for _, c := range []struct {
		src    string
		wantOn bool // the state outgrows maintMin
	}{{seqVotesSrc, true}, {seqVotesGCSrc, false}, {seqMaintSrc, false}} {
		src := c.src
		p := load(t, src)
		ev, err := Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		ev.maintMin = 6
		node := node0("main")
		rng := rand.New(rand.NewPCG(5, 6))
		var st *State
		on := 0
		for i := range 80 {
			in := seqDelivery(i + 1)
			if src == seqMaintSrc {
				in = randomInput(p, p.Component("main"), rng, rng.IntN(3)).Delivered
			}
			if i%25 == 24 {
				st = nil // a crash: the state is lost and grows again
			}
			res := tickMatchingNaive(t, ev, node, st, in, fmt.Sprintf("tick %d", i))
			if res.State.maint.Load() != nil {
				on++
			}
			st = res.State
		}
		if c.wantOn && on == 0 {
			t.Fatalf("no State over %d facts got maintained memos", ev.maintMin)
		}
	}
}
