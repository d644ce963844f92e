package eval

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

var long = flag.Bool("long", false, "run the tick-sequence differential tests over longer sequences (slow)")

// Programs whose state lives across ticks, for the sequence tests: every
// persisted relation is read by joins, negations and aggregates, and
// garbage-collected with the `r :+ r, !done(k)` idiom of the paper's
// programs, so that carried state both grows and shrinks.
const seqGCSrc = `.input vote(tx: int, voter: int)
.input close(tx: int)
.output decided(tx: int, n: int)
.decl votes(tx: int, voter: int)
.decl closed(tx: int)
.persist closed
quorum(2).
votes(t, v) :- vote(t, v).
closed(t) :- close(t).
nvotes(t, count(v)) :- votes(t, v).
total(sum(v)) :- votes(t, v).
lo(t, min(v)) :- votes(t, v).
hi(t, max(v)) :- votes(t, v).
committed(t) :- nvotes(t, n), quorum(q), (n >= q).
decided(t, n) :- nvotes(t, n), committed(t), !closed(t).
votes(t, v) :+ votes(t, v), !committed(t), !closed(t).
stale(t, v) :- votes(t, v), closed(t).`

const seqPersistSrc = `.input put(k: int, v: int)
.input del(k: int)
.output size(n: int)
.decl kv(k: int, v: int)
.decl gone(k: int)
.persist kv
.persist gone
kv(k, v) :- put(k, v).
gone(k) :- del(k).
live(k, v) :- kv(k, v), !gone(k).
size(count(k)) :- live(k, _).
pair(k, v, w) :- kv(k, v), kv(k, w), (v < w).
pick(k, choose(v)) :- live(k, v).
rank(k, index()) :- live(k, _).`

// seqCarrySrc carries one relation by two GC rules at once (a row lives
// on if either keeps it) and, for both relations, adds rows back through
// :+ rules (now and then: the filters), possibly the very rows a GC rule
// drops: the cases where a
// tick's change to the next State is not just what one GC rule dropped
// (persist.go's carryAll), read by an incremental aggregate and a
// maintained join.
const seqCarrySrc = `.input put(k: int, v: int)
.input stop(k: int)
.input back(k: int, v: int)
.output n(k: int, c: int)
.output seen(k: int, v: int)
.decl kv(k: int, v: int)
.decl pin(k: int, v: int)
kv(k, v) :- put(k, v).
pin(k, v) :- put(k, v), (v < 3).
stopped(k) :- stop(k).
kv(k, v) :+ kv(k, v), !stopped(k).
kv(k, v) :+ kv(k, v), (v > 2).
kv(k, v) :+ back(k, v), (k == 0).
pin(k, v) :+ pin(k, v), !stopped(k).
pin(k, v) :+ back(k, v), (v == 1).
n(k, count(v)) :- kv(k, v).
pmax(k, max(v)) :- pin(k, v).
seen(k, v) :- kv(k, v), pin(k, v).`

// seqLogSrc derives much from carried state alone (memo.go): joins,
// negation, aggregates and recursion over a log that only :+ rules
// write, next to relations that deliveries reach.
const seqLogSrc = `.input cmd(k: int, v: int)
.output nbig(n: int)
.decl log(k: int, v: int)
.persist log
log(k, v) :+ cmd(k, v).
limit(2).
big(k) :- log(k, v), limit(l), (v > l).
nbig(count(k)) :- big(k).
sumv(k, sum(v)) :- log(k, v).
lo(min(v)) :- log(_, v).
small(k, v) :- log(k, v), !big(k).
reach(x, y) :- log(x, y).
reach(x, z) :- reach(x, y), log(y, z).
seen(k) :- cmd(k, _).
fresh(k) :- seen(k), !big(k).`

