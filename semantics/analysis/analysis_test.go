package analysis

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/value"
)

func mustLoad(t *testing.T, src string) *Program {
	t.Helper()
	p, diags := Load("test.ded", []byte(src))
	require.Empty(t, diags, "%s", diags.Render([]byte(src)))
	require.NotNil(t, p)
	checkInvariants(t, p)
	return p
}

func kinds(r *Relation) string {
	var s []string
	for _, c := range r.Columns {
		s = append(s, c.Type.String())
	}
	return strings.Join(s, ",")
}

func TestTypeInference(t *testing.T) {
	tests := []struct {
		name, src, rel, want string
	}{
		{"default int", "p(x) :- q(x).", "q", "int"},
		{"string constant flows through join", `p(x) :- q(x, y), r(y). r("a").`, "q", "int,string"},
		{"declared type flows to rule vars", ".decl q(a: string)\np(x) :- q(x).", "p", "string"},
		{"arithmetic gives int", `.decl q(a: string)
p(x, n + 1) :- q(x), r(n).`, "p", "string,int"},
		{"hash gives int", `.decl q(a: string)
p(h, x) :- q(x), h = hash(x).`, "p", "int,string"},
		{"concat gives string", "p(c) :- q(x), c = concat(x, x).", "p", "string"},
		{"instance address gives addr", "component s[2] { p(s[k]) :- q(k). }", "p", "addr"},
		{"component atom gives addr", "component s[2] { p(a) :- q(x), s(a). }", "p", "addr"},
		{"self gives addr", "p(a) :- q(x), self(a).", "p", "addr"},
		{"timer is int", ".timer tick 10\np(n) :- tick(n).", "p", "int"},
		{"min keeps argument type", `.decl q(a: string, b: addr)
p(min(b), a) :- q(a, b).`, "p", "addr,string"},
		{"count is int", `.decl q(a: string)
p(count(a)) :- q(a).`, "p", "int"},
		{"comparison unifies", `p(x) :- q(x), r(y), (x == y). r("z").`, "q", "string"},
		{"fact types", `f(1, "a").`, "f", "int,string"},
		{"assignment unifies", `p(y) :- q(x), y = x. q("s").`, "p", "string"},
		{"less_than is int", "p(v) :- less_than(v, 3).", "p", "int"},
		{"negation unifies", `p(x) :- q(x), !r(x). r("a").`, "q", "string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.src)
			r := p.Relation(tt.rel)
			require.NotNil(t, r)
			require.Equal(t, tt.want, kinds(r))
		})
	}
}

// planOf renders a rule's plan as the literal kinds and relations in order.
func planOf(r *Rule) string {
	var s []string
	for _, i := range r.Plan {
		l := r.Body[i]
		switch l.Kind {
		case LitAtom:
			s = append(s, l.Rel)
		case LitNegated:
			s = append(s, "!"+l.Rel)
		case LitBuiltin:
			s = append(s, "b:"+l.Rel)
		case LitFilter:
			s = append(s, "filter"+l.Op)
		case LitAssign:
			s = append(s, "assign:"+r.Vars[l.Left.Var])
		}
	}
	return strings.Join(s, " ")
}

func TestPlanOrdering(t *testing.T) {
	tests := []struct{ name, rule, want string }{
		{"filter before later atom", "p(x) :- q(x), (x > 1), r(x).", "q filter> r"},
		{"negation waits for binding", "p(x) :- !r(x), q(x).", "q !r"},
		{"assignment waits for input", "p(y) :- y = x + 1, q(x).", "q assign:y"},
		{"assignment of bound var is a filter", "p(x) :- q(x, y), x = y.", "q filter=="},
		{"assignment binds a free right side", "p(x) :- q(x), r(y), x = y.", "q assign:y r"},
		{"assignment from constant first", "p(y) :- q(y), y = 3.", "assign:y q"},
		{"reversed assignment binds right", "p(y) :- q(x), x = y.", "q assign:y"},
		{"function built-in after input", "p(h) :- hash(x, h), q(x).", "q b:hash"},
		{"enumeration after atoms bind", "component s[3] { p(a) :- s(a), q(a). }", "q b:s"},
		{"enumeration when nothing else", "component s[3] { p(a, x) :- s(a), q(x). }", "q b:s"},
		{"less_than after its bound", "p(v) :- less_than(v, n), q(n).", "q b:less_than"},
		{"chained assignments", "p(z) :- q(x), z = y * 2, y = x + 1.", "q assign:y assign:z"},
		{"negated builtin becomes filter", "p(v) :- q(v, s), !verify(v, s).", "q filter!="},
		{"existential negation var", "p(x) :- q(x), !r(x, y).", "q !r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.rule)
			require.Equal(t, tt.want, planOf(p.Rules[0]))
		})
	}
}

