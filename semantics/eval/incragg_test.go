package eval

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// aggContents is what an aggregate memo holds: the groups in order
// with their accumulators (not how the chunks fell) and the rows (made,
// if they were owed: aggrows.go), not the room behind them.
type aggContents struct {
	Groups []memoGroup
	Rows   []value.Tuple
}

// contentsOf returns m's contents as ia's memo.
func contentsOf(ia *incrAgg, m *aggMemo) aggContents {
	var c aggContents
	m.groups.Each(func(h value.Tuple, a aggAcc) bool {
		c.Groups = append(c.Groups, memoGroup{h, a})
		return true
	})
	c.Rows, _ = m.rowsOf(ia)
	return c
}

var aggMemoOpts = []cmp.Option{cmp.AllowUnexported(aggAcc{}, memoGroup{}), cmpopts.EquateEmpty()}

// memoGroup is one group of an aggMemo as aggMemoOpts lists it.
type memoGroup struct {
	head value.Tuple
	acc  aggAcc
}

// checkAggMemos fails unless every aggregate memo of st equals the one
// built from scratch over st's relation: the invariant incragg.go keeps.
func checkAggMemos(t fataler, st *State) {
	t.Helper()
	if st == nil || st.aggs.Load() == nil {
		return
	}
	for r, m := range *st.aggs.Load() { // order-free: each checked alone
		ia := asIncrAgg(r)
		want, ok := ia.apply(&aggMemo{}, st.Facts()[ia.rel], nil, nil)
		if !ok {
			t.Fatalf("rule %d: memo kept for a relation a sum cannot add", r.ID)
		}
		if d := cmp.Diff(contentsOf(ia, want), contentsOf(ia, m), aggMemoOpts...); d != "" {
			t.Fatalf("rule %d (%s): memo differs from a rebuild (-rebuilt +kept):\n%s", r.ID, r.Head.Rel, d)
		}
	}
}

func TestIncrementalAggregateRules(t *testing.T) {
	p := load(t, seqAggSrc)
	want := map[string]bool{"nb": true, "all": true, "tot": true, "ksum": true, "best": true, "top": true,
		"byp": true, "firstTag": true, "lastTag": true, "hi": false, "rev": true, "ntags": false,
		"nballot": true, "ysum": true, "ylow": true, "yhigh": true, "nbk": true, "both": false,
		"nyes": true, "ctop": true, "n0": true}
	for _, r := range p.Components[0].Rules {
		if w, ok := want[r.Head.Rel]; ok && (asIncrAgg(r) != nil) != w {
			t.Errorf("%s: eligible = %v, want %v", r.Head.Rel, !w, w)
		}
	}
}

