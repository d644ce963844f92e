package viz

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// This file renders a Diagram for a terminal: one column per lane, one row
// per virtual time at which something happens, each cell listing what
// happens on that lane at that time, and under each row one line per arrow
// leaving at that time or mark placed there, saying where it goes and what
// became of it.

// asciiLegend explains the cell tokens.
const asciiLegend = "legend: #N tick N; mK> sends message K, <mK receives it (<mK' the duplicate), xmK it is dropped, ~mK it is still in flight;\n" +
	"        iK> / <iK input K (xiK lost), oK> / <oK output K; T timer (xT lost), CRASH crash, ! invariant violation"

// token is one entry of a cell; cells sort their tokens by phase (arrivals,
// the tick, departures, crashes) and then by trace order.
type token struct {
	phase int
	seq   int
	text  string
}

const (
	phaseArrive = iota
	phaseTick
	phaseLeave
	phaseAfter
)

// asciiCells computes the text of each cell (row, lane) and the notes
// under each row. An arrow or mark whose fact is offending ("" for none)
// gets a * on its tokens and OFFENDING before its note.
func asciiCells(d *Diagram, offending string) (text [][]string, rowNotes [][]string) {
	cells := make([][][]token, len(d.Times))
	for r := range cells {
		cells[r] = make([][]token, len(d.Lanes))
	}
	seq := 0
	put := func(row, lane, phase int, text string) {
		seq++
		cells[row][lane] = append(cells[row][lane], token{phase, seq, text})
	}
	notes := make([][]token, len(d.Times))
	note := func(row, phase int, text string) {
		seq++
		notes[row] = append(notes[row], token{phase, seq, text})
	}
	for _, t := range d.Ticks {
		put(t.Row, t.Lane, phaseTick, fmt.Sprintf("#%d", t.Number))
	}
	for _, a := range d.Arrows {
		from, to := d.Lanes[a.From].Name, d.Lanes[a.To].Name
		var arrive, fate string
		switch a.Kind {
		case ArrowMessage:
			arrive = "<" + a.ID
			if a.Dup {
				arrive += "'"
			}
			fate = fmt.Sprintf("delivered @%d", a.End)
			if a.Dup {
				fate += " (duplicate)"
			}
		case ArrowDrop:
			arrive = "x" + a.ID
			fate = fmt.Sprintf("DROPPED @%d (%s)", a.End, a.Reason)
			if a.Dup {
				fate += " (duplicate)"
			}
		case ArrowInFlight:
			arrive = "~" + a.ID
			fate = fmt.Sprintf("in flight at the end of the run (due @%d)", a.End)
		case ArrowInput:
			arrive = "<" + a.ID
			fate = "delivered"
			if a.Reason != "" {
				arrive = "x" + a.ID
				fate = "LOST (" + a.Reason + ")"
			}
		case ArrowOutput:
			arrive = "<" + a.ID
			fate = fmt.Sprintf("arrives @%d", a.End)
		}
		star, pre := "", ""
		if offending != "" && a.Fact == offending {
			star, pre = "*", "OFFENDING "
		}
		put(a.StartRow, a.From, phaseLeave, a.ID+">"+star)
		put(a.EndRow, a.To, phaseArrive, arrive+star)
		note(a.StartRow, phaseLeave, fmt.Sprintf("%s%s %s -> %s %s %s", pre, a.ID, from, to, a.Fact, fate))
	}
	for _, m := range d.Marks {
		lane := d.Lanes[m.Lane].Name
		switch m.Kind {
		case MarkCrash:
			put(m.Row, m.Lane, phaseAfter, "CRASH")
			note(m.Row, phaseAfter, lane+" crashes")
		case MarkTimer:
			text, text2 := "T", "timer "+m.Fact+" fires at "+lane
			if m.Reason != "" {
				text, text2 = "xT", "timer "+m.Fact+" at "+lane+" LOST ("+m.Reason+")"
			}
			put(m.Row, m.Lane, phaseArrive, text)
			note(m.Row, phaseArrive, text2)
		case MarkViolation:
			star, pre := "", ""
			if offending != "" && m.Fact == offending {
				star, pre = "*", "OFFENDING "
			}
			put(m.Row, m.Lane, phaseAfter, "!"+star)
			note(m.Row, phaseAfter, pre+"VIOLATION "+m.Fact+" at "+lane)
		}
	}

	text = make([][]string, len(d.Times))
	rowNotes = make([][]string, len(d.Times))
	for r := range cells {
		text[r] = make([]string, len(d.Lanes))
		for l, toks := range cells[r] {
			sortTokens(toks)
			parts := make([]string, len(toks))
			for i, t := range toks {
				parts[i] = t.text
			}
			text[r][l] = strings.Join(parts, " ")
		}
		sortTokens(notes[r])
		for _, n := range notes[r] {
			rowNotes[r] = append(rowNotes[r], n.text)
		}
	}
	return text, rowNotes
}

// WriteASCII renders d as text.
func WriteASCII(w io.Writer, d *Diagram) error {
	text, notes := asciiCells(d, "")
	// Column widths.
	timeW := len("time")
	widths := make([]int, len(d.Lanes))
	for i, l := range d.Lanes {
		widths[i] = len(l.Name)
	}
	for r := range text {
		timeW = max(timeW, len(fmt.Sprintf("@%d", d.Times[r])))
		for l := range text[r] {
			widths[l] = max(widths[l], len(text[r][l]))
		}
	}
	var b strings.Builder
	line := func(first string, cols []string) {
		var lb strings.Builder
		lb.WriteString(fmt.Sprintf("%-*s", timeW, first))
		for i, c := range cols {
			lb.WriteString(" | ")
			lb.WriteString(fmt.Sprintf("%-*s", widths[i], c))
		}
		b.WriteString(strings.TrimRight(lb.String(), " "))
		b.WriteByte('\n')
	}
	names := make([]string, len(d.Lanes))
	for i, l := range d.Lanes {
		names[i] = l.Name
	}
	line("time", names)
	rule := make([]string, len(d.Lanes))
	for i := range rule {
		rule[i] = strings.Repeat("-", widths[i])
	}
	line(strings.Repeat("-", timeW), rule)
	for r, t := range d.Times {
		line(fmt.Sprintf("@%d", t), text[r])
		for _, n := range notes[r] {
			b.WriteString(strings.Repeat(" ", timeW) + "     " + n + "\n")
		}
	}
	fmt.Fprintf(&b, "%d lanes, %d ticks, %d messages delivered, %d dropped, %d in flight, %d inputs, %d outputs, %d marks\n",
		len(d.Lanes), len(d.Ticks), d.Count(ArrowMessage), d.Count(ArrowDrop), d.Count(ArrowInFlight),
		d.Count(ArrowInput), d.Count(ArrowOutput), len(d.Marks))
	b.WriteString(asciiLegend + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func sortTokens(toks []token) {
	slices.SortFunc(toks, func(a, b token) int {
		if a.phase != b.phase {
			return a.phase - b.phase
		}
		return a.seq - b.seq
	})
}
