package syntax

import "fmt"

var aggregateNames = map[string]AggFunc{
	"count": AggCount, "sum": AggSum, "min": AggMin, "max": AggMax,
	"choose": AggChoose, "index": AggIndex,
}

// parseRuleOrFact parses `head arrow body [.]` or `head [.]`.
func (p *parser) parseRuleOrFact() Item {
	pos := p.tok.Pos
	head := p.parseHead()
	if p.failed {
		return nil
	}
	if !p.tok.Kind.isArrow() {
		f := &Fact{Header: Header{Pos: pos}, Head: head}
		if p.tok.Kind != tDot && !p.tok.NewlineBefore && p.tok.Kind != tEOF && p.tok.Kind != tRBrace {
			p.errorAt(p.tok.Pos, fmt.Sprintf("expected ':-', ':+', ':~' or '.' after the head, found %s", p.tok.describe()),
				"join head and body with an arrow (`h(x) :- b(x).`), or end a fact with '.'")
			return f
		}
		p.endItem(true, "fact")
		return f
	}
	r := &Rule{Header: Header{Pos: pos}, Head: head, Arrow: p.tok.Pos}
	switch p.tok.Kind {
	case tSync:
		r.Kind = Sync
	case tNext:
		r.Kind = NextTick
	case tAsync:
		r.Kind = Async
	}
	p.next()
	for {
		lit := p.parseLiteral()
		if lit != nil {
			r.Body = append(r.Body, lit)
		}
		if p.failed || p.tok.Kind != tComma {
			break
		}
		p.next()
	}
	p.endItem(true, "body literal")
	if p.idx > 0 {
		r.End = p.toks[p.idx-1].End
	}
	return r
}

// parseHead parses `name [@ dest] ( args )`.
func (p *parser) parseHead() Head {
	h := Head{Pos: p.tok.Pos, Name: Ident{Pos: p.tok.Pos, Name: p.tok.Text}}
	if p.tok.Text == "_" {
		p.errorAt(p.tok.Pos, "a head needs a relation name, not '_'", "name the relation, e.g. `out(x) :- in(x).`")
		return h
	}
	p.next()
	if p.tok.Kind == tAt {
		p.next()
		h.At = p.parseDestination()
	}
	if p.tok.Kind != tLParen {
		hint := fmt.Sprintf("write the head as `%s(x, y)`; a nullary relation is written `%s()`", h.Name.Name, h.Name.Name)
		if h.At == nil && p.tok.Kind.isArrow() {
			hint = fmt.Sprintf("add the argument list: `%s() %s ...` for a nullary relation", h.Name.Name, p.tok.Kind.spell())
		}
		p.errorExpected("'(' after "+h.Name.Name, hint)
		return h
	}
	p.next()
	for p.tok.Kind != tRParen && !p.failed {
		if len(h.Args) > 0 {
			if p.tok.Kind != tComma {
				p.errorExpected("',' or ')' in the head of "+h.Name.Name, "separate head arguments with ','")
				return h
			}
			p.next()
		}
		h.Args = append(h.Args, p.parseHeadArg())
	}
	p.expect(tRParen, "close the head's argument list with ')'")
	return h
}

func (k tokenKind) spell() string { return tokenSpelling[k] }

// parseDestination parses the primary after "@". A function call must be
// parenthesised there: in `r@f(x)(y)` the call would be ambiguous.
func (p *parser) parseDestination() Expr {
	switch p.tok.Kind {
	case tIdent, tInt, tString, tLParen:
	default:
		p.errorExpected("a destination after '@'",
			"write `@addr`, `@comp[k]`, `@3` or `@(expression)` before the head's '('")
		return &BadExpr{Pos: p.tok.Pos}
	}
	if p.tok.Kind == tIdent && p.peek(1).Kind != tLBrack {
		id := &Ident{Pos: p.tok.Pos, Name: p.tok.Text}
		p.next()
		return id
	}
	return p.parsePrimary()
}

// parseHeadArg parses an aggregate or an expression.
func (p *parser) parseHeadArg() HeadArg {
	if p.tok.Kind == tIdent && p.peek(1).Kind == tLParen {
		if fn, ok := aggregateNames[p.tok.Text]; ok {
			return HeadArg{Agg: p.parseAggregate(fn)}
		}
	}
	return HeadArg{Expr: p.parseExpr()}
}

