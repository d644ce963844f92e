package syntax

import (
	"strings"
	"testing"
)

// Rule.End is just past the rule's last token: its "." when it has one,
// else its last body literal, across lines, in components, past strings
// and comments holding dots.
func TestRuleEnd(t *testing.T) {
	cases := []struct{ src, want string }{
		{"a(x) :- b(x).\n", "a(x) :- b(x)."},
		{"a(x) :- b(x)\nc(1).\n", "a(x) :- b(x)"},
		{"a(x) :- b(x),\n    (x > 1). # a.b.\n", "a(x) :- b(x),\n    (x > 1)."},
		{"component k {\n  a(x, \"p.q\") :+ b(x) }\n", "a(x, \"p.q\") :+ b(x)"},
		{"a@d(x) :~ b(x, d) # end.\n", "a@d(x) :~ b(x, d)"},
	}
	for _, c := range cases {
		f, diags := ParseFile("t.ded", []byte(c.src))
		if len(diags) > 0 {
			t.Fatalf("%q: %v", c.src, diags)
		}
		var r *Rule
		var find func(items []Item)
		find = func(items []Item) {
			for _, it := range items {
				switch x := it.(type) {
				case *Rule:
					if r == nil {
						r = x
					}
				case *Component:
					find(x.Items)
				}
			}
		}
		find(f.Items)
		if r == nil {
			t.Fatalf("%q: no rule", c.src)
		}
		lines := strings.SplitAfter(c.src, "\n")
		off := func(p Pos) int {
			n := 0
			for _, l := range lines[:p.Line-1] {
				n += len(l)
			}
			return n + p.Col - 1
		}
		if got := c.src[off(r.Pos):off(r.End)]; got != c.want {
			t.Errorf("%q: rule text %q, want %q", c.src, got, c.want)
		}
	}
}
