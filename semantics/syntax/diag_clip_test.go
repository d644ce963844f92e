package syntax

import (
	"strings"
	"testing"
)

// A diagnostic on a huge line shows a window around the caret, not the
// whole line, and the caret still points at the offending byte.
func TestRenderClipsLongLines(t *testing.T) {
	line := strings.Repeat("a", 5000) + "X" + strings.Repeat("b", 5000)
	d := Diagnostic{File: "f.ded", Pos: Pos{Line: 1, Col: 5001}, Msg: "bad X", Hint: "remove it"}
	out := d.Render([]byte(line))
	lines := strings.Split(out, "\n")
	if len(lines[1]) > maxShownLine+20 {
		t.Fatalf("source line not clipped: %d bytes", len(lines[1]))
	}
	caret := strings.Index(lines[2], "^")
	if caret < 0 || lines[1][caret] != 'X' {
		t.Fatalf("caret does not point at X:\n%s\n%s", lines[1], lines[2])
	}
	short := Diagnostic{File: "f.ded", Pos: Pos{Line: 1, Col: 3}, Msg: "m"}
	if got := short.Render([]byte("p(x) :- q(x).")); !strings.Contains(got, "    p(x) :- q(x).\n      ^\n") {
		t.Fatalf("short line rendered wrongly:\n%s", got)
	}
}
