package reach_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/gentest"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
	"pgregory.net/rapid"
)

// genProgram generates a random single-component program: inputs e0..e1,
// derived relations in gentest's layers (a same-tick rule of layer k reads
// layers <= k positively and lower layers through negation or aggregation),
// next-tick rules that read and derive anything derived (counters), and
// assignments with every arithmetic operator, filters, aggregates and
// built-ins.
func genProgram(t *rapid.T) (string, sim.Workload) {
	var b strings.Builder
	rels := gentest.Inputs(t, &b, 2, 2)
	// A counter: seeded from e0, stepped every tick while under a bound.
	ops := []string{"+", "-", "*"}
	fmt.Fprintf(&b, "cnt(x) :- e0(x%s).\n", strings.Repeat(", _", rels[0].Arity-1))
	fmt.Fprintf(&b, "cnt(k1) :+ cnt(k), k1 = k %s %d, (k %s %d).\n", ops[rapid.IntRange(0, 2).Draw(t, "cop")], rapid.IntRange(-2, 3).Draw(t, "cstep"),
		[]string{"<", ">", "!="}[rapid.IntRange(0, 2).Draw(t, "ccmp")], rapid.IntRange(-30, 60).Draw(t, "cbound"))
	rels = append(rels, gentest.Rel{Name: "cnt", Arity: 1})
	rels, derived := gentest.Layered{
		MaxRules: 2,
		Name:     func(k, j, n int) string { return fmt.Sprintf("r%d_%d", k, n-j) },
		Rule: func(t *rapid.T, head string, arity int, agg bool, pick func(neg bool) (string, int)) string {
			return genRule(t, head, arity, agg, ":-", pick)
		},
	}.Generate(t, &b, rels)
	for i := rapid.IntRange(0, 3).Draw(t, "nnext"); i > 0; i-- {
		h := derived[rapid.IntRange(0, len(derived)-1).Draw(t, "nexthead")]
		b.WriteString(genRule(t, h.Name, h.Arity, false, ":+", func(bool) (string, int) {
			c := rels[rapid.IntRange(0, len(rels)-1).Draw(t, "natom")]
			return c.Name, c.Arity
		}))
	}
	var w sim.Workload
	for i := rapid.IntRange(1, 60).Draw(t, "nfacts"); i > 0; i-- {
		r := rels[rapid.IntRange(0, 1).Draw(t, "frel")]
		tup := make(value.Tuple, r.Arity)
		for c := range tup {
			tup[c] = value.Int(int64(rapid.IntRange(-20, 60).Draw(t, "v")))
		}
		w = append(w, sim.InputEvent{Time: int64(rapid.IntRange(1, 5).Draw(t, "at")), Fact: value.Fact{Rel: r.Name, Tuple: tup}, Node: value.Addr{Comp: analysis.MainComponent}})
	}
	w.Sort()
	return b.String(), w
}

