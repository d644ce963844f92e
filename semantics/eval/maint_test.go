package eval

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/semantics/analysis"
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

	p := load(t, seqMaintSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	node := node0("main")
	rng := rand.New(rand.NewPCG(7, 8))
	var st *State
	before := maintDeltaTicks.Load()
	for i := range 60 {
		in := randomInput(p, p.Component("main"), rng, rng.IntN(3)).Delivered
		res, err := ev.Tick(node, Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Naive(p, node, Input{Carried: st.Facts(), Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref, res); d != "" {
			t.Fatalf("tick %d: Tick differs from Naive (-naive +tick):\n%s", i, d)
		}
		if i > 0 && res.State.maint == nil {
			t.Fatalf("tick %d: the next State has no maintained memos", i)
		}
		st = res.State
	}
	if n := maintDeltaTicks.Load() - before; n < 60 {
		t.Fatalf("only %d relations were taken from a memo in 60 ticks", n)
	}
}
