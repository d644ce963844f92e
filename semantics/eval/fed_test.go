package eval

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// seqFedSrc has the logging idiom fed.go evaluates from a change: a log
// written from a maintained relation (ready) and persisted, with rules
// that act once on what is not logged yet (a :+ and a :~ rule); ready
// loses rows (a GC rule over items) and gains rows between a tick and
// the next State (extra, written by a :+ rule: then the next State's log
// does not hold all of ready, and the next tick must take the full
// path). seen is a second pair over items itself; the last two rules
// look like fed rules but are not (the negated atom's arguments are not
// the atom's, or a filter follows).
const seqFedSrc = `.decl ping(k: int)
component main {
  .input ev(k: int, v: int)
  .input add(k: int)
  .input fin(k: int)
  .output done(k: int)
  .decl items(k: int, v: int)
  .decl logged(k: int)
  .decl extra(k: int)
  .decl finished(k: int)
  .decl seen(k: int, v: int)
  .persist logged
  .persist finished
  .persist extra
  .persist seen
  items(k, v) :- ev(k, v).
  items(k, v) :+ items(k, v), !finished(k).
  extra(k) :+ add(k).
  finished(k) :- fin(k).
  ready(k) :- items(k, v), (v > 1).
  ready(k) :- extra(k).
  logged(k) :+ ready(k).
  flushed(k) :+ ready(k), !logged(k).
  ping@p(k) :~ ready(k), !logged(k), peer(p).
  done(k) :- flushed(k).
  seen(k, v) :+ items(k, v).
  fresh(k, v) :+ items(k, v), !seen(k, v).
  skew(k) :+ ready(k), !logged(0).
  small(k) :+ ready(k), !logged(k), (k < 3).
}
component peer[2] {
  got(k) :- ping(k).
}`

// TestFedRulesMatchNaive runs random tick sequences of seqFedSrc and of
// the corpus's 2PC coordinator, with everything maintained (so that the
// fed path runs on small States too), against Naive, crashing, going
// back to older States and duplicating deliveries as
// TestTickSequencesMatchNaive does, and checks that the fed path ran.
func TestFedRulesMatchNaive(t *testing.T) {
	checkCarryDiffs.Store(true)
	defer checkCarryDiffs.Store(false)
	src, err := os.ReadFile("../../corpus/2pc/base.ded")
	if err != nil {
		t.Fatal(err)
	}
	progs := []seqProgram{}
	for _, s := range []string{seqFedSrc, string(src)} {
		p := load(t, s)
		progs = append(progs, seqProgram{name: p.Components[0].Name, prog: p, comp: p.Components[0]})
	}
	before := fedTicks.Load()
	rapid.Check(t, func(rt *rapid.T) {
		sp := progs[rapid.IntRange(0, len(progs)-1).Draw(rt, "program")]
		ev, err := Compile(sp.prog)
		if err != nil {
			rt.Fatal(err)
		}
		ev.maintMin = 0
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 5))
		node := node0(sp.comp.Name)
		var state *State
		var carried FactSet
		var history []*State
		for i := range rapid.IntRange(1, 60).Draw(rt, "ticks") {
			switch rng.IntN(25) {
			case 0:
				state, carried = nil, nil
			case 1:
				if len(history) > 0 {
					state = history[rng.IntN(len(history))]
					carried = state.Facts()
				}
			}
			in := randomInput(sp.prog, sp.comp, rng, rng.IntN(3))
			if rng.IntN(3) == 0 {
				in.Delivered = append(in.Delivered, in.Delivered[:len(in.Delivered)/2]...)
			}
			fast, ferr := ev.Tick(node, Input{State: state, Delivered: in.Delivered}, nil, Limits{})
			ref, rerr := Naive(sp.prog, node, Input{Carried: carried, Delivered: in.Delivered}, nil, Limits{})
			if (ferr == nil) != (rerr == nil) {
				rt.Fatalf("%s tick %d: Tick error %v, Naive error %v", sp.name, i, ferr, rerr)
			}
			if ferr != nil {
				continue
			}
			if d := cmp.Diff(ref, fast, resultOpt); d != "" {
				rt.Fatalf("%s tick %d: Tick differs from Naive (-naive +tick):\n%s", sp.name, i, d)
			}
			state, carried = fast.State, ref.Next()
			history = append(history, state)
		}
	})
	if fedTicks.Load() == before {
		t.Fatal("no rule was evaluated from a change")
	}
}

// TestCoordinatorFedMatchesNaive: the coordinator's own sequence at the
// default maintenance threshold, every tick against Naive; once its State
// is maintained, its log rules and their flushed companions are
// evaluated from the change on every tick.
func TestCoordinatorFedMatchesNaive(t *testing.T) {
	src, err := os.ReadFile("../../corpus/2pc/base.ded")
	if err != nil {
		t.Fatal(err)
	}
	p := load(t, string(src))
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	node := node0("coordinator")
	var st *State
	var carried FactSet
	const ticks = 120
	var fedLate int64
	for i := 1; i <= ticks; i++ {
		before := fedTicks.Load()
		in := coordDelivery(i)
		fast, err := ev.Tick(node, Input{State: st, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Naive(p, node, Input{Carried: carried, Delivered: in}, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ref, fast, resultOpt); d != "" {
			t.Fatalf("tick %d: Tick differs from Naive (-naive +tick):\n%s", i, d)
		}
		if i > ticks-40 {
			fedLate += fedTicks.Load() - before
		}
		st, carried = fast.State, ref.Next()
	}
	// Six fed rules: three logs (cCommitLog, cAborted, cEndLog) and the
	// two flushed rules and the abort message.
	if want := int64(6 * 40); fedLate != want {
		t.Fatalf("ticks %d-%d evaluated %d rules from a change, want %d", ticks-39, ticks, fedLate, want)
	}
}

// TestShuffledCoordinatorMatchesNaive: the 2PC coordinator with
// transactions finishing out of order (coordDeliveryShuffled), so that
// its maintained allYes and allAcked gain ids among their last ones and
// keep them as a tail (patchTail), agrees with Naive on every tick, its
// memos stay well formed, and the tails do occur.
func TestShuffledCoordinatorMatchesNaive(t *testing.T) {
	src, err := os.ReadFile("../../corpus/2pc/base.ded")
	if err != nil {
		t.Fatal(err)
	}
	p := load(t, string(src))
	ev, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev.maintMin = 0
	node := node0("coordinator")
	var st *State
	tailed := 0
	for i := 1; i <= 300; i++ {
		fast := tickMatchingNaive(t, ev, node, st, coordDeliveryShuffled(i), fmt.Sprintf("tick %d", i))
		checkCntMemos(t, fast.State)
		if mm := fast.State.maint.Load(); mm != nil {
			for _, name := range sortedKeys(mm.rels) {
				if m := mm.rels[name]; m.sortedN < len(m.rows) {
					tailed++
				}
			}
		}
		st = fast.State
	}
	if tailed == 0 {
		t.Fatal("no maintained relation kept a tail: the sequence does not exercise patchTail")
	}
	t.Logf("maintained relations with a tail: %d (relation, State) pairs", tailed)
}
