package importer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/syntax"
)

func TestExtractKeepsPositions(t *testing.T) {
	src := "// datalog!(r#\"commented(x) :- out\"#)\n" +
		"/* datalog!(r#\"block comment\"#) */ let s = \"datalog!(r#\";\n" +
		"let c = '\"'; let df = datalog!(\n" +
		"    r##\"out(x) :- in(x)\n" +
		"  \"quoted\" is fine in r##\"\"##\n" +
		"\"##);\n"
	text, diags := Extract("r.rs", []byte(src))
	require.Empty(t, diags)
	require.Len(t, text, len(src))
	require.Equal(t, strings.Count(src, "\n"), strings.Count(string(text), "\n"))
	lines := strings.Split(string(text), "\n")
	require.Equal(t, "", strings.TrimSpace(lines[0]), "a commented-out macro is not taken")
	require.Equal(t, "", strings.TrimSpace(lines[1]))
	// The rule keeps its column: out starts at column 9 of line 4.
	require.Equal(t, 8, strings.Index(lines[3], "out(x)"))
	require.Contains(t, lines[4], `"quoted" is fine in r##"`)
	// Parsing the text names positions in the .rs file.
	f, diags := syntax.ParseFile("r.rs", text)
	require.NotEmpty(t, diags) // line 5 is not Dedalus
	require.Equal(t, 5, diags[0].Pos.Line)
	_ = f
}

func TestExtractSeveralMacros(t *testing.T) {
	src := "let a = datalog!(r#\"a(x) :- b(x)\"#);\nlet b = datalog!(r#\"c(x) :- a(x)\"#);\n"
	text, diags := Extract("r.rs", []byte(src))
	require.Empty(t, diags)
	require.Contains(t, string(text), "a(x) :- b(x)")
	require.Contains(t, string(text), "c(x) :- a(x)")
}

func TestExtractErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"fn main() {}", "r.rs:1:1: no datalog! macro in r.rs"},
		{"let d = datalog!(\"a(x) :- b(x)\");", "r.rs:1:18: expected a raw string r#\"...\"# inside datalog!"},
		{"let d = datalog! x", "r.rs:1:9: expected '(' after datalog!"},
		{"let d = datalog!(r#\"a(x) :- b(x)\"", "r.rs:1:18: raw string of datalog! is not terminated"},
	}
	for _, tt := range tests {
		_, diags := Extract("r.rs", []byte(tt.src))
		require.NotEmpty(t, diags, tt.src)
		require.Equal(t, tt.want, diags[0].Error())
		require.NotEmpty(t, diags[0].Hint)
	}
}
