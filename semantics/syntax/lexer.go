package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lexer turns source bytes into tokens and comments. It never stops early:
// a lexical error is reported through the sink and becomes a tIllegal token,
// so the parser can resynchronise after it.
type lexer struct {
	src       []byte
	off       int
	line, col int
	sink      *diagSink
	comments  []Comment
	newline   bool // a line break was seen since the last token
}

// lex tokenises src completely. The result always ends with a tEOF token.
func lex(src []byte, sink *diagSink) ([]token, []Comment) {
	lx := &lexer{src: src, line: 1, col: 1, sink: sink, newline: true}
	// Programs average well over four bytes per token; growing the slice
	// from empty dominated the parse time.
	toks := make([]token, 0, len(src)/4+1)
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.Kind == tEOF {
			return toks, lx.comments
		}
	}
}

func (lx *lexer) pos() Pos { return Pos{Line: lx.line, Col: lx.col} }

// advance moves past n bytes, none of which is a newline.
func (lx *lexer) advance(n int) {
	lx.off += n
	lx.col += n
}

// advanceAny moves past one byte that may be a newline.
func (lx *lexer) advanceAny() {
	if lx.src[lx.off] == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
	lx.off++
}

func (lx *lexer) peek(k int) byte {
	if lx.off+k < len(lx.src) {
		return lx.src[lx.off+k]
	}
	return 0
}

func isLetter(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// next returns the next token, collecting comments on the way.
func (lx *lexer) next() token {
	lx.skipSpaceAndComments()
	nl := lx.newline
	lx.newline = false
	t := lx.scan()
	t.NewlineBefore = nl
	t.End = lx.pos()
	return t
}

func (lx *lexer) skipSpaceAndComments() {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.newline = true
			lx.advanceAny()
		case c == ' ' || c == '\t' || c == '\r':
			lx.advance(1)
		case c == '#':
			lx.comment("#")
		case c == '/' && lx.peek(1) == '/':
			lx.comment("//")
		default:
			return
		}
	}
}

// comment records a line comment starting at the current offset.
func (lx *lexer) comment(style string) {
	start := lx.pos()
	end := lx.off
	for end < len(lx.src) && lx.src[end] != '\n' {
		end++
	}
	text := string(lx.src[lx.off+len(style) : end])
	lx.advance(end - lx.off)
	lx.comments = append(lx.comments, Comment{Pos: start, Style: style, Text: strings.TrimRight(text, " \t\r")})
}

func (lx *lexer) scan() token {
	start := lx.pos()
	if lx.off >= len(lx.src) {
		return token{Kind: tEOF, Pos: start}
	}
	c := lx.src[lx.off]
	switch {
	case isLetter(c):
		end := lx.off
		for end < len(lx.src) && (isLetter(lx.src[end]) || isDigit(lx.src[end])) {
			end++
		}
		name := string(lx.src[lx.off:end])
		lx.advance(end - lx.off)
		return token{Kind: tIdent, Pos: start, Text: name}
	case isDigit(c):
		return lx.number(start)
	case c == '"':
		return lx.stringLit(start)
	case c == '`':
		return lx.snippet(start)
	case c == '.' && isLetter(lx.peek(1)):
		end := lx.off + 1
		for end < len(lx.src) && (isLetter(lx.src[end]) || isDigit(lx.src[end])) {
			end++
		}
		name := string(lx.src[lx.off+1 : end])
		lx.advance(end - lx.off)
		return token{Kind: tDirective, Pos: start, Text: name}
	}
	if k, n := punctuation(c, lx.peek(1)); n > 0 {
		lx.advance(n)
		return token{Kind: k, Pos: start}
	}
	r, size := utf8.DecodeRune(lx.src[lx.off:])
	lx.advance(size)
	if r == utf8.RuneError && size == 1 {
		lx.sink.add(start, fmt.Sprintf("invalid byte 0x%02x (the file is not UTF-8 text)", c),
			"save the file as UTF-8; only comments, strings and snippets may hold non-ASCII text")
	} else {
		lx.sink.add(start, fmt.Sprintf("unexpected character %q", r),
			"remove it; identifiers are ASCII letters, digits and '_', and text belongs in \"strings\"")
	}
	return token{Kind: tIllegal, Pos: start}
}

