package eval

import (
	"errors"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// hashRef is an independent reference of the documented hash(): FNV-1a 64
// (from the standard library) over kind byte + big-endian payload, then
// MurmurHash3's fmix64 finalizer, masked to 63 bits.
func hashRef(prefix string, v value.Value) int64 {
	h := fnv.New64a()
	h.Write([]byte(prefix))
	b := []byte{byte(v.K)}
	put := func(u uint64) {
		for i := 56; i >= 0; i -= 8 {
			b = append(b, byte(u>>i))
		}
	}
	switch v.K {
	case value.KindInt:
		put(uint64(v.I))
	case value.KindString:
		put(uint64(len(v.S())))
		b = append(b, v.S()...)
	}
	h.Write(b)
	z := h.Sum64()
	for _, m := range []uint64{0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53} {
		z = (z ^ z>>33) * m
	}
	z ^= z >> 33
	return int64(z & math.MaxInt64)
}

type tickCase struct {
	name      string
	src       string
	comp      string // default "main"
	delivered []value.Fact
	rel       string // relation to inspect in Facts
	want      string // expected facts of rel, one per line (any order)
}

func TestTickTable(t *testing.T) {
	h1 := hashRef("", value.Int(1))
	hs := hashRef("", value.Str("ab"))
	s1 := hashRef(signKey+"\x00", value.Int(1))
	cases := []tickCase{
		{name: "hash function form", src: `.input in(v: int)
h(v, x) :- in(v), x = hash(v).`, delivered: []value.Fact{fact("in", 1)}, rel: "h",
			want: "h(1, " + itoa(int(h1)) + ")"},
		{name: "hash relational form on strings", src: `.input in(v: string)
h(v, x) :- in(v), hash(v, x).`, delivered: []value.Fact{fact("in", "ab")}, rel: "h",
			want: `h("ab", ` + itoa(int(hs)) + ")"},
		{name: "sign", src: `.input in(v: int)
s(v, x) :- in(v), x = sign(v).`, delivered: []value.Fact{fact("in", 1)}, rel: "s",
			want: "s(1, " + itoa(int(s1)) + ")"},
		{name: "verify keeps only valid signatures", src: `.input in(v: int, s: int)
ok(v) :- in(v, s), verify(v, s).`, delivered: []value.Fact{fact("in", 1, s1), fact("in", 2, s1), fact("in", 1, 5)}, rel: "ok",
			want: "ok(1)"},
		{name: "concat", src: `.input in(v: int, w: string)
c(x) :- in(v, w), x = concat(w, v).
d(x) :- in(v, w), concat(w, "!", x).`, delivered: []value.Fact{fact("in", 7, "n")}, rel: "c", want: `c("n7")`},
		{name: "less_than", src: `.input n(k: int)
l(v) :- n(k), less_than(v, k).`, delivered: []value.Fact{fact("n", 3), fact("n", -2)}, rel: "l",
			want: lines("l(0)", "l(1)", "l(2)")},
		{name: "component enumeration", comp: "a", src: `component a[3] {
  peers(p) :- a(p).
}`, rel: "peers", want: lines("peers(a[0])", "peers(a[1])", "peers(a[2])")},
		{name: "self", comp: "a", src: `component a[3] {
  me(x) :- self(x).
}`, rel: "me", want: "me(a[0])"},
		{name: "instance address is Euclidean", comp: "a", src: `component a[3] {
  .input in(v: int)
  t(v, x) :- in(v), x = a[v].
}`, delivered: []value.Fact{fact("in", -1), fact("in", 4)}, rel: "t", want: lines("t(-1, a[2])", "t(4, a[1])")},
		{name: "arithmetic wraps", src: `.input in(v: int)
r(x) :- in(v), x = v + 1.`, delivered: []value.Fact{fact("in", math.MaxInt64)}, rel: "r", want: "r(-9223372036854775808)"},
		{name: "remainder is Euclidean", src: `.input in(a: int, b: int)
r(a, b, x) :- in(a, b), x = a % b.`, delivered: []value.Fact{fact("in", -7, 3), fact("in", 7, -3), fact("in", 7, 3)}, rel: "r",
			want: lines("r(-7, 3, 2)", "r(7, -3, 1)", "r(7, 3, 1)")},
		{name: "division truncates and drops zero divisors", src: `.input in(a: int, b: int)
r(a, b, x) :- in(a, b), x = a / b.
m(a, x) :- in(a, b), x = a % b.`, delivered: []value.Fact{fact("in", -7, 2), fact("in", 5, 0)}, rel: "r",
			want: "r(-7, 2, -3)"},
		{name: "modulo by zero drops the row", src: `.input in(a: int, b: int)
m(a, x) :- in(a, b), x = a % b.`, delivered: []value.Fact{fact("in", -7, 2), fact("in", 5, 0)}, rel: "m",
			want: "m(-7, 1)"},
		{name: "arithmetic in heads", src: `.input in(a: int)
r(a * 2 - 1) :- in(a).`, delivered: []value.Fact{fact("in", 3)}, rel: "r", want: "r(5)"},
		{name: "comparisons", src: `.input in(a: int, b: int)
lt(a, b) :- in(a, b), (a < b).
ne(a, b) :- in(a, b), a != b.`, delivered: []value.Fact{fact("in", 1, 2), fact("in", 2, 2), fact("in", 3, 2)}, rel: "lt",
			want: "lt(1, 2)"},
		{name: "negation", src: `.input a(x: int)
.input b(x: int)
r(x) :- a(x), !b(x).`, delivered: []value.Fact{fact("a", 1), fact("a", 2), fact("b", 2)}, rel: "r", want: "r(1)"},
		{name: "negation with existential variable", src: `.input a(x: int)
.input b(x: int, y: int)
r(x) :- a(x), !b(x, _).`, delivered: []value.Fact{fact("a", 1), fact("a", 2), fact("b", 2, 9)}, rel: "r", want: "r(1)"},
		{name: "negation of a derived relation", src: `.input e(x: int, y: int)
reach(y) :- e(0, y).
reach(z) :- reach(y), e(y, z).
node(x) :- e(x, _).
unreached(x) :- node(x), !reach(x).`, delivered: []value.Fact{fact("e", 0, 1), fact("e", 1, 2), fact("e", 5, 6), fact("e", 2, 0)}, rel: "unreached",
			want: "unreached(5)"},
		{name: "recursion", src: `.input e(x: int, y: int)
p(x, y) :- e(x, y).
p(x, z) :- p(x, y), e(y, z).`, delivered: []value.Fact{fact("e", 1, 2), fact("e", 2, 3), fact("e", 3, 1)}, rel: "p",
			want: lines("p(1, 1)", "p(1, 2)", "p(1, 3)", "p(2, 1)", "p(2, 2)", "p(2, 3)", "p(3, 1)", "p(3, 2)", "p(3, 3)")},
		{name: "count star counts distinct rows", src: `.input v(t: int, who: int, w: int)
n(t, count(*)) :- v(t, who, _).`, delivered: []value.Fact{fact("v", 1, 1, 0), fact("v", 1, 1, 5), fact("v", 1, 2, 0), fact("v", 2, 3, 0)}, rel: "n",
			want: lines("n(1, 2)", "n(2, 1)")},
		{name: "count distinct values", src: `.input v(t: int, who: int, w: int)
n(t, count(w)) :- v(t, who, w).`, delivered: []value.Fact{fact("v", 1, 1, 0), fact("v", 1, 2, 0), fact("v", 1, 3, 4)}, rel: "n",
			want: "n(1, 2)"},
		{name: "sum runs over rows", src: `.input v(t: int, who: int, w: int)
s(t, sum(w)) :- v(t, who, w).`, delivered: []value.Fact{fact("v", 1, 1, 5), fact("v", 1, 2, 5), fact("v", 2, 1, -1)}, rel: "s",
			want: lines("s(1, 10)", "s(2, -1)")},
		{name: "min and max", src: `.input v(t: int, w: int)
lo(t, min(w)) :- v(t, w).
hi(max(w), t) :- v(t, w).`, delivered: []value.Fact{fact("v", 1, 5), fact("v", 1, -2), fact("v", 1, 9)}, rel: "hi",
			want: "hi(9, 1)"},
		{name: "aggregate over a derived relation", src: `.input e(x: int, y: int)
p(x, y) :- e(x, y).
p(x, z) :- p(x, y), e(y, z).
n(x, count(y)) :- p(x, y).`, delivered: []value.Fact{fact("e", 1, 2), fact("e", 2, 3)}, rel: "n",
			want: lines("n(1, 2)", "n(2, 1)")},
		{name: "choose takes the first candidate", src: `.input v(t: int, a: int, b: int)
c(t, choose(a), choose(b)) :- v(t, a, b).`, delivered: []value.Fact{fact("v", 1, 5, 1), fact("v", 1, 3, 9), fact("v", 2, 4, 4)}, rel: "c",
			want: lines("c(1, 3, 9)", "c(2, 4, 4)")},
		{name: "index numbers sorted head tuples", src: `.input v(a: string)
i(a, index()) :- v(a).`, delivered: []value.Fact{fact("v", "z"), fact("v", "b"), fact("v", "m")}, rel: "i",
			want: lines(`i("b", 0)`, `i("m", 1)`, `i("z", 2)`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := load(t, c.src)
			comp := c.comp
			if comp == "" {
				comp = "main"
			}
			for _, ev := range []struct {
				name string
				f    func() (*Result, error)
			}{
				{"Tick", func() (*Result, error) { return Tick(p, node0(comp), Input{Delivered: c.delivered}, nil, Limits{}) }},
				{"Naive", func() (*Result, error) { return Naive(p, node0(comp), Input{Delivered: c.delivered}, nil, Limits{}) }},
			} {
				res, err := ev.f()
				require.NoError(t, err, ev.name)
				require.Equal(t, c.want, render(res.Facts(), c.rel), ev.name)
			}
		})
	}
}

// lastChoices picks the last candidate and reverses index() order.
type lastChoices struct{}

func (lastChoices) Choose(_ int, _ value.Tuple, n int) int { return n - 1 }
func (lastChoices) Order(_ int, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = n - 1 - i
	}
	return p
}

