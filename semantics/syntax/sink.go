package syntax

import "fmt"

// Bounds that keep hostile input from hanging the parser or exhausting the
// stack. Both are far above anything a hand-written program needs.
const (
	// MaxErrors is how many diagnostics one file may produce; after that the
	// parser stops with a final "too many errors".
	MaxErrors = 100
	// MaxNesting bounds how deeply expressions may nest (parentheses, calls,
	// unary minus, instance indexes).
	MaxNesting = 200
)

// diagSink collects diagnostics for one file. It keeps at most one
// diagnostic per source line (later ones on the same line are almost always
// consequences of the first) and at most MaxErrors in total.
type diagSink struct {
	file  string
	diags Diagnostics
	lines map[int]bool
	full  bool // MaxErrors reached; tooMany holds the final diagnostic
	// tooMany is kept apart so that sorting leaves it last.
	tooMany *Diagnostic
}

func newDiagSink(file string) *diagSink {
	return &diagSink{file: file, lines: map[int]bool{}}
}

// add records a diagnostic unless its line already has one or the sink is full.
func (s *diagSink) add(pos Pos, msg, hint string) {
	if s.full || s.lines[pos.Line] {
		return
	}
	s.lines[pos.Line] = true
	if len(s.diags) == MaxErrors {
		s.full = true
		s.tooMany = &Diagnostic{File: s.file, Pos: pos,
			Msg:  fmt.Sprintf("too many errors (stopped after %d)", MaxErrors),
			Hint: "fix the errors above and run again"}
		return
	}
	s.diags = append(s.diags, Diagnostic{File: s.file, Pos: pos, Msg: msg, Hint: hint})
}

// result returns the diagnostics sorted by position, "too many errors" last.
func (s *diagSink) result() Diagnostics {
	ds := s.diags
	ds.Sort()
	if s.tooMany != nil {
		ds = append(ds, *s.tooMany)
	}
	return ds
}
