package eval

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deepCopy copies a Result so that later ticks cannot change the copy.
func deepCopy(r *Result) *Result {
	cp := *r
	copySet := func(fs FactSet) FactSet {
		out := FactSet{}
		for k, ts := range fs {
			for _, t := range ts {
				out[k] = append(out[k], slices.Clone(t))
			}
		}
		return out
	}
	cp.facts, cp.fcache = relSetOf(copySet(r.Facts())), &factsCache{}
	cp.State = &State{rels: relSetOf(copySet(r.Next())), prog: r.State.prog}
	cp.Sends = slices.Clone(r.Sends)
	for i := range cp.Sends {
		cp.Sends[i].Fact.Tuple = slices.Clone(cp.Sends[i].Fact.Tuple)
	}
	cp.Outputs = slices.Clone(r.Outputs)
	cp.Violations = slices.Clone(r.Violations)
	return &cp
}

// TestReusedEnginesLeakNothing runs sequences of ticks of one program
// (so later ticks reuse the pooled engine of earlier ones) with inputs of
// different sizes: every result must match Naive, and no later tick may
// change a Result returned earlier (results share the tables' storage).
func TestReusedEnginesLeakNothing(t *testing.T) {
	for _, mk := range []func(int) benchCase{
		func(n int) benchCase { return tcCase(t, n) },
		func(n int) benchCase { return quorumCase(t, 20*n) },
		func(n int) benchCase { return collisionCase(t, 5*n) },
	} {
		// One program, several inputs: the cases differ only in input.
		base := mk(1)
		var kept []*Result
		var copies []*Result
		for i, n := range []int{30, 3, 60, 1, 30} {
			c := mk(n)
			c.prog = base.prog
			res := compareEvaluators(t, c.prog, c.node, c.in, nil, fmt.Sprintf("%s run %d", c.name, i))
			kept = append(kept, res)
			copies = append(copies, deepCopy(res))
		}
		for i := range kept {
			if d := cmp.Diff(copies[i], kept[i], resultOpt); d != "" {
				t.Fatalf("%s: result %d changed by later ticks (-then +now):\n%s", base.name, i, d)
			}
		}
	}
}

// TestReusedEnginesResetCounters runs one tick many times with a fact
// limit that the tick fits under but the ticks together would exceed: no
// count may carry over from one tick to the next.
func TestReusedEnginesResetCounters(t *testing.T) {
	c := collisionCase(t, 50)
	res, err := Tick(c.prog, c.node, c.in, nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, ts := range res.Facts() {
		stored += len(ts)
	}
	lim := Limits{MaxFacts: stored + 1}
	for i := range 10 {
		if _, err := Tick(c.prog, c.node, c.in, nil, lim); err != nil {
			t.Fatalf("tick %d with MaxFacts %d: %v", i, lim.MaxFacts, err)
		}
	}
}

// TestConcurrentTicksAgree runs ticks of one program from several
// goroutines (each takes its own pooled engine) and compares each with a
// sequential run.
func TestConcurrentTicksAgree(t *testing.T) {
	p := load(t, quorumSrc)
	inputs := make([]Input, 8)
	want := make([]*Result, len(inputs))
	for i := range inputs {
		inputs[i] = quorumCase(t, 50+40*i).in
		res, err := Tick(p, node0("main"), inputs[i], nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res
	}
	got := make([]*Result, len(inputs))
	errs := make([]error, len(inputs))
	var wg sync.WaitGroup
	for i := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				got[i], errs[i] = Tick(p, node0("main"), inputs[i], nil, Limits{})
				if errs[i] != nil {
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
			t.Fatalf("input %d: concurrent tick differs (-sequential +concurrent):\n%s", i, d)
		}
	}
}