// punctuation recognises operators; n is how many bytes it spans (0: none).
func punctuation(c, d byte) (tokenKind, int) {
	switch c {
	case '(':
		return tLParen, 1
	case ')':
		return tRParen, 1
	case '[':
		return tLBrack, 1
	case ']':
		return tRBrack, 1
	case '{':
		return tLBrace, 1
	case '}':
		return tRBrace, 1
	case ',':
		return tComma, 1
	case '.':
		return tDot, 1
	case '@':
		return tAt, 1
	case '+':
		return tPlus, 1
	case '-':
		return tMinus, 1
	case '*':
		return tStar, 1
	case '/':
		return tSlash, 1
	case '%':
		return tPercent, 1
	case ':':
		switch d {
		case '-':
			return tSync, 2
		case '+':
			return tNext, 2
		case '~':
			return tAsync, 2
		}
		return tColon, 1
	case '!':
		if d == '=' {
			return tNe, 2
		}
		return tBang, 1
	case '<':
		if d == '=' {
			return tLe, 2
		}
		return tLt, 1
	case '>':
		if d == '=' {
			return tGe, 2
		}
		return tGt, 1
	case '=':
		if d == '=' {
			return tEq, 2
		}
		return tAssign, 1
	}
	return tEOF, 0
}

// maxIntMagnitude is 1<<63: the largest magnitude an integer literal may
// have, reachable only as -9223372036854775808 (the parser checks the sign).
const maxIntMagnitude = uint64(1) << 63

func (lx *lexer) number(start Pos) token {
	end := lx.off
	for end < len(lx.src) && isDigit(lx.src[end]) {
		end++
	}
	digits := string(lx.src[lx.off:end])
	lx.advance(end - lx.off)
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || v > maxIntMagnitude {
		lx.sink.add(start, fmt.Sprintf("integer %s overflows 64 bits", abbreviate(digits)),
			"integers are signed 64-bit: use a value between -9223372036854775808 and 9223372036854775807")
		return token{Kind: tIllegal, Pos: start}
	}
	return token{Kind: tInt, Pos: start, Text: digits, Uint: v}
}

func (lx *lexer) stringLit(start Pos) token {
	end := lx.off + 1
	for end < len(lx.src) && lx.src[end] != '"' && lx.src[end] != '\n' {
		if lx.src[end] == '\\' && end+1 < len(lx.src) && lx.src[end+1] != '\n' {
			end++
		}
		end++
	}
	if end >= len(lx.src) || lx.src[end] != '"' {
		lx.advance(end - lx.off)
		lx.sink.add(start, "string literal not terminated",
			"close the string with '\"' on the same line; write a line break as \\n")
		return token{Kind: tIllegal, Pos: start}
	}
	raw := string(lx.src[lx.off : end+1])
	lx.advance(end + 1 - lx.off)
	val, err := strconv.Unquote(raw)
	if err != nil {
		lx.sink.add(start, "invalid escape sequence in string literal",
			`use Go escapes: \n \t \\ \" \xFF \u00e9`)
		return token{Kind: tIllegal, Pos: start}
	}
	return token{Kind: tString, Pos: start, Text: val}
}

func (lx *lexer) snippet(start Pos) token {
	lx.advance(1)
	begin := lx.off
	for lx.off < len(lx.src) && lx.src[lx.off] != '`' {
		lx.advanceAny()
	}
	if lx.off >= len(lx.src) {
		lx.sink.add(start, "backtick snippet not terminated",
			"close the Rust snippet with a matching '`'")
		return token{Kind: tIllegal, Pos: start}
	}
	text := string(lx.src[begin:lx.off])
	lx.advance(1)
	return token{Kind: tSnippet, Pos: start, Text: text}
}

// abbreviate shortens a long literal for an error message.
func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:20] + "..."
	}
	return s
}
