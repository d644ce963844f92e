package analysis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The idioms of the paper artifact's role files (rithvikp/autocomp,
// rust/examples/<protocol>/<role>.rs), each in a program written for this
// test: analysis must accept them as they are.

func TestUnusedRelationIsAWarning(t *testing.T) {
	src := ".input periodic `source_stream(p) -> map(|_| ())`\n" +
		".output dbg `for_each(|x| println!(\"{:?}\", x))`\n" +
		".async never `null::<(u32,)>()`\n" +
		".input in\n.output out\nout(x) :- in(x)\n"
	p, diags := Load("roles.ded", []byte(src))
	require.Empty(t, diags, "%s", diags.Render([]byte(src)))
	require.Len(t, p.Warnings, 3)
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Error())
	}
	require.Equal(t, []string{
		"roles.ded:1:8: relation periodic is never used; its .input directive is ignored",
		"roles.ded:2:9: relation dbg is never used; its .output directive is ignored",
		"roles.ded:3:8: relation never is never used; its .async directive is ignored",
	}, got)
	// The ignored relations are not in the program: in particular an unused
	// .input is not a relation clients could send requests of.
	require.Nil(t, p.Relation("periodic"))
	require.Nil(t, p.Relation("dbg"))
	require.NotNil(t, p.Relation("in"))
	checkInvariants(t, p)
}

func TestArtifactIdioms(t *testing.T) {
	tests := []struct{ name, src string }{
		{"type-hint input that rules derive", ".input logged `null::<(u32,i64)>()`\n.input in\n" +
			"logged(a, b) :+ in(a, b)\nseen(a) :- logged(a, _)\n"},
		{"declarations after rules", "out(x) :- in(x)\n.input in `source_stream(s)`\n.output out `for_each(|x| ())`\n"},
		{"integer literals in heads", ".input in\nout(0, x, 7) :- in(x)\n.output out\n"},
		{"count(*) and distinct count(x)", ".input in\nn(count(*), count(b)) :- in(_, b)\n"},
		{"nullary timer input", ".input tick `source_stream(t) -> map(|_| ())`\nfired() :- tick()\n"},
		{"integer destination by arithmetic", ".input id `repeat_iter([(my_id,),])`\n.async m `null::<(u32,)>()`\n.input in\n" +
			"m@(i % n)(x) :~ in(x), id(i), peers(n)\npeers(3)\n"},
		{"rules without a final dot", ".input in\na(x) :- in(x)\nb(x) :- a(x)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.src)
			require.Empty(t, p.Warnings)
		})
	}
}

func TestUnusedTypedRelationIsNotAWarning(t *testing.T) {
	// With its columns given, an unused relation is a well-defined (empty)
	// relation, as before.
	p := mustLoad(t, ".input req(id: int)\n.input in\nout(x) :- in(x)\n")
	require.Empty(t, p.Warnings)
	require.NotNil(t, p.Relation("req"))
	require.True(t, strings.Contains(p.Summary(), "req"))
}
