package syntax

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic is one problem found in a source file, by the parser or by
// analysis. It renders as
//
//	file:line:col: message
//	    source line
//	    ^
//	hint: how to fix it
type Diagnostic struct {
	File string
	Pos  Pos
	Msg  string // what is wrong, lower case, no trailing period
	Hint string // how to fix it; may be empty
}

// Error renders the diagnostic's first line: file:line:col: message.
func (d Diagnostic) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Pos.Line, d.Pos.Col, d.Msg)
}

// Render writes the diagnostic with the offending source line, a caret under
// the column, and the hint. src is the whole file's text (may be nil, in
// which case the source line is omitted).
func (d Diagnostic) Render(src []byte) string {
	var b strings.Builder
	b.WriteString(d.Error())
	b.WriteByte('\n')
	if line, ok := sourceLine(src, d.Pos.Line); ok {
		line = strings.ReplaceAll(line, "\t", " ")
		col := d.Pos.Col
		if col < 1 {
			col = 1
		}
		if col > len(line)+1 {
			col = len(line) + 1
		}
		line, col = clipLine(line, col)
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteByte('\n')
		b.WriteString("    ")
		b.WriteString(strings.Repeat(" ", col-1))
		b.WriteString("^\n")
	}
	if d.Hint != "" {
		b.WriteString("hint: ")
		b.WriteString(d.Hint)
		b.WriteByte('\n')
	}
	return b.String()
}

// maxShownLine bounds the source text a diagnostic shows: a very long line
// (generated code, a fuzzer's input) is cut to a window around the caret.
const maxShownLine = 160

// clipLine cuts line to at most maxShownLine bytes around byte column col,
// marking each cut with "...", and returns the column of the caret in the
// clipped text.
func clipLine(line string, col int) (string, int) {
	if len(line) <= maxShownLine {
		return line, col
	}
	start := max(0, col-1-maxShownLine/2)
	end := min(len(line), start+maxShownLine)
	start = max(0, end-maxShownLine)
	clipped := strings.ToValidUTF8(line[start:end], "?")
	col -= start
	if start > 0 {
		clipped = "..." + clipped
		col += 3
	}
	if end < len(line) {
		clipped += "..."
	}
	return clipped, col
}

func sourceLine(src []byte, line int) (string, bool) {
	if src == nil || line < 1 {
		return "", false
	}
	lines := strings.Split(string(src), "\n")
	if line > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[line-1], "\r"), true
}

// Diagnostics is a list of problems; as an error it reports them all.
type Diagnostics []Diagnostic

// Sort orders diagnostics by file, line, column, then message.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Msg < b.Msg
	})
}

// Error joins the first lines of all diagnostics.
func (ds Diagnostics) Error() string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n")
}

// Render renders every diagnostic against the same source text.
func (ds Diagnostics) Render(src []byte) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Render(src))
	}
	return b.String()
}

// Err returns ds as an error, or nil when it is empty.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}
