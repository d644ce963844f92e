package eval

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// load analyses a program written in the test, failing the test with the
// rendered diagnostics when it does not analyse.
func load(tb testing.TB, src string) *analysis.Program {
	tb.Helper()
	p, diags := analysis.Load("test.ded", []byte(src))
	if len(diags) > 0 {
		var b strings.Builder
		for _, d := range diags {
			b.WriteString(d.Render([]byte(src)))
		}
		tb.Fatalf("program does not analyse:\n%s\n%s", b.String(), src)
	}
	return p
}

// fact builds a fact from Go values: int, string or value.Addr.
func fact(rel string, args ...any) value.Fact {
	t := make(value.Tuple, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case int:
			t[i] = value.Int(int64(a))
		case int64:
			t[i] = value.Int(a)
		case string:
			t[i] = value.Str(a)
		case value.Addr:
			t[i] = value.AddrOf(a)
		case value.Value:
			t[i] = a
		default:
			panic(fmt.Sprintf("fact: unsupported %T", a))
		}
	}
	return value.Fact{Rel: rel, Tuple: t}
}

// node0 is instance 0 of comp with the program's default counts.
func node0(comp string) Node { return Node{Addr: value.Addr{Comp: comp}} }

// render prints a relation's facts of a FactSet, one per line.
func render(fs FactSet, rel string) string {
	var lines []string
	for _, t := range fs[rel] {
		lines = append(lines, value.Fact{Rel: rel, Tuple: t}.String())
	}
	return strings.Join(lines, "\n")
}

func renderFacts(fs []value.Fact) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}

func renderSends(ms []Message) string {
	var lines []string
	for _, m := range ms {
		lines = append(lines, m.To.String()+" "+m.Fact.String())
	}
	return strings.Join(lines, "\n")
}

// lines sorts and joins expected lines (so tests can list them in any order).
func lines(ls ...string) string {
	out := append([]string(nil), ls...)
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// tickMatchingNaive ticks ev from st with delivered and fails the test
// unless the Result equals Naive's over st's facts: the check the State
// tests make at every tick.
func tickMatchingNaive(t fataler, ev *Evaluator, node Node, st *State, delivered []value.Fact, what string) *Result {
	t.Helper()
	res, err := ev.Tick(node, Input{State: st, Delivered: delivered}, nil, Limits{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	ref, err := Naive(ev.prog, node, Input{Carried: st.Facts(), Delivered: delivered}, nil, Limits{})
	if err != nil {
		t.Fatalf("%s: Naive: %v", what, err)
	}
	if d := cmp.Diff(ref, res, resultOpt); d != "" {
		t.Fatalf("%s: Tick differs from Naive (-naive +tick):\n%s", what, d)
	}
	return res
}

// resultView is a Result as cmp compares it: its exported fields, and its
// facts and the next State's in canonical form (the storage behind them,
// run and tail, is not part of the value).
type resultView struct {
	Facts, Next         FactSet
	Sends               []Message
	Outputs, Violations []value.Fact
	Derived             int
	Fired               []int
}

// resultOpt makes cmp compare Results by their resultView.
var resultOpt = cmp.Transformer("Result", func(r Result) resultView {
	return resultView{Facts: r.Facts(), Next: r.Next(), Sends: r.Sends, Outputs: r.Outputs, Violations: r.Violations, Derived: r.Derived, Fired: r.Fired}
})

// tickAtOnce ticks, from four goroutines at once, the States states[at(g)]
// with deliveries in(g) for g = 0..3, and fails unless each tick gives
// what Naive gives from the same carried facts (carried[at(g)]): several
// ticks from one State (or from States sharing storage) may race only
// for the room behind its relations, never change what a tick gives.
func tickAtOnce(t *testing.T, ev *Evaluator, p *analysis.Program, node Node, states []*State, carried []FactSet, at func(g int) int, in func(g int) []value.Fact) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, d := at(g), in(g)
			res, err := ev.Tick(node, Input{State: states[k], Delivered: d}, nil, Limits{})
			ref, rerr := Naive(p, node, Input{Carried: carried[k], Delivered: d}, nil, Limits{})
			if err != nil || rerr != nil {
				t.Errorf("tick from state %d: %v, %v", k, err, rerr)
				return
			}
			if diff := cmp.Diff(ref, res, resultOpt); diff != "" {
				t.Errorf("tick from state %d, goroutine %d differs from Naive (-naive +tick):\n%s", k, g, diff)
			}
		}()
	}
	wg.Wait()
}

// statesText renders each State (GoString), to check later that ticking
// them again changed none (sameStates).
func statesText(states []*State) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = s.GoString()
	}
	return out
}

// sameStates fails unless the States still render as before did.
func sameStates(t *testing.T, states []*State, before []string) {
	t.Helper()
	if d := cmp.Diff(before, statesText(states)); d != "" {
		t.Errorf("ticking States again changed States made before (-before +after):\n%s", d)
	}
}

// pairRows draws sorted, distinct rows of two ints (a in 0..maxA, b in
// 0..maxB): relation versions for the tests of the row structures.
func pairRows(rt *rapid.T, label string, maxA, maxB int64) []value.Tuple {
	gen := rapid.Custom(func(rt *rapid.T) value.Tuple {
		return value.Tuple{value.Int(rapid.Int64Range(0, maxA).Draw(rt, "a")), value.Int(rapid.Int64Range(0, maxB).Draw(rt, "b"))}
	})
	return Normalize(FactSet{"r": rapid.SliceOf(gen).Draw(rt, label)})["r"]
}
