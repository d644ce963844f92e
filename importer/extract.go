package importer

import (
	"bytes"
	"fmt"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// Extract returns the Dedalus text of the datalog! macros of a Rust source
// file. The result has the length and line structure of src: bytes outside
// the macros' raw strings become spaces (newlines are kept), so a position
// in the result is the same position in src. Rust comments, strings and
// character literals are skipped, so a commented-out macro is not taken.
func Extract(name string, src []byte) ([]byte, syntax.Diagnostics) {
	out := bytes.Repeat([]byte{' '}, len(src))
	for i, c := range src {
		if c == '\n' || c == '\r' {
			out[i] = c
		}
	}
	s := &rustScanner{name: name, src: src}
	found := 0
	for s.i < len(s.src) {
		start, end, ok := s.nextMacro()
		if !ok {
			break
		}
		if start < 0 {
			continue // a diagnostic was recorded
		}
		copy(out[start:end], src[start:end])
		found++
	}
	if len(s.diags) == 0 && found == 0 {
		s.errorAt(0, "write the role's rules in a datalog!(r#\"...\"#) macro, or give the extracted .dl file",
			"no datalog! macro in %s", name)
	}
	return out, s.diags
}

// rustScanner walks Rust source just enough to find macro invocations
// outside comments and literals.
type rustScanner struct {
	name  string
	src   []byte
	i     int
	diags syntax.Diagnostics
}

func (s *rustScanner) pos(off int) syntax.Pos {
	line, col := 1, 1
	for _, c := range s.src[:min(off, len(s.src))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return syntax.Pos{Line: line, Col: col}
}

func (s *rustScanner) errorAt(off int, hint, format string, args ...any) {
	s.diags = append(s.diags, syntax.Diagnostic{File: s.name, Pos: s.pos(off), Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// nextMacro advances past the next datalog! macro and returns the byte
// range of its raw string's contents. ok is false at the end of the
// source; start is -1 when the macro was malformed (and reported).
func (s *rustScanner) nextMacro() (start, end int, ok bool) {
	src := s.src
	for s.i < len(src) {
		c := src[s.i]
		switch {
		case c == '/' && s.i+1 < len(src) && src[s.i+1] == '/':
			for s.i < len(src) && src[s.i] != '\n' {
				s.i++
			}
		case c == '/' && s.i+1 < len(src) && src[s.i+1] == '*':
			s.skipBlockComment()
		case c == '"':
			s.skipString()
		case c == 'r' && s.rawStringAt(s.i) >= 0 && (s.i == 0 || !isIdent(src[s.i-1])):
			s.skipRaw(s.i)
		case c == '\'':
			s.skipChar()
		case isIdent(c):
			j := s.i
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			word := string(src[s.i:j])
			at := s.i
			s.i = j
			if word == "datalog" && j < len(src) && src[j] == '!' {
				st, en := s.macroBody(at)
				return st, en, true
			}
		default:
			s.i++
		}
	}
	return 0, 0, false
}

// rawStringAt returns the number of #s of a raw string r#..."  starting at
// off, or -1 when there is none.
func (s *rustScanner) rawStringAt(off int) int {
	src := s.src
	if off >= len(src) || src[off] != 'r' {
		return -1
	}
	j := off + 1
	for j < len(src) && src[j] == '#' {
		j++
	}
	if j < len(src) && src[j] == '"' {
		return j - off - 1
	}
	return -1
}

// skipRaw skips a raw string starting at off and returns the range of its
// contents; start is -1 when it is not terminated.
func (s *rustScanner) skipRaw(off int) (start, end int) {
	hashes := s.rawStringAt(off)
	start = off + 2 + hashes
	closing := append([]byte{'"'}, bytes.Repeat([]byte{'#'}, hashes)...)
	k := bytes.Index(s.src[start:], closing)
	if k < 0 {
		s.i = len(s.src)
		return -1, -1
	}
	s.i = start + k + len(closing)
	return start, start + k
}

func (s *rustScanner) skipBlockComment() {
	depth := 0
	for s.i+1 < len(s.src) {
		switch {
		case s.src[s.i] == '/' && s.src[s.i+1] == '*':
			depth++
			s.i += 2
		case s.src[s.i] == '*' && s.src[s.i+1] == '/':
			depth--
			s.i += 2
			if depth == 0 {
				return
			}
		default:
			s.i++
		}
	}
	s.i = len(s.src)
}

func (s *rustScanner) skipString() {
	s.i++
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

// skipChar skips a character literal ('a', '\n'); a lifetime ('a) is just
// skipped as a quote.
func (s *rustScanner) skipChar() {
	src := s.src
	if s.i+2 < len(src) && src[s.i+1] != '\\' && src[s.i+2] == '\'' {
		s.i += 3
		return
	}
	if s.i+1 < len(src) && src[s.i+1] == '\\' {
		j := s.i + 2
		for j < len(src) && j < s.i+12 && src[j] != '\'' {
			j++
		}
		s.i = j + 1
		return
	}
	s.i++
}

// macroBody parses `!( r#"..."# )` after the macro name at off.
func (s *rustScanner) macroBody(at int) (start, end int) {
	src := s.src
	s.i++ // '!'
	s.skipSpace()
	if s.i >= len(src) || (src[s.i] != '(' && src[s.i] != '{' && src[s.i] != '[') {
		s.errorAt(at, "write datalog!(r#\"...\"#)", "expected '(' after datalog!")
		return -1, -1
	}
	s.i++
	s.skipSpace()
	if s.rawStringAt(s.i) < 0 {
		s.errorAt(s.i, "dsim reads the rules from a raw string: datalog!(r#\"...\"#)",
			"expected a raw string r#\"...\"# inside datalog!")
		return -1, -1
	}
	open := s.i
	start, end = s.skipRaw(s.i)
	if start < 0 {
		s.errorAt(open, "close the raw string with \"# (as many # as it opened with)", "raw string of datalog! is not terminated")
		return -1, -1
	}
	return start, end
}

func (s *rustScanner) skipSpace() {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		case '/':
			if s.i+1 < len(s.src) && s.src[s.i+1] == '/' {
				for s.i < len(s.src) && s.src[s.i] != '\n' {
					s.i++
				}
				continue
			}
			return
		default:
			return
		}
	}
}
