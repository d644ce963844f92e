package value

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxInstances bounds the instance count of a component everywhere: in a
// program's component declarations, in a simulator's --set overrides, in
// cluster files, and so in every address any text form can name (an
// instance number is below it).
const MaxInstances = 10000

// This file parses the text forms that value.go prints, so that every
// reader of facts and addresses (workloads, traces, cluster files,
// reproducers) accepts exactly what String writes. Errors are *ParseError
// with the byte column of the offending text.

// ParseError is text that is not the canonical form of an address, a
// value or a fact.
type ParseError struct {
	Text string // the whole text parsed
	Col  int    // 1-based byte column of the problem
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%q, column %d: %s", e.Text, e.Col, e.Msg)
}

// ParseAddr parses an address as Addr.String writes it: comp[i], with
// comp an identifier and 0 <= i < MaxInstances.
func ParseAddr(s string) (Addr, error) {
	p := parser{src: s}
	a := p.addr()
	p.end()
	return a, p.err
}

// ParseFact parses a fact as Fact.String writes it: rel(v1, v2, ...).
// Blanks are allowed around the punctuation.
func ParseFact(s string) (Fact, error) {
	p := parser{src: s}
	f := p.fact()
	p.end()
	return f, p.err
}

// parser reads one text form; after the first error it keeps the error
// and every further step is a no-op, so callers check err once.
type parser struct {
	src string
	pos int
	err error
}

func (p *parser) fail(msg string) {
	if p.err == nil {
		p.err = &ParseError{Text: p.src, Col: p.pos + 1, Msg: msg}
	}
}

func (p *parser) blanks() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) end() {
	p.blanks()
	if p.err == nil && p.pos < len(p.src) {
		p.fail(fmt.Sprintf("unexpected %q after the end", p.src[p.pos:]))
	}
}

func (p *parser) punct(c byte) {
	p.blanks()
	if p.err != nil {
		return
	}
	if p.pos >= len(p.src) || p.src[p.pos] != c {
		p.fail(fmt.Sprintf("expected %q", c))
		return
	}
	p.pos++
}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

func (p *parser) ident(what string) string {
	p.blanks()
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos], p.pos == start) {
		p.pos++
	}
	if p.err == nil && p.pos == start {
		p.fail("expected " + what)
	}
	return p.src[start:p.pos]
}

func (p *parser) int64() int64 {
	p.blanks()
	start := p.pos
	if p.pos < len(p.src) && p.src[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
	if err != nil {
		p.pos = start
		p.fail("expected an integer of 64 bits")
	}
	return n
}

func (p *parser) addr() Addr {
	comp := p.ident("a component name (an address is written comp[i])")
	p.punct('[')
	at := p.pos
	n := p.int64()
	if p.err == nil && (n < 0 || n >= MaxInstances) {
		p.pos = at
		p.fail(fmt.Sprintf("instance %d out of range (0 to %d)", n, MaxInstances-1))
	}
	p.punct(']')
	return Addr{Comp: comp, Instance: int(n)}
}

func (p *parser) value() Value {
	p.blanks()
	if p.err != nil {
		return Value{}
	}
	if p.pos >= len(p.src) {
		p.fail("expected a value (an integer, a \"string\" or an address comp[i])")
		return Value{}
	}
	switch c := p.src[p.pos]; {
	case c == '"':
		q, err := strconv.QuotedPrefix(p.src[p.pos:])
		if err != nil {
			p.fail("unterminated or malformed string (strings are Go-quoted)")
			return Value{}
		}
		s, _ := strconv.Unquote(q)
		p.pos += len(q)
		return Str(s)
	case c == '-' || c >= '0' && c <= '9':
		return Int(p.int64())
	case isIdentByte(c, true):
		return AddrOf(p.addr())
	}
	p.fail("expected a value (an integer, a \"string\" or an address comp[i])")
	return Value{}
}

func (p *parser) fact() Fact {
	f := Fact{Rel: p.ident("a relation name (a fact is written rel(v1, v2))"), Tuple: Tuple{}}
	p.punct('(')
	p.blanks()
	if p.err == nil && strings.HasPrefix(p.src[p.pos:], ")") {
		p.pos++
		return f
	}
	for p.err == nil {
		f.Tuple = append(f.Tuple, p.value())
		p.blanks()
		if p.err == nil && p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		p.punct(')')
		break
	}
	return f
}
