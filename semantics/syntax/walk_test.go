package syntax

import (
	"strings"
	"testing"
)

// TestWalkExprVisitsEveryNodeInSourceOrder builds -(a + hash(b)) * c[(d)] by
// hand and checks that the walk reaches every node, parents first, left to
// right.
func TestWalkExprVisitsEveryNodeInSourceOrder(t *testing.T) {
	e := &Binary{Op: "*",
		Left: &Unary{Op: "-", X: &Paren{X: &Binary{Op: "+",
			Left:  &Ident{Name: "a"},
			Right: &Call{Func: Ident{Name: "hash"}, Args: []Expr{&Ident{Name: "b"}}}}}},
		Right: &InstanceAddr{Comp: Ident{Name: "c"}, Index: &Paren{X: &Ident{Name: "d"}}},
	}
	var got []string
	WalkExpr(e, func(e Expr) {
		switch x := e.(type) {
		case *Binary:
			got = append(got, x.Op)
		case *Unary:
			got = append(got, "neg")
		case *Paren:
			got = append(got, "()")
		case *Call:
			got = append(got, x.Func.Name+"()")
		case *InstanceAddr:
			got = append(got, x.Comp.Name+"[]")
		case *Ident:
			got = append(got, x.Name)
		}
	})
	if want := "* neg () + a hash() b c[] () d"; strings.Join(got, " ") != want {
		t.Errorf("visited %q, want %q", strings.Join(got, " "), want)
	}
	WalkExpr(nil, func(Expr) { t.Error("visited a node of a nil expression") })
}