// seqAggSrc has aggregates that incragg.go maintains across ticks
// (count, count(*), sum, min, max over a carried relation, with and
// without group variables, on int and string columns, the aggregate
// last, first or in the middle of the head) next to ones it leaves on the
// full path (a wildcard, two aggregates), some reading only the rows
// that match a constant (2PC's `votes(src, id, "yes")`), over a
// relation that deliveries grow, a :+ rule adds to and a GC rule shrinks
// row by row (withdraw: a group can lose its min or max and live on) and
// group by group (close), and over a .persist relation; ballots is the
// corpus's vote shape (`numVotes(count(src), id, payload)`) under a GC rule.
const seqAggSrc = `.input bid(k: int, p: int)
.input withdraw(k: int, p: int)
.input close(k: int)
.input late(k: int, p: int)
.input tag(k: int, s: string)
.input ballot(k: int, src: int, y: int)
.output best(k: int, p: int)
.decl bids(k: int, p: int)
.decl done(k: int)
.decl tags(k: int, s: string)
.decl ballots(k: int, src: int, y: int)
.persist done
.persist tags
bids(k, p) :- bid(k, p).
bids(k, p) :+ bids(k, p), !done(k), !withdraw(k, p).
bids(k, p) :+ late(k, p).
done(k) :- close(k).
tags(k, s) :- tag(k, s).
nb(k, count(p)) :- bids(k, p).
all(count(*)) :- bids(k, p).
tot(k, sum(p)) :- bids(k, p).
ksum(sum(k)) :- bids(k, p).
best(k, min(p)) :- bids(k, p).
top(k, max(p)) :- bids(k, p).
byp(p, count(k)) :- bids(k, p).
hi(max(p)) :- bids(_, p).
rev(max(p), k) :- bids(k, p).
many(k) :- nb(k, n), (n > 1).
firstTag(k, min(s)) :- tags(k, s).
lastTag(k, max(s)) :- tags(k, s).
ntags(count(s)) :- tags(k, s).
cheap(k) :- best(k, p), top(k, q), (q > p), !done(k).
ballots(k, s, y) :- ballot(k, s, y).
ballots(k, s, y) :+ ballots(k, s, y), !done(k).
nballot(count(s), k, y) :- ballots(k, s, y).
ysum(k, sum(s), y) :- ballots(k, s, y).
ylow(k, min(y), s) :- ballots(k, s, y).
yhigh(max(y), s, k) :- ballots(k, s, y).
nbk(count(p), k) :- bids(k, p).
both(k, min(p), max(p)) :- bids(k, p).
nyes(count(s), k) :- ballots(k, s, 1).
ctop(k, max(s)) :- ballots(k, s, 2).
n0(count(*)) :- bids(0, p).
quorum(k, y) :- nballot(n, k, y), (n > 1), !done(k).`

// seqMaintSrc has relations maint.go maintains by derivation counts:
// joins with static facts and carried relations, chains of maintained
// relations over incremental aggregates, several rules for one head,
// wildcards (one tuple, many derivations), assignments, built-ins and
// head arithmetic, negated atoms that drive (no wildcard) and one that
// cannot, and a self-join (both literals change at once: maint_pair.go),
// over a relation that deliveries grow and a GC rule shrinks.
const seqMaintSrc = `.input ev(k: int, v: int)
.input drop(k: int)
.input flag(k: int)
.output out(k: int, v: int)
.decl items(k: int, v: int)
.decl dropped(k: int)
.decl flags(k: int)
.persist dropped
.persist flags
lim(3).
items(k, v) :- ev(k, v).
items(k, v) :+ items(k, v), !dropped(k), !ok(k).
dropped(k) :- drop(k).
flags(k) :- flag(k).
n(k, count(v)) :- items(k, v).
s(k, sum(v)) :- items(k, v).
full(k) :- n(k, c), lim(l), (c >= l).
out(k, v) :- items(k, v), !flags(k).
any(k) :- items(k, _).
big(k, w) :- s(k, x), w = x * 2, (w > 4).
ok(k) :- full(k).
ok(k) :- any(k), flags(k).
lonely(k) :- any(k), !full(k).
pair(k, v, w) :- items(k, v), items(k, w), (v < w).
unflag(k) :- flags(k), !any(k).
wild(k) :- flags(k), !items(k, _).
hk(k, x) :- items(k, v), hash(v, x).
plus(k, w) :- big(k, x), (w = x + k).
twice(k) :- ok(k), lonely(k).
note(k) :+ lonely(k), !dropped(k).
.persist note
seen(k) :- note(k), !ok(k).
noted(k) :- note(k), lim(l), (k < l).
fresh(k) :- flags(k), noted(k).`