func TestExistentialVarBecomesWildcard(t *testing.T) {
	p := mustLoad(t, "p(x) :- q(x), !r(x, y).")
	neg := p.Rules[0].Body[1]
	require.Equal(t, LitNegated, neg.Kind)
	require.Equal(t, TermVar, neg.Args[0].Op)
	require.Equal(t, TermWildcard, neg.Args[1].Op)
}

func TestIntDestinationBecomesNodeCall(t *testing.T) {
	p := mustLoad(t, "component a[2] { m@(k % 2)(k) :~ q(k). n@b(k) :~ q(k), a(b). }")
	at := p.Rules[0].Head.At
	require.Equal(t, TermCall, at.Op)
	require.Equal(t, "node", at.Func)
	require.Equal(t, value.KindAddr, at.Type)
	require.Equal(t, TermMod, at.Args[0].Op)
	require.Equal(t, TermVar, p.Rules[1].Head.At.Op)
}

func TestRuleKinds(t *testing.T) {
	tests := []struct {
		rule string
		want RuleKind
	}{
		{"p(x) :- q(x).", Sync},
		{"p(x) :+ q(x).", NextTick},
		{"component a { p@a[0](x) :~ q(x). }", Async},
		{"p(x, y) :+ p(x, y).", Persist},
		{"p(x, y) :+ p(y, x).", NextTick},          // swapped columns
		{"p(x, x) :+ p(x, x).", NextTick},          // repeated variable
		{"p(x, y) :+ p(x, y), q(x).", NextTick},    // extra literal
		{"p(x, y) :+ p(x, y), (x > 0).", NextTick}, // garbage-collecting persistence
		{"p(x) :+ q(x), p(x).", NextTick},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			p := mustLoad(t, tt.rule)
			require.Equal(t, tt.want, p.Rules[0].Kind)
		})
	}
}

func TestPersistDirective(t *testing.T) {
	p := mustLoad(t, `
.persist acks
component a { acks(x, y) :- in(x, y). }
component b { other(x) :- acks(x, _). }
component c { unrelated(x) :- z(x). }
`)
	var got []string
	for _, r := range p.Rules {
		if r.Kind == Persist {
			got = append(got, r.Component+":"+r.Head.Rel)
			require.Nil(t, r.Source)
			require.Equal(t, []int{0}, r.Plan)
		}
	}
	require.Equal(t, []string{"a:acks", "b:acks"}, got)
	// A hand-written persistence rule is not duplicated.
	p = mustLoad(t, "component a { .persist r\n r(x) :+ r(x). r(x) :- q(x). }")
	n := 0
	for _, r := range p.Rules {
		if r.Kind == Persist {
			n++
		}
	}
	require.Equal(t, 1, n)
}

func strataOf(c *Component) []string {
	var s []string
	for _, st := range c.Strata {
		s = append(s, strings.Join(st.Relations, "+"))
	}
	return s
}

