package syntax

import "fmt"

// parseExpr parses `term { (+|-) term }` with the usual precedence.
func (p *parser) parseExpr() Expr {
	if p.failed {
		return &BadExpr{Pos: p.tok.Pos}
	}
	return p.parseBinary(p.parseUnary(), 1)
}

// parseBinary continues an expression whose first operand is left, taking
// operators of precedence minPrec or higher (precedence climbing; all
// operators are left-associative).
func (p *parser) parseBinary(left Expr, minPrec int) Expr {
	for prec := p.tok.Kind.binaryPrec(); prec >= minPrec && !p.failed; prec = p.tok.Kind.binaryPrec() {
		op := p.tok.Kind.spell()
		p.next()
		right := p.parseUnary()
		for p.tok.Kind.binaryPrec() > prec && !p.failed {
			right = p.parseBinary(right, prec+1)
		}
		left = &Binary{Pos: left.Position(), Op: op, Left: left, Right: right}
	}
	return left
}

// parseUnary parses `[-] operand`. A minus directly before an integer
// literal folds into a negative IntLit.
func (p *parser) parseUnary() Expr {
	if p.failed {
		return &BadExpr{Pos: p.tok.Pos}
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxNesting {
		p.errorAt(p.tok.Pos, fmt.Sprintf("expression nested too deeply (more than %d levels)", MaxNesting),
			"split the expression into several assignments (`t = ...`) in the body")
		return &BadExpr{Pos: p.tok.Pos}
	}
	if p.tok.Kind != tMinus {
		return p.parsePrimary()
	}
	pos := p.tok.Pos
	p.next()
	if p.tok.Kind == tInt {
		v := p.tok.Uint
		p.next()
		return &IntLit{Pos: pos, Value: int64(-v)} // -(1<<63) wraps to MinInt64, as intended
	}
	return &Unary{Pos: pos, Op: "-", X: p.parseUnary()}
}

// parsePrimary parses a variable, wildcard, constant, call, instance
// address or parenthesised expression.
func (p *parser) parsePrimary() Expr {
	pos := p.tok.Pos
	switch p.tok.Kind {
	case tIdent:
		name := p.tok.Text
		if name == "_" {
			p.next()
			return &Wildcard{Pos: pos}
		}
		switch p.peek(1).Kind {
		case tLParen:
			p.next()
			return &Call{Pos: pos, Func: Ident{Pos: pos, Name: name}, Args: p.parseArgs(name)}
		case tLBrack:
			p.next()
			p.next()
			idx := p.parseExpr()
			p.expect(tRBrack, fmt.Sprintf("close the instance index of %s with ']'", name))
			return &InstanceAddr{Pos: pos, Comp: Ident{Pos: pos, Name: name}, Index: idx}
		}
		p.next()
		return &Ident{Pos: pos, Name: name}
	case tInt:
		v, ok := p.plainInt()
		if !ok {
			return &BadExpr{Pos: pos}
		}
		p.next()
		return &IntLit{Pos: pos, Value: v}
	case tString:
		s := p.tok.Text
		p.next()
		return &StringLit{Pos: pos, Value: s}
	case tLParen:
		p.next()
		x := p.parseExpr()
		p.expect(tRParen, "close the parenthesis with ')'")
		return &Paren{Pos: pos, X: x}
	case tIllegal:
		p.failed = true // reported by the lexer
		return &BadExpr{Pos: pos}
	}
	hint := "an expression is a variable, '_', a number, a \"string\", a call f(x), an address comp[k] or (expr)"
	if p.tok.Kind == tStar {
		hint = "'*' only appears as count(*) in a head; for multiplication write `a * b`"
	}
	p.errorExpected("an expression", hint)
	return &BadExpr{Pos: pos}
}

// parseArgs parses `( [expr {, expr}] )`; the current token is '('.
// An empty list is nil.
func (p *parser) parseArgs(name string) []Expr {
	p.expect(tLParen, "")
	var args []Expr
	for p.tok.Kind != tRParen && !p.failed {
		if len(args) > 0 {
			if p.tok.Kind != tComma {
				p.errorExpected(fmt.Sprintf("',' or ')' in the arguments of %s", name),
					"separate arguments with ',' and close the list with ')'")
				return args
			}
			p.next()
		}
		args = append(args, p.parseExpr())
	}
	p.expect(tRParen, fmt.Sprintf("close the arguments of %s with ')'", name))
	return args
}