// parseAggregate parses count(*), f(x, ...) or index().
func (p *parser) parseAggregate(fn AggFunc) *Aggregate {
	a := &Aggregate{Pos: p.tok.Pos, Func: fn}
	p.next() // name
	p.next() // (
	switch {
	case fn == AggIndex:
		if p.tok.Kind != tRParen {
			p.errorExpected("')' after 'index('", "index takes no arguments: write `index()`")
			return a
		}
	case fn == AggCount && p.tok.Kind == tStar:
		a.Star = true
		p.next()
	default:
		for {
			if p.tok.Kind != tIdent || p.tok.Text == "_" || p.peek(1).Kind == tLParen || p.peek(1).Kind == tLBrack {
				p.errorAt(p.tok.Pos, fmt.Sprintf("%s aggregates variables, found %s", fn, p.tok.describe()),
					fmt.Sprintf("bind the value to a variable in the body (`y = x + 1`), then write `%s(y)`", fn))
				return a
			}
			a.Args = append(a.Args, &Ident{Pos: p.tok.Pos, Name: p.tok.Text})
			if k := p.peek(1).Kind; k != tComma && k != tRParen {
				p.errorAt(p.tok.Pos, fmt.Sprintf("%s aggregates variables, found an expression", fn),
					fmt.Sprintf("bind the value to a variable in the body (`y = x + 1`), then write `%s(y)`", fn))
				return a
			}
			p.next()
			if p.tok.Kind != tComma {
				break
			}
			p.next()
		}
		if fn != AggCount && len(a.Args) > 1 {
			p.errorAt(a.Args[1].Pos, fmt.Sprintf("%s takes one variable", fn),
				"only count accepts several variables (it counts distinct tuples)")
			return a
		}
	}
	p.expect(tRParen, fmt.Sprintf("close the %s aggregate with ')'", fn))
	return a
}

// parseLiteral parses one body element: an atom, a negated atom, or a
// comparison (possibly in parentheses). A literal that starts `name(` is an
// atom unless an operator follows its ')', in which case it is a function
// call on the left of a comparison.
func (p *parser) parseLiteral() Literal {
	pos := p.tok.Pos
	switch {
	case p.tok.Kind == tEOF || p.tok.Kind == tDot || p.tok.Kind == tRBrace || p.tok.Kind == tDirective:
		p.errorExpected("a body literal", "a rule body needs at least one literal; remove a trailing ','")
		return nil
	case p.tok.Kind == tBang:
		p.next()
		if p.tok.Kind != tIdent || p.tok.Text == "_" || p.peek(1).Kind != tLParen {
			p.errorExpected("an atom after '!'", "negate a relation: `!r(x, _)`; for inequality write `a != b`")
			return nil
		}
		a := p.parseAtom()
		a.Pos, a.Negated = pos, true
		return a
	case p.tok.Kind == tIdent && p.tok.Text != "_" && p.peek(1).Kind == tLParen:
		a := p.parseAtom()
		if p.failed {
			return a
		}
		if p.tok.Kind.binaryPrec() == 0 && !p.tok.Kind.isCompare() {
			return a
		}
		left := p.parseBinary(&Call{Pos: a.Pos, Func: a.Name, Args: a.Args}, 1)
		return p.finishCompare(pos, left, false)
	case p.tok.Kind == tLParen:
		// Either `(a < b)` or an expression that starts with '('.
		p.next()
		p.depth++
		inner := p.parseExpr()
		p.depth--
		if p.tok.Kind.isCompare() {
			c := p.finishCompare(pos, inner, true)
			p.expect(tRParen, "close the parenthesised comparison with ')'")
			return c
		}
		p.expect(tRParen, "close the parenthesis with ')'")
		left := p.parseBinary(&Paren{Pos: pos, X: inner}, 1)
		return p.finishCompare(pos, left, false)
	}
	left := p.parseExpr()
	return p.finishCompare(pos, left, false)
}

// finishCompare parses `op right` after the left side of a comparison.
func (p *parser) finishCompare(pos Pos, left Expr, parens bool) Literal {
	c := &Compare{Pos: pos, Left: left, Parens: parens}
	if p.failed {
		c.Op, c.Right = "==", &BadExpr{Pos: p.tok.Pos}
		return c
	}
	if !p.tok.Kind.isCompare() {
		p.errorExpected("an atom or a comparison",
			"a body literal is an atom `r(x)`, a negation `!r(x)`, or a comparison such as `x < y` or `y = f(x)`")
		c.Op, c.Right = "==", &BadExpr{Pos: p.tok.Pos}
		return c
	}
	c.Op = p.tok.Kind.spell()
	p.next()
	c.Right = p.parseExpr()
	if p.tok.Kind.isCompare() {
		p.errorAt(p.tok.Pos, "comparisons do not chain",
			"split it into two literals: `a < b, b < c`")
	}
	return c
}

// parseAtom parses `name(args)`; the current token is the name.
func (p *parser) parseAtom() *Atom {
	a := &Atom{Pos: p.tok.Pos, Name: Ident{Pos: p.tok.Pos, Name: p.tok.Text}}
	p.next()
	a.Args = p.parseArgs(a.Name.Name)
	return a
}