func TestStratificationOrder(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"chain", "c(x) :- b(x). b(x) :- a(x). a(x) :- in(x).", []string{"a", "b", "c"}},
		{"negation lower first", "p(x) :- q(x), !r(x). r(x) :- s(x).", []string{"r", "p"}},
		{"recursion is one stratum", "path(x, y) :- edge(x, y). path(x, z) :- path(x, y), edge(y, z). far(x) :- path(x, _), !near(x). near(x) :- edge(x, _).",
			[]string{"near", "path", "far"}},
		{"mutual recursion", "a(x) :- b(x). b(x) :- a(x). b(x) :- in(x). c(n) :- k(n), count_of(n). count_of(count(x)) :- a(x).",
			[]string{"a+b", "count_of", "c"}},
		{"next tick breaks the cycle", "p(x) :- q(x), !r(x). r(x) :+ p(x).", []string{"p"}},
		{"ties by name", "z(x) :- in(x). a(x) :- in(x). m(x) :- in(x).", []string{"a", "m", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.src)
			c := p.Components[0]
			require.Equal(t, tt.want, strataOf(c))
			for i, st := range c.Strata {
				for _, r := range st.Rules {
					require.Equal(t, i, r.Stratum)
				}
			}
		})
	}
}

// TestPaperVocabulary checks References, Inputs and Outputs of the paper's
// running example (Listings 1 and 2) against the text of §2.4: "the storage
// component in Listing 2 references toStorage, hashset, collisions, and
// numCollisions", "toStorage is an input to the storage component",
// "fromStorage is an output of the storage component".
func TestPaperVocabulary(t *testing.T) { // §2.4
	p, diags := Load("paper_listing.ded", mustRead(t, "testdata/ok/paper_listing.ded"))
	require.Empty(t, diags)
	type vocab struct{ Refs, Inputs, Outputs, Heads, ClientInputs []string }
	got := map[string]vocab{}
	for _, c := range p.Components {
		got[c.Name] = vocab{c.References, c.Inputs, c.Outputs, c.Heads, c.ClientInputs}
	}
	want := map[string]vocab{
		"storage": {
			Refs:    []string{"collisions", "hashset", "numCollisions", "toStorage"},
			Inputs:  []string{"toStorage"},
			Outputs: []string{"fromStorage"},
			Heads:   []string{"collisions", "fromStorage", "hashset", "numCollisions"},
		},
		"leader": {
			// numNodes holds static facts only (EDB), so it is no reference.
			Refs:         []string{"acks", "certs", "fromStorage", "in", "numACKs", "signed"},
			Inputs:       []string{"fromStorage", "in"},
			Outputs:      []string{"outCert", "outInconsistent", "toStorage"},
			Heads:        []string{"acks", "certs", "numACKs", "outCert", "outInconsistent", "signed", "toStorage"},
			ClientInputs: []string{"in"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("vocabulary (-want +got):\n%s", diff)
	}
}

func TestFactsPlacement(t *testing.T) {
	p := mustLoad(t, `
g(1).
component a[2] { l(a[3]). p(x) :- g(x), l(_). }
component b { q(x) :- g(x). }
`)
	require.Equal(t, "[g(1) l(a[1])]", factsString(p.Component("a").Facts))
	require.Equal(t, "[g(1)]", factsString(p.Component("b").Facts))
}

func factsString(fs []value.Fact) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestInputEntry(t *testing.T) {
	p := mustLoad(t, `
.input top(v: int)
component a { .input local(v: int)
  x(v) :- local(v). }
component b { y(v) :- top(v). }
`)
	require.Equal(t, "b", p.Relation("top").InputComponent)
	require.Equal(t, "a", p.Relation("local").InputComponent)
	require.Equal(t, []string{"local"}, p.Component("a").ClientInputs)
}

func TestAggregateHead(t *testing.T) {
	p := mustLoad(t, "p(k, count(*), max(v), k2) :- q(k, v, k2).")
	h := p.Rules[0].Head
	require.True(t, h.HasAggregate)
	require.Equal(t, []int{0, 3}, h.GroupBy)
	require.True(t, h.Args[1].Agg.Star)
	require.Equal(t, "v", p.Rules[0].Vars[h.Args[2].Agg.Vars[0]])
}

func TestDeterministicSummary(t *testing.T) {
	src := mustRead(t, "testdata/ok/main_only.ded")
	first := ""
	for i := 0; i < 20; i++ {
		p, diags := Load("x.ded", src)
		require.Empty(t, diags)
		if i == 0 {
			first = p.Summary()
		}
		require.Equal(t, first, p.Summary())
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
