package syntax

import "fmt"

// tokenKind classifies a token.
type tokenKind int

const (
	tEOF       tokenKind = iota
	tIllegal             // a lexical error, already reported by the lexer
	tIdent               // foo, _x, and the lone wildcard _
	tInt                 // 123 (value kept unsigned so that -9223372036854775808 parses)
	tString              // "..." (Text is the unquoted value)
	tSnippet             // `...` (Text is the content between the backticks)
	tDirective           // .decl, .input, ... (Text is the name without the dot)
	tLParen              // (
	tRParen              // )
	tLBrack              // [
	tRBrack              // ]
	tLBrace              // {
	tRBrace              // }
	tComma               // ,
	tDot                 // .
	tAt                  // @
	tBang                // !
	tColon               // :
	tSync                // :-
	tNext                // :+
	tAsync               // :~
	tPlus                // +
	tMinus               // -
	tStar                // *
	tSlash               // /
	tPercent             // %
	tLt                  // <
	tLe                  // <=
	tGt                  // >
	tGe                  // >=
	tEq                  // ==
	tNe                  // !=
	tAssign              // =
)

var tokenSpelling = map[tokenKind]string{
	tLParen: "(", tRParen: ")", tLBrack: "[", tRBrack: "]", tLBrace: "{", tRBrace: "}",
	tComma: ",", tDot: ".", tAt: "@", tBang: "!", tColon: ":",
	tSync: ":-", tNext: ":+", tAsync: ":~",
	tPlus: "+", tMinus: "-", tStar: "*", tSlash: "/", tPercent: "%",
	tLt: "<", tLe: "<=", tGt: ">", tGe: ">=", tEq: "==", tNe: "!=", tAssign: "=",
}

// token is one lexical element.
type token struct {
	Kind tokenKind
	Pos  Pos
	End  Pos    // position just past the token's last byte
	Text string // identifier name, unquoted string, snippet content, directive name, digits
	Uint uint64 // value of an integer literal (at most 1<<63, checked by the lexer)
	// NewlineBefore reports whether a line break separates this token from
	// the previous one; the parser uses it to end rules written without "."
	// and to resynchronise after an error.
	NewlineBefore bool
}

// describe renders a token for an error message: `"foo"`, `'('`, `end of file`.
func (t token) describe() string {
	switch t.Kind {
	case tEOF:
		return "end of file"
	case tIllegal:
		return "invalid input"
	case tIdent:
		if t.Text == "_" {
			return "wildcard '_'"
		}
		return fmt.Sprintf("identifier %q", t.Text)
	case tInt:
		return fmt.Sprintf("integer %s", t.Text)
	case tString:
		return "string literal"
	case tSnippet:
		return "backtick snippet"
	case tDirective:
		return fmt.Sprintf("directive '.%s'", t.Text)
	}
	return fmt.Sprintf("'%s'", tokenSpelling[t.Kind])
}

// isCompare reports whether k is a comparison or assignment operator.
func (k tokenKind) isCompare() bool {
	switch k {
	case tLt, tLe, tGt, tGe, tEq, tNe, tAssign:
		return true
	}
	return false
}

// binaryPrec returns the precedence of an arithmetic operator (higher binds
// tighter), or 0 if k is not one.
func (k tokenKind) binaryPrec() int {
	switch k {
	case tPlus, tMinus:
		return 1
	case tStar, tSlash, tPercent:
		return 2
	}
	return 0
}

// isArrow reports whether k is a rule arrow.
func (k tokenKind) isArrow() bool { return k == tSync || k == tNext || k == tAsync }
