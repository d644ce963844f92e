package analysis

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuiltinsTableInDocs checks that docs/LANGUAGE.md's Built-ins table is
// the one in Builtins, row for row.
func TestBuiltinsTableInDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/LANGUAGE.md")
	require.NoError(t, err)
	text := string(doc)
	start := strings.Index(text, "## Built-ins\n")
	require.GreaterOrEqual(t, start, 0, "docs/LANGUAGE.md has no Built-ins section")
	var rows []string
	for _, line := range strings.Split(text[start:], "\n")[1:] {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	var want []string
	for _, b := range append(append([]Builtin(nil), Builtins...), *ComponentBuiltin()) {
		if b.Internal {
			continue
		}
		want = append(want, "| "+strings.Join(b.Doc[:], " | ")+" |")
	}
	require.Equal(t, want, rows)
}

func TestBuiltinTableConsistent(t *testing.T) {
	for _, b := range Builtins {
		for _, i := range b.Inputs {
			require.Less(t, i, len(b.Args), b.Name)
			require.NotEqual(t, b.Output, i, "%s: an argument is an input or the output, not both", b.Name)
		}
		require.Less(t, b.Output, len(b.Args), b.Name)
		if b.Function {
			// The function form takes the inputs, in order, and returns the
			// output, the last argument.
			require.Equal(t, len(b.Args)-1, b.Output, b.Name)
			require.Len(t, b.Inputs, len(b.Args)-1, b.Name)
		}
		if b.NegatedAs != "" {
			require.NotNil(t, FunctionOf(b.NegatedAs), "%s is negated through %s, which must be a function", b.Name, b.NegatedAs)
		}
	}
}
