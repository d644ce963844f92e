package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the small scanner shared by the parsers of sim's text
// formats (fault plans, workloads, schedules, delay distributions). Every
// token knows its column so that errors can point at it.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokInt    // decimal integer, possibly with a leading '-'
	tokFloat  // decimal number with a '.' or exponent
	tokString // Go-quoted string; text is the unquoted value
	tokPunct  // one of ( ) [ ] , | = @ -> => ; : # *
)

type token struct {
	kind tokKind
	text string
	col  int // 1-based byte column in the scanned line
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return strconv.Quote(t.text)
	}
	return "`" + t.text + "`"
}

// SpecError is an error in one of sim's text formats. It names the source
// (a file name or "fault plan"), the line and column, what is wrong and how
// to fix it.
type SpecError struct {
	Source    string
	Line, Col int
	Msg, Hint string
}

func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	switch {
	case e.Line > 0 && e.Col > 0:
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	case e.Col > 0:
		fmt.Fprintf(&b, ": column %d", e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// scanner tokenizes one line of text.
type scanner struct {
	src    string
	line   int
	source string
	toks   []token
	pos    int
}

func newScanner(source string, line int, src string) (*scanner, error) {
	s := &scanner{src: src, line: line, source: source}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case isLetter(c):
			j := i
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			s.toks = append(s.toks, token{tokIdent, src[i:j], i + 1})
			i = j
		case isDigit(c) || (c == '-' && i+1 < len(src) && isDigit(src[i+1])) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i + 1
			kind := tokInt
			if c == '.' {
				kind = tokFloat
			}
			for j < len(src) {
				d := src[j]
				if isDigit(d) {
					j++
				} else if d == '.' || d == 'e' || d == 'E' {
					kind = tokFloat
					j++
					if j < len(src) && (src[j] == '-' || src[j] == '+') && (d == 'e' || d == 'E') {
						j++
					}
				} else {
					break
				}
			}
			s.toks = append(s.toks, token{kind, src[i:j], i + 1})
			i = j
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, s.errAt(i+1, "unterminated string", "close it with \"")
			}
			text, err := strconv.Unquote(src[i : j+1])
			if err != nil {
				return nil, s.errAt(i+1, "bad string literal "+src[i:j+1], "use Go escapes such as \\\" and \\n")
			}
			s.toks = append(s.toks, token{tokString, text, i + 1})
			i = j + 1
		case c == '-' && i+1 < len(src) && src[i+1] == '>':
			s.toks = append(s.toks, token{tokPunct, "->", i + 1})
			i += 2
		case c == '=' && i+1 < len(src) && src[i+1] == '>':
			s.toks = append(s.toks, token{tokPunct, "=>", i + 1})
			i += 2
		case strings.IndexByte("()[],|=@;:#*", c) >= 0:
			s.toks = append(s.toks, token{tokPunct, string(c), i + 1})
			i++
		default:
			return nil, s.errAt(i+1, fmt.Sprintf("unexpected character %q", c), "")
		}
	}
	return s, nil
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func (s *scanner) errAt(col int, msg, hint string) *SpecError {
	return &SpecError{Source: s.source, Line: s.line, Col: col, Msg: msg, Hint: hint}
}

func (s *scanner) peek() token {
	if s.pos < len(s.toks) {
		return s.toks[s.pos]
	}
	return token{kind: tokEOF, col: len(s.src) + 1}
}

func (s *scanner) next() token {
	t := s.peek()
	if s.pos < len(s.toks) {
		s.pos++
	}
	return t
}

func (s *scanner) atEOF() bool { return s.pos >= len(s.toks) }

func (s *scanner) isPunct(p string) bool {
	t := s.peek()
	return t.kind == tokPunct && t.text == p
}

func (s *scanner) expectPunct(p, hint string) (token, error) {
	t := s.next()
	if t.kind != tokPunct || t.text != p {
		return t, s.errAt(t.col, "expected `"+p+"`, found "+t.String(), hint)
	}
	return t, nil
}

