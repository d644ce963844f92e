package molly

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file lexes and parses one Molly-dialect file. Like the dsim parser
// it never panics, reports file:line:col with a hint, and resumes after
// the next ';' so that one bad clause does not hide the next.

const maxErrors = 100

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tInt
	tString
	tPunct
)

type token struct {
	kind tokKind
	text string
	pos  syntax.Pos
}

type parser struct {
	f     *file
	toks  []token
	i     int
	depth int // parenthesis nesting, bounded by syntax.MaxNesting
	diags syntax.Diagnostics
}

func (p *parser) errorf(pos syntax.Pos, hint, format string, args ...any) {
	if len(p.diags) >= maxErrors {
		return
	}
	p.diags = append(p.diags, syntax.Diagnostic{File: p.f.name, Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || ('0' <= c && c <= '9') || c == '.' || c == '?'
}

// lex splits src into tokens; comments are // to the end of the line and
// /* ... */.
func (p *parser) lex(src []byte) {
	line, col := 1, 1
	i := 0
	adv := func(n int) {
		for k := 0; k < n && i < len(src); k++ {
			if src[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i++
		}
	}
	for i < len(src) {
		c := src[i]
		pos := syntax.Pos{Line: line, Col: col}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			adv(1)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				adv(1)
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(string(src[i+2:]), "*/")
			if end < 0 {
				p.errorf(pos, "close the comment with */", "comment not terminated")
				adv(len(src) - i)
				break
			}
			adv(end + 4)
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				j++
			}
			if j >= len(src) || src[j] != '"' {
				p.errorf(pos, "close the string on the same line", "string literal not terminated")
				adv(j - i)
				break
			}
			p.toks = append(p.toks, token{tString, string(src[i+1 : j]), pos})
			adv(j + 1 - i)
		case '0' <= c && c <= '9':
			j := i
			for j < len(src) && '0' <= src[j] && src[j] <= '9' {
				j++
			}
			p.toks = append(p.toks, token{tInt, string(src[i:j]), pos})
			adv(j - i)
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			p.toks = append(p.toks, token{tIdent, string(src[i:j]), pos})
			adv(j - i)
		default:
			two := ""
			if i+1 < len(src) {
				two = string(src[i : i+2])
			}
			switch {
			case two == ":-" || two == "==" || two == "!=" || two == "<=" || two == ">=":
				p.toks = append(p.toks, token{tPunct, two, pos})
				adv(2)
			case strings.IndexByte("(),;@<>+-*/%", c) >= 0:
				p.toks = append(p.toks, token{tPunct, string(c), pos})
				adv(1)
			default:
				what := fmt.Sprintf("'%c'", c)
				if c >= 0x80 || c < 0x20 {
					what = fmt.Sprintf("byte 0x%02X", c)
				}
				p.errorf(pos, "remove it; Molly's tokens are identifiers, numbers, \"strings\" and ( ) , ; :- @ notin and operators", "unexpected character %s", what)
				adv(1)
			}
		}
	}
	p.toks = append(p.toks, token{tEOF, "", syntax.Pos{Line: line, Col: col}})
}

func (p *parser) tok() token  { return p.toks[p.i] }
func (p *parser) peek() token { return p.toks[min(p.i+1, len(p.toks)-1)] }
func (p *parser) next()       { p.i = min(p.i+1, len(p.toks)-1) }

func (p *parser) is(text string) bool {
	t := p.tok()
	return (t.kind == tPunct || t.kind == tIdent) && t.text == text
}

// bail is a parse error inside a clause: it unwinds to parseFile, which
// skips to the next ';'.
type bail struct{}

func (p *parser) fail(hint, format string, args ...any) {
	p.errorf(p.tok().pos, hint, format, args...)
	panic(bail{})
}

func (p *parser) expect(text, hint string) token {
	if !p.is(text) {
		// A clause cut off at the end of its line: point just past the
		// line's last token rather than at the next line.
		if p.i > 0 && p.tok().pos.Line > p.toks[p.i-1].pos.Line {
			prev := p.toks[p.i-1]
			end := syntax.Pos{Line: prev.pos.Line, Col: prev.pos.Col + len(prev.text)}
			if prev.kind == tString {
				end.Col += 2
			}
			p.errorf(end, hint, "expected '%s' at the end of the line", text)
			panic(bail{})
		}
		p.fail(hint, "expected '%s', found %s", text, describe(p.tok()))
	}
	t := p.tok()
	p.next()
	return t
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the file"
	case tString:
		return strconv.Quote(t.text)
	}
	return "'" + t.text + "'"
}

// parseFile parses src. The tree is returned even with errors.
func parseFile(name string, src []byte) (*file, syntax.Diagnostics) {
	f := &file{name: name, src: src}
	p := &parser{f: f}
	p.lex(src)
	for p.tok().kind != tEOF && len(p.diags) < maxErrors {
		start := p.i
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(bail); !ok {
						panic(r)
					}
					for p.tok().kind != tEOF && !p.is(";") {
						p.next()
					}
					p.next()
				}
			}()
			p.depth = 0
			p.parseClause()
		}()
		if p.i == start {
			p.next() // never loop on one token
		}
	}
	return f, p.diags
}

func (p *parser) parseClause() {
	if p.is("include") && p.peek().kind == tString {
		pos := p.tok().pos
		p.next()
		p.f.includes = append(p.f.includes, include{pos: pos, path: p.tok().text})
		p.next()
		p.expect(";", "end the include with ';'")
		return
	}
	head := p.parsePred(true)
	switch {
	case p.is(";"):
		p.next()
		p.f.facts = append(p.f.facts, head)
	case p.is(":-"):
		r := &rule{pos: head.pos, file: p.f, head: head}
		p.next()
		for {
			p.parseBodyElem(r)
			if p.is(",") {
				p.next()
				continue
			}
			break
		}
		p.expect(";", "end the rule with ';' (separate body elements with ',')")
		p.f.rules = append(p.f.rules, r)
	default:
		p.fail("end a fact with ';', or join head and body with ':-'", "expected ':-' or ';' after %s(...), found %s", head.name, describe(p.tok()))
	}
}