// TestAggregateMemosAreUsed ticks the agg program from States and checks
// that its States carry memos that match rebuilds, and that a tick from
// a State with memos loads the groups (shares the memo's head tuples).
func TestAggregateMemosAreUsed(t *testing.T) {
	p := load(t, seqAggSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev.maintMin = 0 // these states are small: keep groups on them too
	comp := p.Components[0]
	node := Node{Addr: value.Addr{Comp: comp.Name}}
	rng := rand.New(rand.NewPCG(1, 2))
	var st *State
	var carried FactSet
	used := map[string]int{}
	for i := range 200 {
		in := randomInput(p, comp, rng, 2)
		in.Delivered = slices.DeleteFunc(in.Delivered, func(f value.Fact) bool {
			return f.Rel == "close" && rng.IntN(8) > 0 // closed keys stay closed: keep some open
		})
		if i%3 == 0 {
			in.Delivered = nil // bids carries over unchanged: nb must come from the memo
		}
		res, err := ev.Tick(node, Input{State: st, Delivered: in.Delivered}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Naive(p, node, Input{Carried: carried, Delivered: in.Delivered}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref, res, resultOpt); d != "" {
			t.Fatalf("tick %d differs (-naive +tick):\n%s", i, d)
		}
		checkAggMemos(t, res.State)
		for r, m := range memos(res.State) { // order-free: counting
			rows, _ := m.rowsOf(asIncrAgg(r))
			if f := res.Facts()[r.Head.Rel]; len(f) > 0 && len(rows) > 0 && &f[0] == &rows[0] {
				used[r.Head.Rel]++ // the tick's groups are the memo's: loaded, not aggregated
			}
		}
		if i > 1 && len(memos(res.State)) == 0 {
			t.Fatalf("tick %d: no aggregate memos in the State (%v from %v)", i, in.Delivered, st.Facts())
		}
		st, carried = res.State, ref.Next()
	}
	t.Logf("ticks that loaded a relation from its memo: %v", used)
	// nb: the aggregate last; nbk and nballot: first (the corpus's
	// shape, nballot under a GC rule); ysum: in the middle.
	// nyes: a constant in the body.
	for _, rel := range []string{"nb", "nbk", "nballot", "ysum", "nyes"} {
		if used[rel] == 0 {
			t.Errorf("no tick loaded %s from its memo", rel)
		}
	}
}

// memos returns st's aggregate memos (none when nothing built them yet).
func memos(st *State) aggMemos {
	if m := st.aggs.Load(); m != nil {
		return *m
	}
	return nil
}

// TestAggMemoApply: a memo over rows A, given B's additions and A's
// removals, is the memo over B (count, sum, min, max; groups appearing
// and disappearing, min/max groups losing their extreme value).
func TestAggMemoApply(t *testing.T) {
	p := load(t, seqAggSrc)
	var rules []*incrAgg
	for _, r := range p.Components[0].Rules {
		if ia := asIncrAgg(r); ia != nil && ia.rel == "bids" {
			rules = append(rules, ia)
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		gen := rapid.SliceOf(rapid.Custom(func(rt *rapid.T) value.Tuple {
			return value.Tuple{value.Int(int64(rapid.IntRange(0, 3).Draw(rt, "k"))), value.Int(int64(rapid.IntRange(-3, 5).Draw(rt, "p")))}
		}))
		a := Normalize(FactSet{"x": gen.Draw(rt, "a")})["x"]
		b := Normalize(FactSet{"x": gen.Draw(rt, "b")})["x"]
		added, removed := diffSorted(a, b)
		for _, ia := range rules {
			ma, _ := ia.apply(&aggMemo{}, a, nil, nil)
			got, _ := ia.apply(ma, added, removed, b)
			want, _ := ia.apply(&aggMemo{}, b, nil, nil)
			if d := cmp.Diff(contentsOf(ia, want), contentsOf(ia, got), aggMemoOpts...); d != "" {
				rt.Fatalf("%s: (-rebuilt +applied):\n%s", ia.rule.Head.Rel, d)
			}
		}
	})
}

// TestPatchSorted: rows with del taken out and add put in, as patchSorted
// works it out by bisection, equal the sorted set difference and union.
func TestPatchSorted(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		gen := rapid.SliceOf(rapid.Custom(func(rt *rapid.T) value.Tuple {
			return value.Tuple{value.Int(int64(rapid.IntRange(0, 9).Draw(rt, "k"))), value.Int(int64(rapid.IntRange(0, 3).Draw(rt, "v")))}
		}))
		rows := Normalize(FactSet{"x": gen.Draw(rt, "rows")})["x"]
		var del, add []value.Tuple
		for _, r := range rows {
			if rapid.Bool().Draw(rt, "del") {
				del = append(del, r)
			}
		}
		for _, r := range Normalize(FactSet{"x": gen.Draw(rt, "add")})["x"] {
			if !slices.ContainsFunc(rows, r.Equal) || slices.ContainsFunc(del, r.Equal) {
				add = append(add, r)
			}
		}
		rand.New(rand.NewPCG(1, 1)).Shuffle(len(add), func(i, j int) { add[i], add[j] = add[j], add[i] })
		want := slices.DeleteFunc(slices.Clone(rows), func(r value.Tuple) bool { return slices.ContainsFunc(del, r.Equal) })
		want = Normalize(FactSet{"x": append(want, add...)})["x"]
		orig := slices.Clone(rows)
		got := patchSorted(rows, del, add)
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			rt.Fatalf("(-want +got):\n%s", d)
		}
		if d := cmp.Diff(orig, rows, cmpopts.EquateEmpty()); d != "" {
			rt.Fatalf("rows changed:\n%s", d)
		}
	})
}