func (s *scanner) expectIdent(what, hint string) (token, error) {
	t := s.next()
	if t.kind != tokIdent {
		return t, s.errAt(t.col, "expected "+what+", found "+t.String(), hint)
	}
	return t, nil
}

func (s *scanner) expectInt(what, hint string) (int64, token, error) {
	t := s.next()
	if t.kind != tokInt {
		return 0, t, s.errAt(t.col, "expected "+what+" (an integer), found "+t.String(), hint)
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, t, s.errAt(t.col, "integer "+t.text+" out of range", hint)
	}
	return n, t, nil
}

func (s *scanner) expectNumber(what, hint string) (float64, token, error) {
	t := s.next()
	if t.kind != tokInt && t.kind != tokFloat {
		return 0, t, s.errAt(t.col, "expected "+what+" (a number), found "+t.String(), hint)
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return 0, t, s.errAt(t.col, "bad number "+t.text, hint)
	}
	return f, t, nil
}

// addr parses comp[i].
func (s *scanner) addr(hint string) (value.Addr, token, error) {
	t, err := s.expectIdent("a node address like storage[1]", hint)
	if err != nil {
		return value.Addr{}, t, err
	}
	if _, err := s.expectPunct("[", "write a node as comp[i]"); err != nil {
		return value.Addr{}, t, err
	}
	n, nt, err := s.expectInt("an instance number", "write a node as comp[i]")
	if err != nil {
		return value.Addr{}, t, err
	}
	if n < 0 || n >= value.MaxInstances {
		return value.Addr{}, t, s.errAt(nt.col, fmt.Sprintf("instance number out of range (0 to %d)", value.MaxInstances-1), "")
	}
	if _, err := s.expectPunct("]", "write a node as comp[i]"); err != nil {
		return value.Addr{}, t, err
	}
	return value.Addr{Comp: t.text, Instance: int(n)}, t, nil
}

// keyValue parses name=value where value is a number; it returns the name
// token and the number's token.
func (s *scanner) keyValue(hint string) (token, token, error) {
	k, err := s.expectIdent("an option like p=0.3", hint)
	if err != nil {
		return k, k, err
	}
	if _, err := s.expectPunct("=", hint); err != nil {
		return k, k, err
	}
	v := s.next()
	if v.kind != tokInt && v.kind != tokFloat {
		return k, v, s.errAt(v.col, "expected a number after "+k.text+"=, found "+v.String(), hint)
	}
	return k, v, nil
}

// fact parses rel(v, ...) with values: integers, strings and addresses.
func (s *scanner) fact() (value.Fact, token, error) {
	t, err := s.expectIdent("a fact like in(1, \"x\")", "")
	if err != nil {
		return value.Fact{}, t, err
	}
	if _, err := s.expectPunct("(", "write a fact as rel(v1, v2)"); err != nil {
		return value.Fact{}, t, err
	}
	f := value.Fact{Rel: t.text, Tuple: value.Tuple{}}
	if s.isPunct(")") {
		s.next()
		return f, t, nil
	}
	for {
		v, err := s.value()
		if err != nil {
			return f, t, err
		}
		f.Tuple = append(f.Tuple, v)
		if s.isPunct(",") {
			s.next()
			continue
		}
		if _, err := s.expectPunct(")", "separate values with , and close the fact with )"); err != nil {
			return f, t, err
		}
		return f, t, nil
	}
}

func (s *scanner) value() (value.Value, error) {
	t := s.peek()
	switch t.kind {
	case tokInt:
		n, _, err := s.expectInt("a value", "")
		return value.Int(n), err
	case tokString:
		s.next()
		return value.Str(t.text), nil
	case tokIdent:
		a, _, err := s.addr("an address value is written comp[i]")
		return value.AddrOf(a), err
	}
	s.next()
	return value.Value{}, s.errAt(t.col, "expected a value, found "+t.String(), "values are integers, \"strings\" and addresses comp[i]")
}
