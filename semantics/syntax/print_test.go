package syntax

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrintLayout pins the canonical layout on small inputs.
func TestPrintLayout(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "dots, spacing and kind groups",
			src:  ".input in\n.output out\nk(1)\nout(v):-in(v),v>=-3,(v<k)\n",
			want: ".input in\n.output out\n\nk(1).\n\nout(v) :- in(v), v >= -3, (v < k).\n",
		},
		{
			name: "comments stay above items; blank line inside a block kept",
			src:  "# header\n\n# about r\nr(1).\ns(2). # trailing on the line\nt(3).\n// end\n",
			want: "# header\n\n# about r\nr(1).\ns(2).\n\n# trailing on the line\nt(3).\n\n// end\n",
		},
		{
			name: "component indented, counts and refines kept",
			src:  "component p[2] refines leader {\n.persist a\na(x) :+ b(x)\n# last\n}\nf(1)",
			want: "component p[2] refines leader {\n  .persist a\n\n  a(x) :+ b(x).\n\n  # last\n}\n\nf(1).\n",
		},
		{
			name: "expressions and destinations",
			src:  "r@(start+(id%n))(x*(y+1), -z, --3, count(*)) :~ a(x), h = hash(x)%2, s[h] != q",
			want: "r@(start + (id % n))(x * (y + 1), -z, --3, count(*)) :~ a(x), h = hash(x) % 2, s[h] != q.\n",
		},
		{
			name: "directives with snippets, timers and columns",
			src:  ".async ch `a`  `b\nc`\n.timer t 5 jitter 0\n.timer u 7 jitter 2\n.decl r()\n.input i(a:int,b:string)",
			want: ".async ch `a` `b\nc`\n.timer t 5\n.timer u 7 jitter 2\n.decl r()\n.input i(a: int, b: string)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := ParseFile("p.ded", []byte(tt.src))
			if len(diags) > 0 {
				t.Fatalf("parse:\n%s", diags.Render([]byte(tt.src)))
			}
			if d := cmp.Diff(tt.want, string(Print(f))); d != "" {
				t.Errorf("layout (-want +got):\n%s", d)
			}
		})
	}
}

// TestPrintAddsNeededParens checks that hand-built trees (as a rewrite
// engine would make) print with the parentheses their structure needs.
func TestPrintAddsNeededParens(t *testing.T) {
	x, y, z := &Ident{Name: "x"}, &Ident{Name: "y"}, &Ident{Name: "z"}
	f := &File{Items: []Item{&Fact{Head: Head{
		Name: Ident{Name: "r"},
		At:   &Call{Func: Ident{Name: "f"}, Args: []Expr{x}},
		Args: []HeadArg{
			{Expr: &Binary{Op: "*", Left: &Binary{Op: "+", Left: x, Right: y}, Right: z}},
			{Expr: &Binary{Op: "-", Left: x, Right: &Binary{Op: "-", Left: y, Right: z}}},
			{Expr: &Unary{Op: "-", X: &Binary{Op: "+", Left: x, Right: y}}},
			{Expr: &Unary{Op: "-", X: &IntLit{Value: 0}}},
		},
	}}}}
	want := "r@(f(x))((x + y) * z, x - (y - z), -(x + y), -(0)).\n"
	if got := string(Print(f)); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestEqualIgnoresPositionsOnly checks that Equal ignores positions but
// not content, and tells a missing column list from an empty one.
func TestEqualIgnoresPositionsOnly(t *testing.T) {
	a, _ := ParseFile("a.ded", []byte(".input r\nout(x) :- r(x)."))
	b, _ := ParseFile("b.ded", []byte("\n\n.input r\n\n   out(x) :- r(x)"))
	b.Name = a.Name
	if !Equal(a, b) {
		t.Fatalf("same program at other positions is not Equal:\n%s", Diff(a, b))
	}
	c, _ := ParseFile("a.ded", []byte(".input r()\nout(x) :- r(x)."))
	if Equal(a, c) {
		t.Error("`.input r` and `.input r()` compare Equal")
	}
	d, _ := ParseFile("a.ded", []byte(".input r\nout(y) :- r(y)."))
	if Equal(a, d) {
		t.Error("different variable names compare Equal")
	}
}
