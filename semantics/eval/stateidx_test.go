package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// seqIndexSrc probes carried relations through many keys: a persisted
// relation garbage-collected by key, probed by its first column, by its
// second (few distinct values: large trie leaves), by both (negation),
// in a self-join, and a maintained relation over it probed by key.
const seqIndexSrc = `.input add(k: int, v: int)
.input drop(k: int)
.input ask(k: int)
.input askv(v: int)
.output hit(k: int, v: int)
.output vhit(k: int, v: int)
.output miss(k: int)
.output twin(k: int, w: int)
.output known(k: int)
.decl kv(k: int, v: int)
.decl dropped(k: int)
.decl asked(k: int, v: int)
kv(k, v) :- add(k, v).
kv(k, v) :+ kv(k, v), !dropped(k).
dropped(k) :- drop(k).
asked(k, v) :- ask(k), askv(v).
asked(k, v) :+ asked(k, v), !dropped(k).
hit(k, v) :- ask(k), kv(k, v).
vhit(k, v) :- askv(v), kv(k, v).
miss(k) :- ask(k), !kv(k, _).
fresh(k, v) :- asked(k, v), !kv(k, v).
twin(k, w) :- kv(k, v), kv(w, v), (k < w), ask(k).
live(k) :- kv(k, _), !dropped(k).
known(k) :- ask(k), live(k).
stale(k) :- dropped(k), asked(k, _).`

// trieRows lists a trie's rows in canonical order.
func trieRows(n *pnode) []value.Tuple {
	var out []value.Tuple
	var walk func(*pnode)
	walk = func(n *pnode) {
		if n == nil {
			return
		}
		if n.leaf {
			out = append(out, n.rows...)
			return
		}
		for _, kid := range n.kids {
			walk(kid)
		}
	}
	walk(n)
	slices.SortFunc(out, compareTuples)
	return out
}

// checkTrie fails unless t indexes exactly rows by cols: the same rows,
// each found under its key's hash, the count right, leaves sorted.
func checkTrie(tb fataler, what string, t ptrie, rows []value.Tuple, cols []int) {
	tb.Helper()
	if got := trieRows(t.root); !slices.EqualFunc(got, rows, func(a, b value.Tuple) bool { return a.Equal(b) }) {
		tb.Fatalf("%s: trie over %v holds %v, the rows are %v", what, cols, got, rows)
	}
	if t.n != len(rows) {
		tb.Fatalf("%s: trie counts %d rows, holds %d", what, t.n, len(rows))
	}
	for _, row := range rows {
		leaf := t.get(hashCols(row, cols))
		if _, ok := searchRows(leaf, row); !ok || !slices.IsSortedFunc(leaf, compareTuples) {
			tb.Fatalf("%s: row %v not found under its key (leaf %v)", what, row, leaf)
		}
	}
}

// checkStateIndexes fails unless every trie st keeps, over its relations
// and its maintained relations' values, indexes exactly those rows.
func checkStateIndexes(tb fataler, st *State) {
	tb.Helper()
	if st == nil {
		return
	}
	if hs := st.ix.Load(); hs != nil {
		for rel, h := range *hs { // order-free: each checked alone
			if p := h.p.Load(); p != nil {
				for _, mt := range *p {
					checkTrie(tb, "State relation "+rel, mt.t, st.Facts()[rel], colsOf(mt.mask, len(st.Facts()[rel][0])))
				}
			}
		}
	}
	if m := st.maint.Load(); m != nil {
		for rel, cm := range m.rels {
			if p := cm.ix.p.Load(); p != nil && len(cm.rows) > 0 {
				for _, mt := range *p {
					checkTrie(tb, "maintained "+rel, mt.t, cm.rel().sorted(), colsOf(mt.mask, len(cm.rows[0]))) // canonical order: the rows may end in a tail
				}
			}
		}
	}
}

// TestPtrieWith: a trie changed by with equals one built from the
// changed rows, and the tries it came from are unchanged (a batch edits
// in place only the nodes it made itself).
func TestPtrieWith(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		base := pairRows(rt, "base", 40, 3)
		add := pairRows(rt, "add", 40, 3)
		del := pairRows(rt, "del", 40, 3)
		cols := [][]int{{0}, {1}, {0, 1}}[rapid.IntRange(0, 2).Draw(rt, "cols")]
		t0 := buildPtrie(base, cols)
		t1 := t0.with(add, del, cols)
		checkTrie(rt, "built", t0, base, cols)
		kept := base
		for _, d := range del {
			if i, ok := searchRows(kept, d); ok {
				kept = slices.Concat(kept[:i:i], kept[i+1:])
			}
		}
		changed := unionSorted(kept, add)
		checkTrie(rt, "changed", t1, changed, cols)
		checkTrie(rt, "the original after the change", t0, base, cols)
		// A second batch must copy what the first one made, not edit it.
		add2 := pairRows(rt, "add2", 40, 3)
		t2 := t1.with(add2, nil, cols)
		checkTrie(rt, "changed twice", t2, unionSorted(changed, add2), cols)
		checkTrie(rt, "the first change after the second", t1, changed, cols)
	})
}

