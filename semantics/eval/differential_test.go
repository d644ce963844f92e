package eval

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/internal/gentest"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// randomInput makes delivered and carried facts for a node of comp: facts
// of every relation the component reads but does not derive (messages,
// client inputs, timers), and carried facts of relations it persists.
func randomInput(p *analysis.Program, comp *analysis.Component, rng *rand.Rand, perRel int) Input {
	names := map[string]bool{}
	for _, list := range [][]string{comp.Inputs, comp.ClientInputs, comp.Timers} {
		for _, n := range list {
			names[n] = true
		}
	}
	var in Input
	for _, rel := range p.Relations { // sorted: deterministic
		if names[rel.Name] {
			for i := 0; i < perRel; i++ {
				in.Delivered = append(in.Delivered, value.Fact{Rel: rel.Name, Tuple: randomTuple(p, rel, rng)})
			}
		}
	}
	for _, r := range comp.Rules {
		if r.Kind == analysis.Persist && rng.IntN(2) == 0 {
			rel := p.Relation(r.Head.Rel)
			if in.Carried == nil {
				in.Carried = FactSet{}
			}
			for i := 0; i < perRel/2; i++ {
				in.Carried[rel.Name] = append(in.Carried[rel.Name], randomTuple(p, rel, rng))
			}
			in.Carried[rel.Name] = Normalize(FactSet{"x": in.Carried[rel.Name]})["x"]
		}
	}
	return in
}

func randomTuple(p *analysis.Program, rel *analysis.Relation, rng *rand.Rand) value.Tuple {
	t := make(value.Tuple, len(rel.Columns))
	for i, c := range rel.Columns {
		switch c.Type {
		case value.KindString:
			t[i] = value.Str([]string{"a", "b", "c"}[rng.IntN(3)])
		case value.KindAddr:
			comp := p.Components[rng.IntN(len(p.Components))]
			t[i] = value.AddrOf(value.Addr{Comp: comp.Name, Instance: rng.IntN(comp.Count)})
		default:
			t[i] = value.Int(int64(rng.IntN(5)))
		}
	}
	return t
}

// compareEvaluators runs Tick and Naive on the same input and fails on any
// difference (or if exactly one of them errs).
// fataler is what compareEvaluators needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func compareEvaluators(t fataler, p *analysis.Program, node Node, in Input, ch Choices, what string) *Result {
	t.Helper()
	fast, ferr := Tick(p, node, in, ch, Limits{})
	ref, rerr := Naive(p, node, in, ch, Limits{})
	if (ferr == nil) != (rerr == nil) {
		t.Fatalf("%s: Tick error %v, Naive error %v", what, ferr, rerr)
	}
	if ferr != nil {
		return nil
	}
	if d := cmp.Diff(ref, fast, resultOpt); d != "" {
		t.Fatalf("%s: Tick differs from Naive (-naive +tick):\n%s", what, d)
	}
	return fast
}

func loadTestdata(t *testing.T) map[string]*analysis.Program {
	files, err := filepath.Glob("../testdata/programs/*.ded")
	if err != nil || len(files) == 0 {
		t.Skip("no testdata programs")
	}
	out := map[string]*analysis.Program{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, diags := analysis.Load(f, src)
		if len(diags) > 0 {
			t.Errorf("%s does not analyse: %v", f, diags[0])
			continue
		}
		out[f] = p
	}
	return out
}

func TestDifferentialTestdata(t *testing.T) {
	progs := loadTestdata(t)
	for _, f := range sortedKeys(progs) {
		p := progs[f]
		for _, comp := range p.Components {
			for seed := uint64(0); seed < 20; seed++ {
				rng := rand.New(rand.NewPCG(seed, 7))
				in := randomInput(p, comp, rng, 1+int(seed%6))
				node := Node{Addr: value.Addr{Comp: comp.Name, Instance: int(seed) % comp.Count}}
				what := fmt.Sprintf("%s component %s seed %d", f, comp.Name, seed)
				compareEvaluators(t, p, node, in, lastChoicesIf(seed%2 == 1), what)
			}
		}
	}
}

func lastChoicesIf(b bool) Choices {
	if b {
		return lastChoices{}
	}
	return FirstChoices{}
}

func TestDeterminismUnderShuffledDelivery(t *testing.T) {
	progs := loadTestdata(t)
	for _, f := range sortedKeys(progs) {
		p := progs[f]
		for _, comp := range p.Components {
			rng := rand.New(rand.NewPCG(42, 1))
			in := randomInput(p, comp, rng, 6)
			node := Node{Addr: value.Addr{Comp: comp.Name}}
			first, err1 := Tick(p, node, in, nil, Limits{})
			for i := 0; i < 5; i++ {
				shuffled := in
				shuffled.Delivered = append([]value.Fact(nil), in.Delivered...)
				rng.Shuffle(len(shuffled.Delivered), func(a, b int) {
					shuffled.Delivered[a], shuffled.Delivered[b] = shuffled.Delivered[b], shuffled.Delivered[a]
				})
				// duplicates must not matter either
				shuffled.Delivered = append(shuffled.Delivered, shuffled.Delivered[:len(shuffled.Delivered)/2]...)
				again, err2 := Tick(p, node, shuffled, nil, Limits{})
				if fmt.Sprint(err1) != fmt.Sprint(err2) {
					t.Fatalf("%s %s: errors differ: %v vs %v", f, comp.Name, err1, err2)
				}
				if a, b := fmt.Sprintf("%#v", first), fmt.Sprintf("%#v", again); a != b {
					t.Fatalf("%s %s: results differ under shuffled delivery:\n%s", f, comp.Name, cmp.Diff(first, again, resultOpt))
				}
			}
		}
	}
}