// seqNegKeySrc negates relations whose keys hold several rows, with
// wildcards after the key (maint_neg.go: a changed row flips the
// negation only when its key gains its first row or loses its last),
// after a constant, and before another column (not a key prefix: the
// full path); seen is carried as a run and a tail (rel.go) when the
// sequence keeps tails on small States, so its negation counts a key's
// rows in both (keyCounter).
const seqNegKeySrc = `.input put(k: int, v: int)
.input take(k: int, v: int)
.output none(k: int)
.decl rs(k: int, v: int)
.decl tri(k: int, c: int, v: int)
asks(0). asks(1). asks(2). asks(3).
rs(k, v) :- put(k, v).
rs(k, v) :+ rs(k, v), !take(k, v).
tri(k, 1, v) :- put(k, v), (v > 1).
tri(k, 0, v) :- put(k, v), (v <= 1).
tri(k, c, v) :+ tri(k, c, v), !take(k, v).
none(k) :- asks(k), !rs(k, _).
noodd(k) :- asks(k), !tri(k, 1, _).
nomid(k) :- asks(k), !tri(k, _, 1).
noany(k) :- asks(k), !rs(_, _).
.decl seen(k: int, v: int)
seen(k, v) :- put(k, v).
.persist seen
unseen(k) :- asks(k), !seen(k, _).`

// seqProgram is a program and the component whose node the sequence ticks.
type seqProgram struct {
	name string
	prog *analysis.Program
	comp *analysis.Component
}

func seqPrograms(t *testing.T) []seqProgram {
	var out []seqProgram
	add := func(name string, p *analysis.Program) {
		for _, c := range p.Components {
			out = append(out, seqProgram{name: name + " " + c.Name, prog: p, comp: c})
		}
	}
	add("gc", load(t, seqGCSrc))
	add("persist", load(t, seqPersistSrc))
	add("quorum", load(t, quorumSrc))
	add("log", load(t, seqLogSrc))
	add("carry", load(t, seqCarrySrc))
	add("agg", load(t, seqAggSrc))
	add("maint", load(t, seqMaintSrc))
	add("negkey", load(t, seqNegKeySrc))
	add("twologs", load(t, seqTwoLogsSrc))
	add("votes", load(t, seqVotesSrc))
	add("votes-gc", load(t, seqVotesGCSrc))
	progs := loadTestdata(t)
	for _, f := range sortedKeys(progs) {
		add(f, progs[f])
	}
	for _, f := range []string{"../../corpus/2pc/base.ded", "../../corpus/voting/base.ded", "../../corpus/micro/partial/after.ded"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(f, load(t, string(src)))
	}
	return out
}

// TestTickSequencesMatchNaive runs long random sequences of ticks of one
// node, carrying state from tick to tick through States on the fast side
// and through plain FactSets on Naive's, and compares every tick. The
// sequences crash and restart the node (state lost), go back to an older
// State (as the checker's snapshots do: an old State must still give the
// same ticks), deliver duplicates, and use both Choices.
func TestTickSequencesMatchNaive(t *testing.T) {
	checkCarryDiffs.Store(true)
	defer checkCarryDiffs.Store(false)
	progs := seqPrograms(t)
	maxTicks := 40
	if *long {
		maxTicks = 400
	}
	rapid.Check(t, func(rt *rapid.T) {
		sp := progs[rapid.IntRange(0, len(progs)-1).Draw(rt, "program")]
		ev, err := Compile(sp.prog)
		if err != nil {
			rt.Fatal(err)
		}
		if rapid.Bool().Draw(rt, "maintain") {
			ev.maintMin = 0 // maintained relations on small states too (maint.go)
		}
		if rapid.Bool().Draw(rt, "tails") {
			ev.tailMin = 1 // relations kept with tails on small states too (rel.go)
		}
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 3))
		node := Node{Addr: value.Addr{Comp: sp.comp.Name, Instance: rng.IntN(sp.comp.Count)}}
		var ch Choices = FirstChoices{}
		if rapid.Bool().Draw(rt, "lastChoices") {
			ch = lastChoices{}
		}
		var state *State    // the fast side's carried state
		var carried FactSet // Naive's
		var history []*State
		ticks := rapid.IntRange(1, maxTicks).Draw(rt, "ticks")
		for i := range ticks {
			switch rng.IntN(20) {
			case 0: // crash and restart: the node loses its state
				state, carried = nil, nil
			case 1: // back to an older state
				if len(history) > 0 {
					state = history[rng.IntN(len(history))]
					carried = state.Facts()
				}
			}
			in := randomInput(sp.prog, sp.comp, rng, rng.IntN(4))
			if rng.IntN(3) == 0 { // duplicates
				in.Delivered = append(in.Delivered, in.Delivered[:len(in.Delivered)/2]...)
			}
			fast, ferr := ev.Tick(node, Input{State: state, Delivered: in.Delivered}, ch, Limits{})
			ref, rerr := Naive(sp.prog, node, Input{Carried: carried, Delivered: in.Delivered}, ch, Limits{})
			what := fmt.Sprintf("%s tick %d", sp.name, i)
			if (ferr == nil) != (rerr == nil) {
				rt.Fatalf("%s: Tick error %v, Naive error %v", what, ferr, rerr)
			}
			if ferr != nil {
				continue // the tick is lost; the node keeps its state
			}
			if d := cmp.Diff(ref, fast, resultOpt); d != "" {
				rt.Fatalf("%s: Tick differs from Naive (-naive +tick):\n%s", what, d)
			}
			checkAggMemos(rt, fast.State)
			state, carried = fast.State, ref.Next()
			history = append(history, state)
		}
	})
}

