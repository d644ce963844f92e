package eval

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestConcatIsBounded checks that concat refuses to build a string over
// MaxStringLen, in both its function and relational forms and in both
// evaluators, with the rule's position and the bound's name, while a
// string just under the bound is built.
func TestConcatIsBounded(t *testing.T) {
	half := strings.Repeat("x", MaxStringLen/2)
	for _, tc := range []struct {
		name, src string
		in        string
		wantErr   bool
	}{
		{"function form over", ".input in(s: string)\nout(y) :- in(x), y = concat(x, concat(x, \"!\")).\n", half, true},
		{"relational form over", ".input in(s: string)\nout(y) :- in(x), concat(x, x, z), concat(z, \"!\", y).\n", half, true},
		{"at the bound", ".input in(s: string)\nout(y) :- in(x), y = concat(x, x).\n", half, false},
	} {
		p := load(t, tc.src)
		for name, eval := range map[string]func(*analysis.Program, Node, Input, Choices, Limits) (*Result, error){"Tick": Tick, "Naive": Naive} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				_, err := eval(p, node0("main"), Input{Delivered: []value.Fact{fact("in", tc.in)}}, nil, Limits{})
				if !tc.wantErr {
					require.NoError(t, err)
					return
				}
				require.Error(t, err)
				require.Contains(t, err.Error(), "MaxStringLen", "no error from a string over the bound")
				require.Contains(t, err.Error(), "test.ded:2:")
			})
		}
	}
}