// genProgram generates the text of a random stratified program: input
// relations e0..e2 and gentest's layers of derived relations (a rule of
// layer k reads relations of layers <= k positively, so recursion happens
// inside a layer, and only of lower layers through negation or
// aggregation), with genRule's bodies, and delivered facts of the inputs.
func genProgram(t *rapid.T) (string, []value.Fact) {
	var b strings.Builder
	rels := gentest.Inputs(t, &b, 3, 3)
	rels, _ = gentest.Layered{MaxRules: 3, Rule: genRule}.Generate(t, &b, rels)
	var facts []value.Fact
	n := rapid.IntRange(0, 40).Draw(t, "nfacts")
	for i := 0; i < n; i++ {
		r := rels[rapid.IntRange(0, 2).Draw(t, "frel")]
		tup := make(value.Tuple, r.Arity)
		for c := range tup {
			tup[c] = value.Int(int64(rapid.IntRange(0, 3).Draw(t, "v")))
		}
		facts = append(facts, value.Fact{Rel: r.Name, Tuple: tup})
	}
	return b.String(), facts
}

func genRule(t *rapid.T, head string, arity int, agg bool, pick func(neg bool) (string, int)) string {
	vars := []string{"x", "y", "z", "w"}
	var body []string
	bound := map[string]bool{}
	var boundList []string
	term := func() string {
		if rapid.IntRange(0, 7).Draw(t, "const") == 0 {
			return fmt.Sprint(rapid.IntRange(0, 3).Draw(t, "c"))
		}
		return vars[rapid.IntRange(0, len(vars)-1).Draw(t, "var")]
	}
	npos := rapid.IntRange(1, 3).Draw(t, "npos")
	for i := 0; i < npos; i++ {
		name, ar := pick(false)
		args := make([]string, ar)
		for c := range args {
			args[c] = term()
			if args[c][0] >= 'a' && !bound[args[c]] {
				bound[args[c]] = true
				boundList = append(boundList, args[c])
			}
		}
		body = append(body, fmt.Sprintf("%s(%s)", name, strings.Join(args, ", ")))
	}
	if len(boundList) == 0 {
		name, ar := pick(false)
		args := make([]string, ar)
		for c := range args {
			args[c] = vars[c]
			if !bound[vars[c]] {
				bound[vars[c]] = true
				boundList = append(boundList, vars[c])
			}
		}
		body = append(body, fmt.Sprintf("%s(%s)", name, strings.Join(args, ", ")))
	}
	boundVar := func() string { return boundList[rapid.IntRange(0, len(boundList)-1).Draw(t, "bv")] }
	if rapid.Bool().Draw(t, "assign") {
		body = append(body, fmt.Sprintf("v = (%s + %d) %% 4", boundVar(), rapid.IntRange(0, 3).Draw(t, "k")))
		boundList = append(boundList, "v")
	}
	for i := rapid.IntRange(0, 1).Draw(t, "nneg"); i > 0; i-- {
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
	if rapid.IntRange(0, 2).Draw(t, "cmp") == 0 {
		ops := []string{"<", "<=", ">", ">=", "==", "!="}
		body = append(body, fmt.Sprintf("(%s %s %s)", boundVar(), ops[rapid.IntRange(0, 5).Draw(t, "op")], boundVar()))
	}
	args := make([]string, arity)
	for c := range args {
		args[c] = boundVar()
	}
	if agg {
		aggs := []string{"count(*)", "count(%s)", "sum(%s)", "min(%s)", "max(%s)", "choose(%s)"}
		a := aggs[rapid.IntRange(0, len(aggs)-1).Draw(t, "aggf")]
		if strings.Contains(a, "%s") {
			a = fmt.Sprintf(a, boundVar())
		}
		args[rapid.IntRange(0, arity-1).Draw(t, "aggpos")] = a
	}
	return fmt.Sprintf("%s(%s) :- %s.\n", head, strings.Join(args, ", "), strings.Join(body, ", "))
}

func TestDifferentialRandomPrograms(t *testing.T) {
	accepted, rejected, productive, derived := 0, 0, 0, 0
	var firstReject string
	rapid.Check(t, func(rt *rapid.T) {
		src, facts := genProgram(rt)
		p, diags := analysis.Load("gen.ded", []byte(src))
		if len(diags) > 0 {
			rejected++
			if firstReject == "" {
				firstReject = diags[0].Error() + "\n" + src
			}
			return
		}
		accepted++
		var ch Choices = FirstChoices{}
		if rapid.Bool().Draw(rt, "last") {
			ch = lastChoices{}
		}
		if res := compareEvaluators(rt, p, node0("main"), Input{Delivered: facts}, ch, "program:\n"+src); res != nil {
			derived += res.Derived
			if res.Derived > 0 {
				productive++
			}
		}
	})
	t.Logf("random programs: %d accepted, %d rejected; %d derived something, %d facts derived in all", accepted, rejected, productive, derived)
	if productive < accepted/4 {
		t.Fatalf("only %d of %d generated programs derived anything: the generator is too weak to test much", productive, accepted)
	}
	if accepted < 3*rejected {
		t.Fatalf("too many generated programs rejected (%d of %d); first:\n%s", rejected, accepted+rejected, firstReject)
	}
}
