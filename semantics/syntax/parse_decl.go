package syntax

import "fmt"

var directiveKinds = map[string]DeclKind{
	"decl":      DeclRelation,
	"input":     DeclInput,
	"output":    DeclOutput,
	"persist":   DeclPersist,
	"async":     DeclAsync,
	"invariant": DeclInvariant,
	"timer":     DeclTimer,
	"static":    DeclStatic,
	"final":     DeclFinal,
}

// takesSnippets reports whether a directive may be followed by backtick
// Rust snippets (the Hydro dialect's I/O glue).
func (k DeclKind) takesSnippets() bool {
	return k == DeclInput || k == DeclOutput || k == DeclAsync || k == DeclStatic
}

// takesColumns reports whether a directive may carry a column list.
func (k DeclKind) takesColumns() bool {
	return k != DeclPersist && k != DeclTimer
}

// parseDirective parses `.kind name ...` up to the end of its line.
func (p *parser) parseDirective() Item {
	dirTok := p.tok
	kind, ok := directiveKinds[dirTok.Text]
	if !ok {
		p.errorAt(dirTok.Pos, fmt.Sprintf("unknown directive '.%s'", dirTok.Text),
			"the directives are .decl .input .output .async .static .persist .invariant .final .timer")
		return nil
	}
	p.next()
	d := &Decl{Header: Header{Pos: dirTok.Pos}, Kind: kind}
	if p.tok.Kind != tIdent || p.tok.Text == "_" || p.tok.NewlineBefore {
		p.errorExpected("a relation name after "+kind.String(),
			fmt.Sprintf("write the relation on the same line, e.g. `%s r`", kind.String()))
		return nil
	}
	d.Name = Ident{Pos: p.tok.Pos, Name: p.tok.Text}
	p.next()
	switch {
	case kind == DeclRelation:
		if p.tok.Kind != tLParen {
			p.errorExpected("'(' and the columns of "+d.Name.Name,
				"declare the columns with their types, e.g. `.decl r(a: int, b: string)`")
			return d
		}
		d.Columns = p.parseColumns()
	case kind.takesColumns():
		if p.tok.Kind == tLParen && !p.tok.NewlineBefore {
			d.Columns = p.parseColumns()
		}
	case kind == DeclTimer:
		p.parseTimer(d)
	}
	if kind.takesSnippets() {
		for p.tok.Kind == tSnippet && !p.failed {
			d.Snippets = append(d.Snippets, p.tok.Text)
			p.next()
		}
	} else if p.tok.Kind == tSnippet && !p.failed {
		p.errorAt(p.tok.Pos, fmt.Sprintf("%s takes no backtick snippet", kind.String()),
			"only .input, .output, .async and .static carry Rust snippets; remove it")
	}
	p.endItem(false, kind.String()+" "+d.Name.Name)
	return d
}

// parseColumns parses `(a: int, b: string)`; the result is non-nil.
func (p *parser) parseColumns() []Column {
	p.expect(tLParen, "")
	cols := []Column{}
	for p.tok.Kind != tRParen && !p.failed {
		if len(cols) > 0 {
			p.expect(tComma, "separate columns with ','")
		}
		if p.tok.Kind != tIdent || p.tok.Text == "_" {
			p.errorExpected("a column name", "write each column as `name: type`, e.g. `v: int`")
			return cols
		}
		col := Column{Pos: p.tok.Pos, Name: p.tok.Text}
		p.next()
		if p.tok.Kind != tColon {
			p.errorExpected("':' and a type after column "+col.Name,
				"write each column as `name: type` with type int, string or addr")
			return cols
		}
		p.next()
		if p.tok.Kind != tIdent {
			p.errorExpected("a column type", "the column types are int, string and addr")
			return cols
		}
		switch t := TypeName(p.tok.Text); t {
		case TypeInt, TypeString, TypeAddr:
			col.Type = t
		default:
			p.errorAt(p.tok.Pos, fmt.Sprintf("unknown column type %q", p.tok.Text),
				"the column types are int, string and addr")
			return cols
		}
		p.next()
		cols = append(cols, col)
	}
	p.expect(tRParen, "close the column list with ')'")
	return cols
}

// MaxTimerSpan bounds a timer's period and jitter (10^12 units: over 30
// years of milliseconds), so that the simulator's firing times
// (k*period ± jitter) cannot overflow 64 bits.
const MaxTimerSpan = 1_000_000_000_000

