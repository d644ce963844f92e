package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"pgregory.net/rapid"
)

// firedByMatches says which rules Matches finds firing over a tick's
// facts: a rule fires when a match that no negated literal blocks derives
// a head tuple (for an aggregate rule, forms a group).
func firedByMatches(t fataler, p *analysis.Program, node Node, res *Result) []int {
	t.Helper()
	var out []int
	for _, r := range p.Component(node.Addr.Comp).Rules {
		ms, capped, err := Matches(p, node, res.Facts(), r, 0)
		if err != nil || capped {
			t.Fatalf("rule %d: Matches: %v (capped %v)", r.ID, err, capped)
		}
		fired := false
		if r.Head.HasAggregate {
			_, groups, err := Groups(p, node, r, ms)
			if err != nil {
				t.Fatalf("rule %d: Groups: %v", r.ID, err)
			}
			fired = groups > 0
		}
		for _, m := range ms {
			if fired || len(m.Blocked) > 0 || r.Head.HasAggregate {
				continue
			}
			_, _, ok, err := Head(p, node, r, m.Env)
			if err != nil {
				t.Fatalf("rule %d: Head: %v", r.ID, err)
			}
			fired = ok
		}
		if fired {
			out = append(out, r.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Matches over a tick's facts agrees with the tick on which rules fired,
// on the testdata programs and on random programs: re-evaluating a rule
// over the fixpoint sees what the tick saw.
func TestMatchesAgreeWithFired(t *testing.T) {
	progs := loadTestdata(t)
	for _, f := range sortedKeys(progs) {
		p := progs[f]
		for _, comp := range p.Components {
			for seed := uint64(0); seed < 20; seed++ {
				rng := rand.New(rand.NewPCG(seed, 11))
				in := randomInput(p, comp, rng, 1+int(seed%6))
				node := Node{Addr: value.Addr{Comp: comp.Name, Instance: int(seed) % comp.Count}}
				res, err := Tick(p, node, in, nil, Limits{})
				if err != nil {
					continue
				}
				if got := firedByMatches(t, p, node, res); !slices.Equal(got, res.Fired) {
					t.Fatalf("%s %s seed %d: Matches say rules %v fired, the tick %v", f, comp.Name, seed, got, res.Fired)
				}
			}
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		src, facts := genProgram(rt)
		p, diags := analysis.Load("gen.ded", []byte(src))
		if len(diags) > 0 {
			return
		}
		res, err := Tick(p, node0("main"), Input{Delivered: facts}, nil, Limits{})
		if err != nil {
			return
		}
		if got := firedByMatches(rt, p, node0("main"), res); !slices.Equal(got, res.Fired) {
			rt.Fatalf("Matches say rules %v fired, the tick %v; program:\n%s", got, res.Fired, src)
		}
	})
}

// Matches reports each negated literal that blocks a row, and Groups the
// rows per group as the aggregate counts them.
func TestMatchesBlockedAndGroups(t *testing.T) {
	p := load(t, `
.input a(k: int, v: int)
.input stop(k: int)
.input seen(v: int)
.output out(k: int, v: int)
.output n(k: int, c: int)
out(k, v) :- a(k, v), !stop(k), !seen(v).
n(k, count(v)) :- a(k, v), !stop(k).
`)
	res, err := Tick(p, node0("main"), Input{Delivered: []value.Fact{
		fact("a", 1, 10), fact("a", 1, 11), fact("a", 1, 12), fact("a", 2, 10), fact("a", 3, 13),
		fact("stop", 3), fact("seen", 10), fact("seen", 13),
	}}, nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	ms, capped, err := Matches(p, node0("main"), res.Facts(), r, 0)
	if err != nil || capped {
		t.Fatal(err, capped)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%v%v", []value.Value{m.Env[0], m.Env[1]}, m.Blocked))
	}
	slices.Sort(got)
	want := []string{"[1 10][2]", "[1 11][]", "[1 12][]", "[2 10][2]", "[3 13][1 2]"}
	if !slices.Equal(got, want) {
		t.Errorf("matches %v, want %v", got, want)
	}
	ms, _, _ = Matches(p, node0("main"), res.Facts(), p.Rules[1], 0)
	largest, groups, err := Groups(p, node0("main"), p.Rules[1], ms)
	if err != nil || largest != 3 || groups != 2 {
		t.Errorf("groups: largest %d of %d groups (%v), want 3 of 2", largest, groups, err)
	}
	if ms, capped, _ := Matches(p, node0("main"), res.Facts(), r, 2); len(ms) != 2 || !capped {
		t.Errorf("max 2: %d matches, capped %v", len(ms), capped)
	}
}

// GroupMatches finds an aggregate fact's group, also for choose(), whose
// value came from the run's Choices (here the last candidate, which
// aggregating with the first choices would not derive).
func TestGroupMatchesChoose(t *testing.T) {
	p := load(t, `
.input a(k: int, v: int)
.output best(k: int, v: int)
best(k, choose(v)) :- a(k, v).
`)
	res, err := Tick(p, node0("main"), Input{Delivered: []value.Fact{fact("a", 1, 10), fact("a", 1, 11), fact("a", 2, 12)}}, lastChoices{}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	ms, _, err := Matches(p, node0("main"), res.Facts(), r, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		t    value.Tuple
		rows int
	}{{res.Facts()["best"][0], 2}, {res.Facts()["best"][1], 1}} {
		rows, ok, err := GroupMatches(p, node0("main"), r, ms, value.Addr{}, want.t)
		if err != nil || !ok || len(rows) != want.rows {
			t.Errorf("group of best%v: %d rows, ok %v (%v); want %d", want.t, len(rows), ok, err, want.rows)
		}
	}
	if got := res.Facts()["best"][0]; got[1].I != 11 {
		t.Fatalf("lastChoices should choose 11 for k=1, chose %v", got)
	}
}
