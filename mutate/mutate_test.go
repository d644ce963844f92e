package mutate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/syntax"
)

const opsProgram = `.persist seen
component a {
  .input in(k: int, v: int)
  .output out(k: int, n: int)
  seen(k, v) :- in(k, v).
  total(k, sum(v)) :- seen(k, v).
  out(k, n) :- total(k, n), !blocked(k), (n < 10).
  later(k, v + 1) :+ seen(k, v * 2).
  keep(k) :+ keep(k).
  msg@x(k) :~ seen(k, _), b(x).
  ping@b[0](k) :~ seen(k, _).
}
component b {
  blocked(k) :- msg(k).
}
`

// Each operator yields the mutants it should, with the expected rule text.
func TestOperators(t *testing.T) {
	ms, err := Generate("ops.ded", []byte(opsProgram))
	require.NoError(t, err)
	byName := map[string]Mutant{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	for _, tc := range []struct{ name, after string }{
		{"r1/delete", ""},
		{"r1/to-next", "seen(k, v) :+ in(k, v)."},
		{"r2/agg2-count", "total(k, count(v)) :- seen(k, v)."},
		{"r2/agg2-min", "total(k, min(v)) :- seen(k, v)."},
		{"r2/agg2-max", "total(k, max(v)) :- seen(k, v)."},
		{"r3/drop-lit1", "out(k, n) :- !blocked(k), (n < 10)."},
		{"r3/drop-lit3", "out(k, n) :- total(k, n), !blocked(k)."},
		{"r3/drop-neg2", "out(k, n) :- total(k, n), blocked(k), (n < 10)."},
		{"r3/cmp3-<=", "out(k, n) :- total(k, n), !blocked(k), (n <= 10)."},
		{"r3/cmp3->=", "out(k, n) :- total(k, n), !blocked(k), (n >= 10)."},
		{"r4/to-sync", "later(k, v + 1) :- seen(k, v * 2)."},
		{"r4/arith1--", "later(k, v - 1) :+ seen(k, v * 2)."},
		{"r4/arith2-/", "later(k, v + 1) :+ seen(k, v / 2)."},
		{"r5/drop-persist", ""},
		{"r6/dest-a", "msg@x(k) :~ seen(k, _), a(x)."},
		{"r7/dest-a", "ping@a[0](k) :~ seen(k, _)."},
		{"persist-seen/drop-persist", ""},
	} {
		m, ok := byName[tc.name]
		if assert.True(t, ok, "missing %s", tc.name) {
			assert.Equal(t, tc.after, m.After, tc.name)
		}
	}
	for _, absent := range []string{"r5/delete", "r1/drop-lit1", "r2/agg2-sum", "r6/to-next", "r6/to-sync", "r6/dest-b", "r7/to-next"} {
		_, ok := byName[absent]
		assert.False(t, ok, "unexpected mutant %s", absent)
	}
	assert.Equal(t, "r8/delete", byName["r8/delete"].Name)
	assert.Equal(t, "blocked", byName["r8/delete"].Relation)
	assert.Equal(t, "total(k, sum(v)) :- seen(k, v).", byName["r2/agg2-min"].Before)
	assert.Equal(t, 6, byName["r2/agg2-min"].Line)
	assert.False(t, strings.Contains(string(byName["persist-seen/drop-persist"].Source), ".persist"))
}

// The reachability reason: invariant-only and output-free relations get
// one, relations an output depends on do not.
func TestReason(t *testing.T) {
	src := []byte(`component a {
  .input in(k: int)
  .output out(k: int)
  .invariant bad(k: int)
  s(k) :- in(k).
  out(k) :- s(k).
  bad(k) :- s(k), (k < 0).
  log(k) :- s(k).
  log2(k) :- log(k).
}
`)
	d, err := NewDeps("a.ded", src)
	require.NoError(t, err)
	assert.Empty(t, d.Reason(Mutant{Relation: "s"}))
	assert.Contains(t, d.Reason(Mutant{Relation: "bad"}), "only invariant relations (bad)")
	assert.Equal(t, "no output depends on log (it reaches only log, log2)", d.Reason(Mutant{Relation: "log"}))
}

// checkMutants asserts the properties every mutant set has: each mutant
// parses, prints as itself, differs from the source and from every other
// mutant, and the names are unique; generating twice gives the same list.
func checkMutants(t interface{ Fatalf(string, ...any) }, name string, src []byte) int {
	f, diags := syntax.ParseFile(name, src)
	if len(diags) > 0 {
		t.Fatalf("source does not parse: %s", diags.Render(src))
	}
	base := syntax.Print(f)
	ms, err := Generate(name, src)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	again, _ := Generate(name, src)
	if len(again) != len(ms) {
		t.Fatalf("not deterministic: %d then %d mutants", len(ms), len(again))
	}
	names, texts := map[string]bool{}, map[string]bool{}
	for i, m := range ms {
		if again[i].Name != m.Name || !bytes.Equal(again[i].Source, m.Source) {
			t.Fatalf("mutant %d differs between runs: %s vs %s", i, m.Name, again[i].Name)
		}
		g, diags := syntax.ParseFile(name, m.Source)
		if len(diags) > 0 {
			t.Fatalf("mutant %s does not parse: %s\n%s", m.Name, diags.Render(m.Source), m.Source)
		}
		if !bytes.Equal(syntax.Print(g), m.Source) {
			t.Fatalf("mutant %s does not print as itself", m.Name)
		}
		if bytes.Equal(m.Source, base) {
			t.Fatalf("mutant %s equals its source", m.Name)
		}
		if names[m.Name] || texts[string(m.Source)] {
			t.Fatalf("mutant %s repeats a name or text", m.Name)
		}
		names[m.Name], texts[string(m.Source)] = true, true
		if m.Before == m.After {
			t.Fatalf("mutant %s: rule text unchanged: %s", m.Name, m.Before)
		}
	}
	return len(ms)
}

func TestCorpusMutants(t *testing.T) {
	for _, p := range corpus.Programs() {
		src, err := corpus.Open(p)
		require.NoError(t, err)
		if _, diags := syntax.ParseFile(p, src); len(diags) > 0 {
			continue // another dialect
		}
		t.Run(p, func(t *testing.T) {
			n := checkMutants(t, p, src)
			assert.Positive(t, n)
		})
	}
}

// genProgram draws a small program in dsim syntax using every construct
// the operators touch.
func genProgram(t *rapid.T) string {
	comps := rapid.SampledFrom([][]string{{"a"}, {"a", "b"}, {"a", "b", "c"}}).Draw(t, "comps")
	rels := []string{"p", "q", "r", "s"}
	vars := []string{"x", "y", "z"}
	expr := func(label string) string {
		v := rapid.SampledFrom(vars).Draw(t, label+"v")
		switch rapid.IntRange(0, 3).Draw(t, label+"e") {
		case 0:
			return fmt.Sprintf("%s %s %d", v, rapid.SampledFrom([]string{"+", "-", "*", "/", "%"}).Draw(t, label+"op"), rapid.IntRange(1, 5).Draw(t, label+"n"))
		case 1:
			return fmt.Sprint(rapid.IntRange(0, 9).Draw(t, label+"c"))
		}
		return v
	}
	var b strings.Builder
	if rapid.Bool().Draw(t, "persist") {
		b.WriteString(".persist p\n")
	}
	for ci, c := range comps {
		fmt.Fprintf(&b, "component %s {\n", c)
		if ci == 0 {
			b.WriteString("  .input in(x: int, y: int)\n  .output out(x: int, y: int)\n")
		}
		nr := rapid.IntRange(1, 4).Draw(t, "rules")
		for i := 0; i < nr; i++ {
			l := fmt.Sprintf("c%dr%d", ci, i)
			head := rapid.SampledFrom(append([]string{"out"}, rels...)).Draw(t, l+"head")
			kind := rapid.SampledFrom([]string{":-", ":+", ":~"}).Draw(t, l+"kind")
			at := ""
			var body []string
			body = append(body, "in(x, y)")
			if kind == ":~" {
				if rapid.Bool().Draw(t, l+"addr") {
					at = fmt.Sprintf("@%s[%d]", rapid.SampledFrom(comps).Draw(t, l+"dc"), rapid.IntRange(0, 2).Draw(t, l+"di"))
				} else {
					at = "@d"
					body = append(body, rapid.SampledFrom(comps).Draw(t, l+"dc")+"(d)")
				}
			}
			args := []string{"x", expr(l + "h")}
			if kind != ":~" && rapid.Bool().Draw(t, l+"agg") {
				args[1] = rapid.SampledFrom([]string{"count", "sum", "min", "max", "choose"}).Draw(t, l+"af") + "(y)"
				if rapid.Bool().Draw(t, l+"star") {
					args[1] = "count(*)"
				}
			}
			nb := rapid.IntRange(0, 3).Draw(t, l+"nb")
			for j := 0; j < nb; j++ {
				lj := fmt.Sprintf("%sb%d", l, j)
				switch rapid.IntRange(0, 2).Draw(t, lj) {
				case 0:
					neg := rapid.SampledFrom([]string{"", "!"}).Draw(t, lj+"neg")
					body = append(body, fmt.Sprintf("%s%s(x, %s)", neg, rapid.SampledFrom(rels).Draw(t, lj+"rel"), rapid.SampledFrom([]string{"y", "_", "3"}).Draw(t, lj+"a")))
				case 1:
					body = append(body, fmt.Sprintf("(%s %s %s)", expr(lj+"l"), rapid.SampledFrom([]string{"<", "<=", ">", ">=", "==", "!="}).Draw(t, lj+"cmp"), expr(lj+"r")))
				default:
					body = append(body, fmt.Sprintf("z = %s", expr(lj+"a")))
				}
			}
			fmt.Fprintf(&b, "  %s%s(%s) %s %s.\n", head, at, strings.Join(args, ", "), kind, strings.Join(body, ", "))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// Every mutant of every generated program parses and differs from its
// source (rapid).
func TestGeneratedMutantsParseAndDiffer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := genProgram(t)
		checkMutants(t, "gen.ded", []byte(src))
	})
}
