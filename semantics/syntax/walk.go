package syntax

// WalkExpr calls visit on e and then on every expression nested in it
// (operands, call arguments, instance indexes), in source order. A nil e
// visits nothing. It is the one traversal of expression trees, so that a new
// expression form is added in one place.
func WalkExpr(e Expr, visit func(Expr)) {
	if e == nil {
		return
	}
	visit(e)
	switch x := e.(type) {
	case *Binary:
		WalkExpr(x.Left, visit)
		WalkExpr(x.Right, visit)
	case *Unary:
		WalkExpr(x.X, visit)
	case *Paren:
		WalkExpr(x.X, visit)
	case *Call:
		for _, a := range x.Args {
			WalkExpr(a, visit)
		}
	case *InstanceAddr:
		WalkExpr(x.Index, visit)
	}
}