func genRule(t *rapid.T, head string, arity int, agg bool, arrow string, pick func(neg bool) (string, int)) string {
	vars := []string{"x", "y", "z", "u", "w"}
	var body []string
	bound := map[string]bool{}
	var boundList []string
	for i := rapid.IntRange(1, 2).Draw(t, "npos"); i > 0 || len(boundList) == 0; i-- {
		name, ar := pick(false)
		args := make([]string, ar)
		for c := range args {
			switch k := rapid.IntRange(0, 7).Draw(t, "argkind"); {
			case k == 0:
				args[c] = fmt.Sprint(rapid.IntRange(-1, 3).Draw(t, "c"))
				continue
			case k <= 2 && len(boundList) > 0:
				args[c] = boundList[rapid.IntRange(0, len(boundList)-1).Draw(t, "reuse")]
			case len(boundList) < len(vars):
				args[c] = vars[len(boundList)]
			default:
				args[c] = vars[rapid.IntRange(0, len(vars)-1).Draw(t, "var")]
			}
			if !bound[args[c]] {
				bound[args[c]] = true
				boundList = append(boundList, args[c])
			}
		}
		body = append(body, fmt.Sprintf("%s(%s)", name, strings.Join(args, ", ")))
	}
	boundVar := func() string { return boundList[rapid.IntRange(0, len(boundList)-1).Draw(t, "bv")] }
	operand := func() string {
		if rapid.Bool().Draw(t, "opconst") {
			return fmt.Sprint(rapid.IntRange(-3, 7).Draw(t, "k"))
		}
		return boundVar()
	}
	for i, n := 0, rapid.IntRange(0, 2).Draw(t, "nassign"); i < n; i++ {
		v := fmt.Sprintf("v%d", i)
		switch rapid.IntRange(0, 6).Draw(t, "assignkind") {
		case 0:
			body = append(body, fmt.Sprintf("%s = hash(%s) %% %d", v, boundVar(), rapid.IntRange(1, 5).Draw(t, "m")))
		case 1:
			// The bound modulo 7: a counter may grow large, and an
			// enumeration of a million values per tick only slows the
			// evaluator down.
			body = append(body, fmt.Sprintf("n%d = %s %% 7, less_than(%s, n%d)", i, boundVar(), v, i))
		default:
			ops := []string{"+", "-", "*", "/", "%"}
			body = append(body, fmt.Sprintf("%s = %s %s %s", v, boundVar(), ops[rapid.IntRange(0, 4).Draw(t, "aop")], operand()))
		}
		boundList = append(boundList, v)
	}
	if rapid.IntRange(0, 2).Draw(t, "nneg") == 0 {
		name, ar := pick(true)
		args := make([]string, ar)
		for c := range args {
			if rapid.IntRange(0, 3).Draw(t, "wild") == 0 {
				args[c] = "_"
			} else {
				args[c] = boundVar()
			}
		}
		body = append(body, fmt.Sprintf("!%s(%s)", name, strings.Join(args, ", ")))
	}
	for i := rapid.IntRange(0, 3).Draw(t, "ncmp") - 1; i > 0; i-- {
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		body = append(body, fmt.Sprintf("(%s %s %s)", boundVar(), ops[rapid.IntRange(0, 5).Draw(t, "op")], operand()))
	}
	args := make([]string, arity)
	for c := range args {
		args[c] = boundVar()
		if rapid.IntRange(0, 5).Draw(t, "headarith") == 0 {
			args[c] = fmt.Sprintf("%s + %d", args[c], rapid.IntRange(-2, 2).Draw(t, "hk"))
		}
	}
	if agg {
		aggs := []string{"count(*)", "count(%s)", "sum(%s)", "min(%s)", "max(%s)", "choose(%s)", "index()"}
		a := aggs[rapid.IntRange(0, len(aggs)-1).Draw(t, "aggf")]
		if strings.Contains(a, "%s") {
			a = fmt.Sprintf(a, boundVar())
		}
		args[rapid.IntRange(0, arity-1).Draw(t, "aggpos")] = a
	}
	return fmt.Sprintf("%s(%s) %s %s.\n", head, strings.Join(args, ", "), arrow, strings.Join(body, ", "))
}

// TestRandomProgramsInsideAbstraction: for random programs with counters,
// arithmetic, aggregates and negation, every fact a simulated run derives
// lies inside the abstraction.
func TestRandomProgramsInsideAbstraction(t *testing.T) {
	accepted, rejected, facts := 0, 0, 0
	var firstReject string
	rapid.Check(t, func(rt *rapid.T) {
		src, w := genProgram(rt)
		p, diags := analysis.Load("gen.ded", []byte(src))
		if len(diags) > 0 {
			rejected++
			if firstReject == "" {
				firstReject = diags[0].Error() + "\n" + src
			}
			return
		}
		accepted++
		cfg, err := (&sim.Spec{Workload: w, Limits: sim.Limits{MaxTime: 40, MaxFacts: 20000}}).RunConfig(p, rapid.IntRange(0, 3).Draw(rt, "seed"))
		if err != nil {
			rt.Fatal(err)
		}
		cfg.Trace = sim.TraceOptions{Dump: []string{"*"}}
		if res, err := sim.Run(p, cfg); err != nil || res.Stop.Bounded() {
			return // a run error (a bound) is not a derivation to check
		}
		facts += checkRun(rt, p, cfg, "program:\n"+src)
	})
	t.Logf("random programs: %d accepted, %d rejected, %d facts checked", accepted, rejected, facts)
	if accepted < 2*rejected {
		t.Fatalf("too many generated programs rejected (%d of %d); first:\n%s", rejected, accepted+rejected, firstReject)
	}
}