func TestChoicesDriveChooseAndIndex(t *testing.T) {
	p := load(t, `.input v(t: int, a: int, b: int)
c(t, choose(a), choose(b)) :- v(t, a, b).
i(a, index()) :- v(_, a, _).`)
	in := Input{Delivered: []value.Fact{fact("v", 1, 5, 1), fact("v", 1, 3, 9), fact("v", 1, 7, 0)}}
	for _, eval := range []func() (*Result, error){
		func() (*Result, error) { return Tick(p, node0("main"), in, lastChoices{}, Limits{}) },
		func() (*Result, error) { return Naive(p, node0("main"), in, lastChoices{}, Limits{}) },
	} {
		res, err := eval()
		require.NoError(t, err)
		require.Equal(t, "c(1, 7, 0)", render(res.Facts(), "c"))
		require.Equal(t, lines("i(7, 0)", "i(5, 1)", "i(3, 2)"), lines(strings.Split(render(res.Facts(), "i"), "\n")...))
	}
}

func TestNextSendsOutputsViolations(t *testing.T) {
	p := load(t, `.decl ping(from: addr, v: int)
component a[2] {
  .input in(v: int)
  .output out(v: int)
  .invariant bad(v: int)
  .persist seen
  seen(v) :+ in(v).
  out(v) :- seen(v).
  bad(v) :- in(v), (v > 100).
  ping@b[v](me, v) :~ in(v), self(me).
  ping@x(me, v) :~ in(v), self(me), b(x).
  ping@(v + 1)(me, v) :~ in(v), self(me).
}
component b[3] {
  got(v) :- ping(_, v).
}`)
	res, err := Tick(p, node0("a"), Input{
		Carried:   FactSet{"seen": {{value.Int(3)}}},
		Delivered: []value.Fact{fact("in", 1), fact("in", 101)},
	}, nil, Limits{})
	require.NoError(t, err)
	require.Equal(t, "seen(1)\nseen(3)\nseen(101)", render(res.Next(), "seen"))
	require.Equal(t, "out(3)", renderFacts(res.Outputs))
	require.Equal(t, "bad(101)", renderFacts(res.Violations))
	// Node numbers: a[0]=0, a[1]=1, b[0]=2, b[1]=3, b[2]=4 (mod 5).
	want := lines(
		"b[1] ping(a[0], 1)", "b[2] ping(a[0], 101)", // b[v]
		"b[0] ping(a[0], 1)", "b[1] ping(a[0], 1)", "b[2] ping(a[0], 1)", // broadcast
		"b[0] ping(a[0], 101)", "b[1] ping(a[0], 101)", "b[2] ping(a[0], 101)",
		"b[0] ping(a[0], 1)",   // @(1+1) = node 2 = b[0]
		"b[0] ping(a[0], 101)", // @(102) mod 5 = 2 = b[0]
	)
	got := lines(strings.Split(renderSends(res.Sends), "\n")...)
	require.Equal(t, dedupeLines(want), got)
}

func dedupeLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if len(out) == 0 || out[len(out)-1] != l {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestRuntimeErrorsAreErrors(t *testing.T) {
	// Types are checked statically, so the runtime problems left are
	// topological: a component with no instances in this topology.
	p := load(t, `component a {
  .input in(v: int)
  m@b[v](v) :~ in(v).
  n(x) :- in(v), x = b[v].
}
component b[2] {
  .input m(v: int)
}`)
	node := Node{Addr: value.Addr{Comp: "a"}, Topology: Topology{Counts: map[string]int{"a": 1, "b": 0}}}
	for name, eval := range map[string]func(*analysis.Program, Node, Input, Choices, Limits) (*Result, error){"Tick": Tick, "Naive": Naive} {
		_, err := eval(p, node, Input{Delivered: []value.Fact{fact("in", 1)}}, nil, Limits{})
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "no instances", name)
		require.Contains(t, err.Error(), "test.ded:", name)
	}
}

func TestDeliveredFactsAreChecked(t *testing.T) {
	p := load(t, `.input in(v: int)
r(v) :- in(v).`)
	for _, f := range []value.Fact{fact("nope", 1), fact("in", 1, 2), fact("in", "s")} {
		_, err := Tick(p, node0("main"), Input{Delivered: []value.Fact{f}}, nil, Limits{})
		require.Error(t, err, f.String())
	}
}

