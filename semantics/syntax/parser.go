package syntax

import "fmt"

// ParseFile parses one source file. It always returns a File (possibly
// partial, with BadExpr nodes) and every diagnostic it found, sorted.
//
// Errors are recovered in the style of go/parser: the first error in an
// item (directive, component header, rule or fact) is recorded, the rest of
// the item is skipped up to the next item boundary, and parsing goes on, so
// that one bad rule does not hide the next.
func ParseFile(name string, src []byte) (f *File, diags Diagnostics) {
	sink := newDiagSink(name)
	f = &File{Name: name}
	defer func() {
		// A panic here is a parser bug; report it rather than crash dsim.
		if r := recover(); r != nil {
			sink.full = false
			sink.lines = map[int]bool{}
			sink.add(Pos{Line: 1, Col: 1}, fmt.Sprintf("internal parser error: %v", r),
				"please report this input as a bug")
			diags = sink.result()
		}
	}()
	toks, comments := lex(src, sink)
	p := &parser{sink: sink, toks: toks, comments: comments}
	p.tok = toks[0]
	f.Items, f.Trailing = p.parseItems(false)
	return f, sink.result()
}

// parser holds the state of one parse. All tokens are lexed up front.
type parser struct {
	sink     *diagSink
	toks     []token
	idx      int
	tok      token // toks[idx]
	comments []Comment
	nextCom  int  // index of the first comment not yet attached
	failed   bool // the current item has an error; skip to the next boundary
	depth    int  // expression nesting depth
}

func (p *parser) next() {
	if p.idx < len(p.toks)-1 {
		p.idx++
		p.tok = p.toks[p.idx]
	}
}

// peek returns the token k places ahead (the EOF token past the end).
func (p *parser) peek(k int) token {
	if p.idx+k < len(p.toks) {
		return p.toks[p.idx+k]
	}
	return p.toks[len(p.toks)-1]
}

// errorAt records the first error of the current item.
func (p *parser) errorAt(pos Pos, msg, hint string) {
	if p.failed {
		return
	}
	p.failed = true
	p.sink.add(pos, msg, hint)
}

// errorExpected reports that the current token is not what was wanted.
// When the line ended where something was expected, the error points just
// past the line's last token rather than at the next line.
func (p *parser) errorExpected(what, hint string) {
	pos, found := p.tok.Pos, p.tok.describe()
	if (p.tok.NewlineBefore || p.tok.Kind == tEOF) && p.idx > 0 {
		pos = p.toks[p.idx-1].End
		if p.tok.Kind != tEOF {
			found = "end of line"
		}
	}
	p.errorAt(pos, fmt.Sprintf("expected %s, found %s", what, found), hint)
}

// expect consumes a token of kind k, or reports an error.
func (p *parser) expect(k tokenKind, hint string) Pos {
	pos := p.tok.Pos
	if p.tok.Kind != k {
		p.errorExpected("'"+tokenSpelling[k]+"'", hint)
		return pos
	}
	p.next()
	return pos
}

// takeComments returns the comments that start before pos and have not
// been attached yet.
func (p *parser) takeComments(before Pos) []Comment {
	var out []Comment
	for p.nextCom < len(p.comments) {
		c := p.comments[p.nextCom]
		if c.Pos.Line > before.Line || (c.Pos.Line == before.Line && c.Pos.Col >= before.Col) {
			break
		}
		out = append(out, c)
		p.nextCom++
	}
	return out
}

// parseItems parses items up to end of file, or up to "}" inside a
// component. It returns the items and the comments after the last one.
func (p *parser) parseItems(inComponent bool) ([]Item, []Comment) {
	var items []Item
	for !p.sink.full {
		if p.tok.Kind == tEOF || (inComponent && p.tok.Kind == tRBrace) {
			break
		}
		start := p.idx
		doc := p.takeComments(p.tok.Pos)
		p.failed = false
		it := p.parseItem(inComponent)
		if it != nil {
			setDoc(it, doc)
			items = append(items, it)
		}
		if p.failed {
			if p.idx == start {
				p.next() // guarantee progress
			}
			p.sync()
		}
	}
	return items, p.takeComments(p.tok.Pos)
}

func setDoc(it Item, doc []Comment) {
	switch it := it.(type) {
	case *Decl:
		it.Doc = doc
	case *Component:
		it.Doc = doc
	case *Rule:
		it.Doc = doc
	case *Fact:
		it.Doc = doc
	}
}

// sync skips tokens up to the next item boundary: just past a "." that ends
// a rule, or before a directive, "component", "}", or an identifier that
// starts a new line when the previous line did not end mid-rule.
func (p *parser) sync() {
	for {
		switch p.tok.Kind {
		case tEOF, tDirective, tRBrace:
			return
		case tDot:
			p.next()
			return
		case tIdent:
			if p.tok.NewlineBefore && (p.idx == 0 || !p.continuesLine(p.toks[p.idx-1].Kind)) {
				return
			}
		}
		p.next()
	}
}

// continuesLine reports whether a line ending in a token of kind k expects
// the item to go on (a rule broken after a comma, arrow or operator).
func (p *parser) continuesLine(k tokenKind) bool {
	return k == tComma || k.isArrow() || k.binaryPrec() > 0 || k.isCompare() ||
		k == tLParen || k == tLBrack || k == tAt || k == tBang
}

// parseItem parses one item. It returns nil when nothing useful was parsed.
func (p *parser) parseItem(inComponent bool) Item {
	switch p.tok.Kind {
	case tDirective:
		return p.parseDirective()
	case tIdent:
		if p.tok.Text == "component" && p.peek(1).Kind == tIdent {
			if inComponent {
				// Parse the inner block anyway so that its braces balance,
				// then drop it.
				pos := p.tok.Pos
				p.parseComponent()
				p.failed = false
				p.errorAt(pos, "component blocks cannot be nested",
					"close the enclosing component with '}' before starting another")
				return nil
			}
			return p.parseComponent()
		}
		return p.parseRuleOrFact()
	case tRBrace:
		p.errorAt(p.tok.Pos, "unexpected '}' outside a component",
			"remove it, or open the block with `component name {`")
		return nil
	case tIllegal:
		p.failed = true // already reported by the lexer
		return nil
	case tDot:
		p.errorAt(p.tok.Pos, "unexpected '.'",
			"a '.' ends a rule or fact; directives are written `.name` with no space")
		return nil
	}
	p.errorAt(p.tok.Pos, fmt.Sprintf("unexpected %s at the start of an item", p.tok.describe()),
		"an item is a directive (.decl, .input, ...), a component, a rule `head :- body.` or a fact `name(1, 2).`")
	return nil
}

// endItem checks what follows a complete rule, fact or directive: an
// optional "." (when allowDot), then a line break, "}" or end of file.
func (p *parser) endItem(allowDot bool, what string) {
	if p.failed {
		return
	}
	if allowDot && p.tok.Kind == tDot {
		p.next()
		return
	}
	if p.tok.Kind == tDot && !allowDot {
		p.errorAt(p.tok.Pos, "directives do not end with '.'",
			"remove the '.'; a directive ends at the end of its line")
		return
	}
	if p.tok.NewlineBefore || p.tok.Kind == tEOF || p.tok.Kind == tRBrace {
		return
	}
	if allowDot {
		p.errorAt(p.tok.Pos, fmt.Sprintf("unexpected %s after %s", p.tok.describe(), what),
			"separate body literals with ',' and end each rule or fact with '.' or a line break")
		return
	}
	p.errorAt(p.tok.Pos, fmt.Sprintf("unexpected %s after %s", p.tok.describe(), what),
		"put each directive on its own line")
}