// TestTicksFromOneStateAgree starts many ticks from the same State at
// once (run it with -race): each must give the result of a sequential
// tick from that State, and the State must not change.
func TestTicksFromOneStateAgree(t *testing.T) {
	for _, sp := range seqPrograms(t) {
		ev, err := Compile(sp.prog)
		if err != nil {
			t.Fatal(err)
		}
		ev.maintMin, ev.tailMin = 0, 1 // maintained relations and tails on small states too
		node := Node{Addr: value.Addr{Comp: sp.comp.Name}}
		rng := rand.New(rand.NewPCG(1, 2))
		var st *State
		for range 10 { // build up some state
			res, err := ev.Tick(node, Input{State: st, Delivered: randomInput(sp.prog, sp.comp, rng, 3).Delivered}, nil, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			st = res.State
		}
		if st.Len() == 0 {
			continue // nothing carried: nothing to share
		}
		before := st.GoString()
		inputs := make([][]value.Fact, 8)
		want := make([]*Result, len(inputs))
		for i := range inputs {
			inputs[i] = randomInput(sp.prog, sp.comp, rng, 3).Delivered
			if want[i], err = ev.Tick(node, Input{State: st, Delivered: inputs[i]}, nil, Limits{}); err != nil {
				t.Fatal(err)
			}
		}
		got := make([]*Result, len(inputs))
		errs := make([]error, len(inputs))
		var wg sync.WaitGroup
		for i := range inputs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 4 {
					if got[i], errs[i] = ev.Tick(node, Input{State: st, Delivered: inputs[i]}, nil, Limits{}); errs[i] != nil {
						return
					}
				}
			}()
		}
		wg.Wait()
		for i := range inputs {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if d := cmp.Diff(want[i], got[i], resultOpt); d != "" {
				t.Fatalf("%s input %d: concurrent tick differs (-sequential +concurrent):\n%s", sp.name, i, d)
			}
		}
		if after := st.GoString(); after != before {
			t.Fatalf("%s: ticking changed the State it started from:\nbefore %s\nafter  %s", sp.name, before, after)
		}
	}
}