// TestStateIndexesFollowTheState ticks programs whose carried relations
// are probed by key from States, with the index kept at any State size,
// through GC, duplicates, crashes and returns to older States, and checks
// every tick against Naive and every kept trie against its rows; the
// tries must be brought from State to State (not rebuilt every tick).
func TestStateIndexesFollowTheState(t *testing.T) {
	progs := seqPrograms(t)
	p := load(t, seqIndexSrc)
	progs = append(progs, seqProgram{name: "index", prog: p, comp: p.Components[0]})
	built0, derived0 := pixBuilt.Load(), pixDerived.Load()
	rapid.Check(t, func(rt *rapid.T) {
		sp := progs[len(progs)-1]
		if rapid.Bool().Draw(rt, "other") {
			sp = progs[rapid.IntRange(0, len(progs)-1).Draw(rt, "program")]
		}
		ev, err := Compile(sp.prog)
		if err != nil {
			rt.Fatal(err)
		}
		ev.maintMin = 0
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 5))
		node := Node{Addr: value.Addr{Comp: sp.comp.Name}}
		var st *State
		var history []*State
		for i := range rapid.IntRange(1, 60).Draw(rt, "ticks") {
			switch rng.IntN(25) {
			case 0:
				st = nil // crash
			case 1:
				if len(history) > 0 {
					st = history[rng.IntN(len(history))]
				}
			}
			in := randomInput(sp.prog, sp.comp, rng, 1+rng.IntN(3))
			if rng.IntN(3) == 0 {
				in.Delivered = append(in.Delivered, in.Delivered...)
			}
			res := tickMatchingNaive(rt, ev, node, st, in.Delivered, fmt.Sprintf("%s tick %d", sp.name, i))
			checkStateIndexes(rt, res.State)
			checkStateIndexes(rt, st) // ticks from it did not change it
			st = res.State
			history = append(history, st)
		}
	})
	if pixDerived.Load() == derived0 {
		t.Fatalf("no trie was brought from one State to the next (%d built)", pixBuilt.Load()-built0)
	}
}

// TestStateIndexesAreShared: a tick that changes a relation only a little
// gives the next State a trie derived from the State's (no rebuild), and
// a relation the tick leaves unchanged keeps its holder. (A tick that
// drops a key changes both of live's inputs, so the next State has no
// memo of live, nor of its trie: its next tick evaluates live in full.)
func TestStateIndexesAreShared(t *testing.T) {
	p := load(t, seqIndexSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev.maintMin = 0
	node := node0(p.Components[0].Name)
	var st *State
	for k := range 200 {
		st = tickMatchingNaive(t, ev, node, st, []value.Fact{fact("add", k, k%3), fact("ask", k/2), fact("askv", k%5)}, "grow").State
	}
	var built int64
	for k := range 30 {
		if k == 10 { // by now every key the rules probe has its trie
			built = pixBuilt.Load()
		}
		st = tickMatchingNaive(t, ev, node, st, []value.Fact{fact("add", 1000+k, 1), fact("ask", k), fact("askv", k%4)}, "more").State
	}
	// A few builds are fair: an index whose probing thins out after it
	// went flat (usePersistent) gets its trie again. Five keys rebuilt
	// on every tick would be 100.
	if n := pixBuilt.Load() - built; n > 4 {
		t.Fatalf("%d tries built from scratch over 20 small ticks; want them derived", n)
	}
	for k := range 20 {
		st = tickMatchingNaive(t, ev, node, st, []value.Fact{fact("drop", 2*k), fact("ask", 2*k+1)}, "drop").State
		checkStateIndexes(t, st)
	}
	checkStateIndexes(t, st)
	next := tickMatchingNaive(t, ev, node, st, []value.Fact{fact("ask", 5)}, "ask only").State
	if (*next.ix.Load())["kv"] != (*st.ix.Load())["kv"] {
		t.Fatal("kv did not change, but the next State has another index holder for it")
	}
	if d := cmp.Diff(st.GoString(), next.GoString()); d != "" {
		t.Fatalf("an ask changed the State:\n%s", d)
	}
}

// seqCountsSrc: a maintained relation (r, one row per key, as many
// derivations as the key has values) probed by key now and then, whose
// derivation counts change on ticks that add no row to it.
const seqCountsSrc = `.input a(k: int, v: int)
.input ask(k: int)
.output hit(k: int)
.decl as(k: int, v: int)
as(k, v) :- a(k, v).
.persist as
r(k) :- as(k, v), (v >= 0).
hit(k) :- ask(k), r(k).`

// TestTriesSurviveCountChanges: ticks that change only a maintained
// relation's derivation counts (its rows stay) hand its tries on with
// it, so once a tick has built r's trie no later tick builds it again
// from every row; every tick agrees with Naive and every kept trie holds
// its rows. (Which tick builds it first varies: the evaluator's engines
// come from a sync.Pool, and an engine that has not probed r before
// indexes it flat. So the test counts builds over the whole sequence.)
func TestTriesSurviveCountChanges(t *testing.T) {
	p := load(t, seqCountsSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	node := node0("main")
	var in []value.Fact
	for k := range 300 {
		in = append(in, fact("a", k, 0))
	}
	st := tickMatchingNaive(t, ev, node, nil, in, "tick 0").State
	built := pixBuilt.Load()
	for i := 1; i <= 40; i++ {
		var in []value.Fact
		if i%2 == 0 {
			in = []value.Fact{fact("ask", i), fact("ask", 1000+i)}
		} else {
			in = []value.Fact{fact("a", i, i), fact("a", i+1, i)} // keys r has: counts only
		}
		st = tickMatchingNaive(t, ev, node, st, in, fmt.Sprintf("tick %d", i)).State
		checkStateIndexes(t, st)
	}
	if n := pixBuilt.Load() - built; n > 1 {
		t.Errorf("r's trie was built from every row %d times in 40 ticks, want once at most", n)
	}
}
