package reach_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/reach"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

func load(t testing.TB, name string, src []byte) *analysis.Program {
	t.Helper()
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

func loadCorpus(t testing.TB, name string) *analysis.Program {
	t.Helper()
	src, err := corpus.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	return load(t, name, src)
}

// boundsOf is the Bounds of runs under lim.
func boundsOf(lim sim.Limits) reach.Bounds {
	l := lim.WithDefaults()
	return reach.Bounds{MaxTime: l.MaxTime, MaxTicks: int64(l.MaxTicks), MaxFacts: int64(l.MaxFacts), MaxMessages: int64(l.MaxMessages)}
}

type fataler interface {
	Fatalf(format string, args ...any)
}

// checkRun runs p under cfg with every tick's facts traced and fails when
// a fact of the run (in a tick, sent, or output) lies outside the
// abstraction of p on the run's inputs. It returns the facts checked.
func checkRun(t fataler, p *analysis.Program, cfg sim.Config, what string) int {
	cfg.Trace = sim.TraceOptions{Dump: []string{"*"}}
	res, err := sim.Run(p, cfg)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var inputs []value.Fact
	for _, in := range res.History.Inputs {
		inputs = append(inputs, in.Fact)
	}
	a, err := reach.Analyse(p, inputs, boundsOf(cfg.Limits))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	n := 0
	check := func(f value.Fact, where string) {
		n++
		if ok, why := a.MayDerive(f); !ok {
			t.Fatalf("%s: the run derives %s (%s), which the analysis excludes: %s", what, f, where, why)
		}
	}
	for _, e := range res.Trace.Events {
		switch e.Kind {
		case sim.EvTick:
			for _, f := range e.Dump {
				check(f, fmt.Sprintf("tick %d of %s at %d", e.Tick, e.Node, e.Time))
			}
			for _, f := range e.Outputs {
				check(f, "output")
			}
		case sim.EvSend:
			check(e.Fact, "sent by "+e.Node.String())
		}
	}
	return n
}

// TestCorpusRunsInsideAbstraction: every fact any simulated run of every
// corpus program derives, fault-free and under omissions, a crash and
// duplication, over several seeds, lies inside the abstraction.
func TestCorpusRunsInsideAbstraction(t *testing.T) {
	facts := 0
	for _, name := range corpus.Programs() {
		p := loadCorpus(t, name)
		plans := []string{"none", "omission random f=1 p=0.3 until=20", "duplicate p=0.5 until=60"}
		if len(p.Components) > 0 {
			plans = append(plans, fmt.Sprintf("crash %s[0] at=7", p.Components[0].Name))
		}
		for _, plan := range plans {
			fp, err := sim.ParseFaultPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			spec := sim.Spec{Open: 4, Faults: fp, Limits: sim.Limits{MaxTime: 150}}
			for i := 0; i < 3; i++ {
				cfg, err := spec.RunConfig(p, i)
				if err != nil {
					t.Fatal(err)
				}
				facts += checkRun(t, p, cfg, fmt.Sprintf("%s, faults %q, run %d", name, plan, i))
			}
		}
	}
	t.Logf("%d facts checked", facts)
}

func TestExplanations(t *testing.T) {
	src := `
.input in(v: int)
.output out(k: int, v: int)
.output pair(a: int, b: string)
next(0) :- in(_).
next(k1) :+ next(k), k1 = k + 1, (k < 1000).
out(k, v) :- next(k), in(v).
pair(1, "a") :- in(_).
pair(2, "b") :- in(_).
`
	p := load(t, "t.ded", []byte(src))
	a, err := reach.Analyse(p, []value.Fact{{Rel: "in", Tuple: value.Tuple{value.Int(5)}}}, boundsOf(sim.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    value.Fact
		ok   bool
		want string
	}{
		{value.Fact{Rel: "out", Tuple: value.Tuple{value.Int(3), value.Int(5)}}, true, ""},
		{value.Fact{Rel: "out", Tuple: value.Tuple{value.Int(-1), value.Int(5)}}, false, "column 1 of out is always in [0, 1000]"},
		{value.Fact{Rel: "out", Tuple: value.Tuple{value.Int(3), value.Int(6)}}, false, "column 2 of out is always 5"},
		{value.Fact{Rel: "pair", Tuple: value.Tuple{value.Int(1), value.Str("b")}}, false, "no source of pair builds these values together"},
		{value.Fact{Rel: "pair", Tuple: value.Tuple{value.Int(2), value.Str("b")}}, true, ""},
		{value.Fact{Rel: "nope", Tuple: value.Tuple{value.Int(2)}}, false, "the original has no relation nope"},
	} {
		ok, why := a.MayDerive(c.f)
		if ok != c.ok || !strings.Contains(why, c.want) {
			t.Errorf("%s: got %v %q, want %v %q", c.f, ok, why, c.ok, c.want)
		}
	}
}

// TestWrappingCounter: a counter that steps by 2^58 wraps to negative
// values after 32 ticks; the bounded-growth argument fails for it, so
// the analysis widens to the int64 limits and every run's facts are still
// inside (a counter stepping by 1 keeps its widened bound >= 0).
func TestWrappingCounter(t *testing.T) {
	for _, c := range []struct {
		step     string
		fallback bool
	}{{"288230376151711744", true}, {"1", false}} {
		src := ".input in(v: int)\n.output out(k: int)\nc(1) :- in(_).\nc(k1) :+ c(k), k1 = k + " + c.step + ".\nout(k) :- c(k).\n"
		p := load(t, "wrap.ded", []byte(src))
		spec := sim.Spec{Workload: sim.Workload{{Time: 1, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(0)}}, Node: value.Addr{Comp: analysis.MainComponent}}}, Limits: sim.Limits{MaxTime: 40}}
		cfg, err := spec.RunConfig(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkRun(t, p, cfg, "step "+c.step)
		a, err := reach.Analyse(p, []value.Fact{{Rel: "in", Tuple: value.Tuple{value.Int(0)}}}, boundsOf(cfg.Limits))
		if err != nil {
			t.Fatal(err)
		}
		if a.Fallback != c.fallback || a.Widened == c.fallback {
			t.Errorf("step %s: fallback %v widened %v, want fallback %v", c.step, a.Fallback, a.Widened, c.fallback)
		}
		neg, _ := a.MayDerive(value.Fact{Rel: "out", Tuple: value.Tuple{value.Int(-5)}})
		if neg != c.fallback {
			t.Errorf("step %s: out(-5) possible = %v, want %v", c.step, neg, c.fallback)
		}
	}
}

// TestEveryTestProgramAnalyses: the analysis finishes without an error on
// every well-formed program of the repository's test data (no inputs),
// and every simulated run of the runnable ones lies inside it.
func TestEveryTestProgramAnalyses(t *testing.T) {
	var files []string
	for _, pat := range []string{"../testdata/programs/*.ded", "../analysis/testdata/ok/*.ded"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 5 {
		t.Fatalf("only %d programs found", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, diags := analysis.Load(f, src)
		if len(diags) > 0 {
			continue
		}
		if _, err := reach.Analyse(p, nil, boundsOf(sim.Limits{})); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		spec := sim.Spec{Open: 3, Limits: sim.Limits{MaxTime: 80}}
		cfg, err := spec.RunConfig(p, 0)
		if err != nil {
			continue // no inputs to generate, or no clients: nothing to run
		}
		checkRun(t, p, cfg, f)
	}
}
