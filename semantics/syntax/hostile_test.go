package syntax

import (
	"strings"
	"testing"
)

// TestHostileInputs feeds inputs built to exhaust the stack or the error
// list; each must come back quickly with bounded diagnostics and no panic.
func TestHostileInputs(t *testing.T) {
	tests := []struct{ name, src string }{
		{"nested components", strings.Repeat("component a {\n", 20000)},
		{"nested parens", "r(x) :- a(x), x = " + strings.Repeat("(", 20000) + "x."},
		{"unary chain", "r(x) :- a(x), x = " + strings.Repeat("-", 20000) + "x."},
		{"destination", "r@" + strings.Repeat("(", 20000) + "(x) :~ a(x)."},
		{"literal parens", "r(x) :- " + strings.Repeat("(", 20000)},
		{"long sum", "r(x) :- a(x), x = 1" + strings.Repeat(" + 1", 20000) + "."},
		{"stray characters", strings.Repeat("$\n", 20000)},
		{"stray braces", strings.Repeat("}\n", 20000)},
		{"bad rules", strings.Repeat("r(x) :- a(x) b(x)\n", 20000)},
	}
	for _, tt := range tests {
		name, src := tt.name, tt.src
		t.Run(name, func(t *testing.T) {
			f, diags := ParseFile("h.ded", []byte(src))
			if f == nil {
				t.Fatal("nil File")
			}
			if len(diags) == 0 && name != "long sum" {
				t.Fatal("no diagnostics")
			}
			if len(diags) > MaxErrors+1 {
				t.Fatalf("%d diagnostics, bound is %d", len(diags), MaxErrors+1)
			}
			for _, d := range diags {
				if strings.Contains(d.Msg, "internal parser error") {
					t.Fatal(d.Error())
				}
			}
		})
	}
}