func (p *parser) parseBodyElem(r *rule) {
	t := p.tok()
	if (t.kind == tIdent && t.text == "notin") || (t.kind == tIdent && p.peek().text == "(" && p.peek().kind == tPunct) {
		r.order = append(r.order, len(r.atoms))
		r.atoms = append(r.atoms, p.parsePred(false))
		return
	}
	l := p.parseExpr()
	op := p.tok()
	switch op.text {
	case "==", "!=", "<", ">", "<=", ">=":
		if op.kind != tPunct {
			break
		}
		p.next()
		rr := p.parseExpr()
		r.order = append(r.order, -1-len(r.quals))
		r.quals = append(r.quals, &qual{pos: l.position(), op: op.text, l: l, r: rr})
		return
	}
	p.fail("a body element is a predicate p(...), notin p(...), or a comparison such as X > 3", "expected a comparison operator, found %s", describe(op))
}

// parsePred parses `[notin] name(args) [@next|@async|@N]`.
func (p *parser) parsePred(head bool) *pred {
	pr := &pred{pos: p.tok().pos, file: p.f}
	if p.is("notin") {
		if head {
			p.fail("negate body atoms only", "a head cannot be negated")
		}
		pr.notin = true
		p.next()
	}
	t := p.tok()
	if t.kind != tIdent {
		p.fail("write a predicate such as log(Node, Payload)", "expected a relation name, found %s", describe(t))
	}
	pr.name = t.text
	if !pr.notin {
		pr.pos = t.pos
	}
	p.next()
	p.expect("(", "a relation takes its columns in parentheses, e.g. "+pr.name+"(X)")
	if !p.is(")") {
		for {
			pr.args = append(pr.args, p.parseArg())
			if p.is(",") {
				p.next()
				continue
			}
			break
		}
	}
	p.expect(")", "close the column list with ')' (separate columns with ',')")
	if p.is("@") {
		p.next()
		t := p.tok()
		switch {
		case t.kind == tIdent && t.text == "next":
			pr.time = timeNext
		case t.kind == tIdent && t.text == "async":
			pr.time = timeAsync
		case t.kind == tInt:
			n, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil || n < 1 {
				p.fail("rounds count from 1", "bad round %s", t.text)
			}
			pr.time, pr.at = timeAt, n
		default:
			p.fail("write @next, @async or a round such as @1", "expected next, async or a round after '@', found %s", describe(t))
		}
		p.next()
	}
	return pr
}

var aggregates = map[string]bool{"count": true, "min": true, "max": true, "sum": true}

func (p *parser) parseArg() term {
	t := p.tok()
	if t.kind == tIdent && p.peek().text == "<" && p.peek().kind == tPunct && aggregates[t.text] {
		p.next()
		p.next()
		v := p.tok()
		if v.kind != tIdent {
			p.fail("aggregate a variable, e.g. count<X>", "expected a variable in %s<...>, found %s", t.text, describe(v))
		}
		p.next()
		p.expect(">", "close the aggregate with '>', e.g. count<X>")
		return &aggTerm{pos: t.pos, fn: t.text, varNm: v.text}
	}
	return p.parseExpr()
}

// parseExpr parses arithmetic with the usual precedence.
func (p *parser) parseExpr() term {
	l := p.parseProduct()
	for p.tok().kind == tPunct && (p.is("+") || p.is("-")) {
		op := p.tok()
		p.next()
		l = &binTerm{pos: l.position(), op: op.text, l: l, r: p.parseProduct()}
	}
	return l
}

func (p *parser) parseProduct() term {
	l := p.parsePrimary()
	for p.tok().kind == tPunct && (p.is("*") || p.is("/") || p.is("%")) {
		op := p.tok()
		p.next()
		l = &binTerm{pos: l.position(), op: op.text, l: l, r: p.parsePrimary()}
	}
	return l
}

func (p *parser) parsePrimary() term {
	t := p.tok()
	switch t.kind {
	case tIdent:
		if t.text == "notin" {
			break
		}
		p.next()
		return &varTerm{pos: t.pos, name: t.text}
	case tString:
		p.next()
		return &strTerm{pos: t.pos, s: t.text}
	case tInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			p.fail("integers are signed 64-bit", "integer %s overflows 64 bits", t.text)
		}
		p.next()
		return &intTerm{pos: t.pos, i: n}
	case tPunct:
		if t.text == "(" {
			if p.depth >= syntax.MaxNesting {
				p.fail("split it into several comparisons", "expression nested too deeply (more than %d levels)", syntax.MaxNesting)
			}
			p.depth++
			p.next()
			e := p.parseExpr()
			p.expect(")", "close the parenthesis")
			p.depth--
			return e
		}
		if t.text == "-" && p.peek().kind == tInt {
			p.next()
			n, err := strconv.ParseInt("-"+p.tok().text, 10, 64)
			if err != nil {
				p.fail("integers are signed 64-bit", "integer -%s overflows 64 bits", p.tok().text)
			}
			p.next()
			return &intTerm{pos: t.pos, i: n}
		}
	}
	p.fail("an argument is a variable, _, a number, a \"string\", an aggregate such as count<X>, or arithmetic", "expected an argument, found %s", describe(t))
	return nil
}