// TestInputStateOrCarried: a tick takes its carried facts from one place.
func TestInputStateOrCarried(t *testing.T) {
	p := load(t, quorumSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{State: NewState(FactSet{"votes": {{value.Int(1), value.Int(2)}}}), Carried: FactSet{}}
	if _, err := ev.Tick(node0("main"), in, nil, Limits{}); err == nil {
		t.Fatal("a tick given both State and Carried did not fail")
	}
	// A State made by NewState is checked like Carried facts, and one
	// made by Evaluator.NewState when it is made.
	badFacts := FactSet{"votes": {{value.Str("x"), value.Int(2)}}}
	if _, err := ev.Tick(node0("main"), Input{State: NewState(badFacts)}, nil, Limits{}); err == nil {
		t.Fatal("an ill-typed NewState fact was accepted")
	}
	if _, err := ev.NewState(badFacts); err == nil || !strings.Contains(err.Error(), "column 1 is a int") {
		t.Fatalf("Evaluator.NewState of an ill-typed fact: %v", err)
	}
}

// TestUnchangedRelationsShareStorage: a persisted relation that neither
// gains nor loses facts in a tick is handed to the next State as the same
// slice (so States share it and comparing them is cheap), and a
// garbage-collected one keeps sharing while nothing is collected.
func TestUnchangedRelationsShareStorage(t *testing.T) {
	p := load(t, seqGCSrc+"\n"+`.input note(n: int)
.decl notes(n: int)
.persist notes
notes(n) :- note(n).`)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	tick := func(st *State, facts ...value.Fact) *State {
		t.Helper()
		res, err := ev.Tick(node0("main"), Input{State: st, Delivered: facts}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return res.State
	}
	st := tick(nil, fact("note", 1), fact("note", 2), fact("vote", 7, 1), fact("close", 9))
	next := tick(st)
	for _, rel := range []string{"notes", "votes", "closed"} {
		a, b := st.Facts()[rel], next.Facts()[rel]
		if len(a) == 0 || len(a) != len(b) || &a[0] != &b[0] {
			t.Fatalf("%s: an unchanged relation was copied (%v -> %v)", rel, a, b)
		}
	}
	if !st.Equal(next) {
		t.Fatal("States with the same facts are not Equal")
	}
	// A collected vote changes the relation (and the State).
	later := tick(next, fact("vote", 7, 2))
	if got := later.Facts()["votes"]; len(got) != 0 {
		t.Fatalf("votes of a committed transaction were carried: %v", got)
	}
	if later.Equal(next) {
		t.Fatal("different States are Equal")
	}
}

// TestStateDerivedRelationsAreMemoised: a tick that receives nothing the
// state-derived relations read publishes them in its State, the next
// State inherits them while the log is unchanged, and ticks that use the
// memo agree with Naive.
func TestStateDerivedRelationsAreMemoised(t *testing.T) {
	p := load(t, seqLogSrc)
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := planMemo(p.Component("main")).derived; !slices.Equal(got, []string{"big", "lo", "nbig", "reach", "small", "sumv"}) {
		t.Fatalf("state-derived relations: %v", got)
	}
	node := node0("main")
	tick := func(st *State, facts ...value.Fact) *Result {
		t.Helper()
		return tickMatchingNaive(t, ev, node, st, facts, "tick")
	}
	s1 := tick(nil, fact("cmd", 1, 2), fact("cmd", 2, 3), fact("cmd", 3, 1)).State
	if s1.memo.p.Load() != nil {
		t.Fatal("a State came with a memo before any tick started from it")
	}
	tick(s1, fact("limit", 0)) // limit is read by big: no memo
	if s1.memo.p.Load() != nil {
		t.Fatal("a tick given a fact the memoised rules read made a memo")
	}
	r3 := tick(s1, fact("cmd", 9, 9)) // cmd reaches the log only next tick
	m := s1.memo.p.Load()
	if m == nil || !m.complete() || len(m.rels[slices.Index(planMemo(p.Component("main")).derived, "reach")].rows) == 0 {
		t.Fatalf("no memo (or an empty one) after a tick that could make one: %+v", m)
	}
	if m3 := r3.State.memo.p.Load(); m3 != nil {
		// Only big (monotone over the log) may come along, marked as
		// older facts to bring up to date (memo_grow.go).
		for i, r := range m3.rels {
			if r != nil && (!r.older || planMemo(p.Component("main")).derived[i] != "big") {
				t.Fatalf("a State whose log changed inherited the memo of %s (from %v)", planMemo(p.Component("main")).derived[i], r.from)
			}
		}
	}
	r4 := tick(s1) // uses the memo; the log stays
	if r4.State.memo.p.Load() != m {
		t.Fatal("the next State, with the same log, did not inherit the memo")
	}
	r5 := tick(r4.State)
	if r5.State.memo.p.Load() != m {
		t.Fatal("a tick that used the memo did not hand it on")
	}
	r6 := tick(r5.State, fact("cmd", 4, 4))
	r7 := tick(r6.State)
	if m2 := r6.State.memo.p.Load(); m2 == nil || m2 == m || r7.State.memo.p.Load() != m2 {
		t.Fatal("after the log changed, the next tick did not make (and hand on) a memo of its own")
	}
}