func TestLimits(t *testing.T) {
	p := load(t, `.input e(x: int, y: int)
p(x, y) :- e(x, y).
p(x, z) :- p(x, y), e(y, z).`)
	var in Input
	for i := 0; i < 30; i++ {
		in.Delivered = append(in.Delivered, fact("e", i, i+1))
	}
	for _, c := range []struct {
		lim   Limits
		bound string
	}{
		{Limits{MaxFacts: 100}, "MaxFacts"},
		{Limits{MaxIterations: 5}, "MaxIterations"},
	} {
		for name, eval := range map[string]func(*analysis.Program, Node, Input, Choices, Limits) (*Result, error){"Tick": Tick, "Naive": Naive} {
			_, err := eval(p, node0("main"), in, nil, c.lim)
			var le *LimitError
			require.True(t, errors.As(err, &le), "%s %s: %v", name, c.bound, err)
			require.Equal(t, c.bound, le.Bound)
			require.Contains(t, err.Error(), c.bound)
		}
	}
	res, err := Tick(p, node0("main"), in, nil, Limits{})
	require.NoError(t, err)
	require.Equal(t, 30*31/2, len(res.Facts()["p"]))
	require.Equal(t, 30*31/2, res.Derived)

	lt := load(t, `.input n(k: int)
l(v) :- n(k), less_than(v, k).`)
	_, err = Tick(lt, node0("main"), Input{Delivered: []value.Fact{fact("n", 2_000_000)}}, nil, Limits{})
	require.ErrorContains(t, err, "less_than")
}