// parseTimer parses `period [jitter j]` after `.timer name`.
func (p *parser) parseTimer(d *Decl) {
	if p.tok.Kind != tInt || p.tok.NewlineBefore {
		p.errorExpected("the timer period (an integer)",
			fmt.Sprintf("write `.timer %s 100` for a firing every 100 units of virtual time", d.Name.Name))
		return
	}
	period, ok := p.plainInt()
	if !ok {
		return
	}
	if period <= 0 {
		p.errorAt(p.tok.Pos, "timer period must be positive", "use a period of at least 1")
		return
	}
	if period > MaxTimerSpan {
		p.errorAt(p.tok.Pos, fmt.Sprintf("timer period %d is too large", period),
			fmt.Sprintf("use a period of at most %d units of virtual time", int64(MaxTimerSpan)))
		return
	}
	d.Period = period
	p.next()
	if p.tok.Kind == tIdent && p.tok.Text == "jitter" && !p.tok.NewlineBefore {
		p.next()
		if p.tok.Kind != tInt || p.tok.NewlineBefore {
			p.errorExpected("the jitter (an integer) after 'jitter'",
				fmt.Sprintf("write `.timer %s %d jitter 10`", d.Name.Name, period))
			return
		}
		j, ok := p.plainInt()
		if !ok {
			return
		}
		if j > MaxTimerSpan {
			p.errorAt(p.tok.Pos, fmt.Sprintf("timer jitter %d is too large", j),
				fmt.Sprintf("use a jitter of at most %d units of virtual time", int64(MaxTimerSpan)))
			return
		}
		d.Jitter = j
		p.next()
	}
}

// plainInt converts the current tInt token, which carries no sign.
func (p *parser) plainInt() (int64, bool) {
	if p.tok.Uint >= maxIntMagnitude {
		p.errorAt(p.tok.Pos, fmt.Sprintf("integer %s overflows 64 bits", p.tok.Text),
			"integers are signed 64-bit: the largest is 9223372036854775807")
		return 0, false
	}
	return int64(p.tok.Uint), true
}

// parseComponent parses `component name[count] refines orig { items }`.
// After an error in the header it still parses the body when the header
// line has a '{', so that the body's items are checked and its '}' is not
// reported as stray.
func (p *parser) parseComponent() Item {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxNesting {
		p.errorAt(p.tok.Pos, fmt.Sprintf("components nested too deeply (more than %d levels)", MaxNesting),
			"components cannot be nested; close each block with '}'")
		return nil
	}
	c := p.parseComponentHeader()
	if p.failed {
		for p.tok.Kind != tLBrace && p.tok.Kind != tEOF && !p.tok.NewlineBefore {
			p.next()
		}
		if p.tok.Kind != tLBrace {
			return nil
		}
		p.next()
	}
	headerFailed := p.failed
	c.Items, c.Trailing = p.parseItems(true)
	p.failed = headerFailed
	if p.tok.Kind != tRBrace {
		if !p.sink.full {
			p.failed = false
			p.errorAt(c.Pos, fmt.Sprintf("component %s is not closed", c.Name.Name),
				"add '}' after its last item")
		}
		return c
	}
	c.End = p.tok.Pos
	p.next()
	if !p.tok.NewlineBefore && p.tok.Kind != tEOF {
		p.errorAt(p.tok.Pos, fmt.Sprintf("unexpected %s after '}'", p.tok.describe()),
			"start the next item on a new line")
	}
	return c
}

// parseComponentHeader parses the header up to and including '{'.
func (p *parser) parseComponentHeader() *Component {
	c := &Component{Header: Header{Pos: p.tok.Pos}, Count: 1}
	p.next()
	c.Name = Ident{Pos: p.tok.Pos, Name: p.tok.Text}
	if c.Name.Name == "_" {
		p.errorAt(p.tok.Pos, "a component needs a name, not '_'", "write `component leader { ... }`")
		return c
	}
	p.next()
	if p.tok.Kind == tLBrack {
		p.next()
		if p.tok.Kind != tInt {
			p.errorExpected("an instance count", fmt.Sprintf("write `component %s[3] { ... }`", c.Name.Name))
			return c
		}
		n, ok := p.plainInt()
		if !ok {
			return c
		}
		if n < 1 {
			p.errorAt(p.tok.Pos, "a component needs at least one instance",
				fmt.Sprintf("write `component %s[1]`, or leave the count out", c.Name.Name))
			return c
		}
		c.Count, c.HasCount = n, true
		p.next()
		p.expect(tRBrack, "close the instance count with ']'")
	}
	if p.tok.Kind == tIdent && p.tok.Text == "refines" {
		p.next()
		if p.tok.Kind != tIdent || p.tok.Text == "_" {
			p.errorExpected("the name of the original component after 'refines'",
				fmt.Sprintf("write `component %s refines leader { ... }`", c.Name.Name))
			return c
		}
		c.Refines = &Ident{Pos: p.tok.Pos, Name: p.tok.Text}
		p.next()
	}
	if p.tok.Kind != tLBrace {
		p.errorExpected("'{' to open component "+c.Name.Name,
			"a component header is `component name[count] refines original {`")
		return c
	}
	p.next()
	return c
}
