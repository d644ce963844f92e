package viz

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/dsim-project/dsim/sim"
)

// This file draws two runs side by side: the rewritten program's run of a
// counterexample and the original's run that got furthest explaining it.
// Lanes are aligned: each column group holds a lane of the original and
// the rewritten lanes that stand for it (through the refinement map, which
// the caller gives as Map), so that what each side does at a node reads
// across one row. The offending output is marked (a * on its tokens,
// OFFENDING before its note; class "offending" on the page), and groups
// whose lanes are quiet in both runs (no message, input, output or mark
// touches them and no tick consumes, derives or outputs anything) are
// folded: listed once instead of drawn.

// SideBySideOptions tune BuildSideBySide.
type SideBySideOptions struct {
	// Map names the original's lane a rewritten lane stands for (a node
	// address such as "storage[1]", or a client "client 0"); nil or ""
	// keeps the name.
	Map func(rewritten string) string
	// Offending is the offending fact's text (as in the trace), or "".
	Offending string
	// MaxEvents bounds each trace, as Options.MaxEvents.
	MaxEvents int
	// Why is the offence traced back (the checker's derivation text), shown
	// under the table; "" for none.
	Why string
}

// SideGroup is one aligned column group.
type SideGroup struct {
	Name      string `json:"name"`      // the original's lane name
	Original  int    `json:"original"`  // its lane in Original, -1 if the original's run has none
	Rewritten []int  `json:"rewritten"` // the rewritten lanes standing for it
}

// SideBySide is two diagrams with their lanes aligned.
type SideBySide struct {
	Rewritten, Original *Diagram
	Groups              []SideGroup // drawn, in order
	Folded              []SideGroup // quiet in both runs
	Offending           string
	Why                 string
	Times               []int64 // the union of both diagrams' rows
}

// BuildSideBySide lays out the rewritten run rew and the original's run
// orig (nil: the original's run is not known) side by side.
func BuildSideBySide(rew, orig *sim.Trace, opt SideBySideOptions) (*SideBySide, error) {
	if orig == nil {
		orig = &sim.Trace{}
	}
	dr, err := Build(rew, Options{MaxEvents: opt.MaxEvents})
	if err != nil {
		return nil, fmt.Errorf("the rewritten run: %w", err)
	}
	do, err := Build(orig, Options{MaxEvents: opt.MaxEvents})
	if err != nil {
		return nil, fmt.Errorf("the original's run: %w", err)
	}
	sb := &SideBySide{Rewritten: dr, Original: do, Offending: opt.Offending, Why: opt.Why}
	var groups []SideGroup
	index := map[string]int{}
	group := func(name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		index[name] = len(groups)
		groups = append(groups, SideGroup{Name: name, Original: -1})
		return len(groups) - 1
	}
	for i, l := range do.Lanes {
		groups[group(l.Name)].Original = i
	}
	for i, l := range dr.Lanes {
		name := l.Name
		if opt.Map != nil && l.Kind == LaneNode {
			if m := opt.Map(name); m != "" {
				name = m
			}
		}
		g := group(name)
		groups[g].Rewritten = append(groups[g].Rewritten, i)
	}
	qr, qo := quietLanes(dr), quietLanes(do)
	for _, g := range groups {
		quiet := g.Original < 0 || qo[g.Original]
		for _, l := range g.Rewritten {
			quiet = quiet && qr[l]
		}
		if quiet {
			sb.Folded = append(sb.Folded, g)
			continue
		}
		// A drawn group still folds its quiet rewritten lanes (a rewrite
		// that spreads a node over more instances than the run uses).
		var busy, idle []int
		for _, l := range g.Rewritten {
			if qr[l] {
				idle = append(idle, l)
			} else {
				busy = append(busy, l)
			}
		}
		if len(idle) > 0 && (len(busy) > 0 || g.Original >= 0) {
			g.Rewritten = busy
			sb.Folded = append(sb.Folded, SideGroup{Name: g.Name, Original: -1, Rewritten: idle})
		}
		sb.Groups = append(sb.Groups, g)
	}
	sb.Times = mergeTimes(dr.Times, do.Times)
	return sb, nil
}

// quietLanes says which lanes nothing but empty ticks happen on.
func quietLanes(d *Diagram) []bool {
	q := make([]bool, len(d.Lanes))
	for i := range q {
		q[i] = true
	}
	for _, a := range d.Arrows {
		q[a.From], q[a.To] = false, false
	}
	for _, m := range d.Marks {
		q[m.Lane] = false
	}
	for _, t := range d.Ticks {
		if len(t.Consumed) > 0 || len(t.Produced) > 0 || len(t.Outputs) > 0 || t.Sends > 0 {
			q[t.Lane] = false
		}
	}
	return q
}

func mergeTimes(a, b []int64) []int64 {
	var out []int64
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// sideColumn is one drawn column: a lane of one of the two runs.
type sideColumn struct {
	Header   string // "rewritten storage[0]" or "original storage[0]"
	Original bool
	Lane     int
}

// sideTable is the aligned table both renderers draw.
type sideTable struct {
	Columns []sideColumn
	Rows    []sideRow
	Folded  []string
	Marked  []string // the texts of the cells holding the offending fact
}

type sideRow struct {
	Time  int64
	Cells []sideCell
	Notes []string
}

type sideCell struct {
	Text      string
	Offending bool
}

func (sb *SideBySide) table() *sideTable {
	t := &sideTable{}
	for _, g := range sb.Groups {
		for _, l := range g.Rewritten {
			t.Columns = append(t.Columns, sideColumn{Header: "rewritten " + sb.Rewritten.Lanes[l].Name, Lane: l})
		}
		if g.Original >= 0 {
			t.Columns = append(t.Columns, sideColumn{Header: "original " + g.Name, Original: true, Lane: g.Original})
		} else {
			t.Columns = append(t.Columns, sideColumn{Header: "original " + g.Name + " (none)", Original: true, Lane: -1})
		}
	}
	for _, g := range sb.Folded {
		names := []string{}
		for _, l := range g.Rewritten {
			names = append(names, "rewritten "+sb.Rewritten.Lanes[l].Name)
		}
		if g.Original >= 0 {
			names = append(names, "original "+g.Name)
		}
		t.Folded = append(t.Folded, strings.Join(names, " + "))
	}
	rt, rn := asciiCells(sb.Rewritten, sb.Offending)
	ot, on := asciiCells(sb.Original, sb.Offending)
	rowOf := func(d *Diagram) map[int64]int {
		m := map[int64]int{}
		for i, tm := range d.Times {
			m[tm] = i
		}
		return m
	}
	rr, or := rowOf(sb.Rewritten), rowOf(sb.Original)
	for _, tm := range sb.Times {
		row := sideRow{Time: tm}
		ri, rok := rr[tm]
		oi, ook := or[tm]
		for _, c := range t.Columns {
			var text string
			switch {
			case c.Lane < 0:
			case c.Original && ook:
				text = ot[oi][c.Lane]
			case !c.Original && rok:
				text = rt[ri][c.Lane]
			}
			cell := sideCell{Text: text, Offending: sb.Offending != "" && strings.Contains(text, "*")}
			if cell.Offending {
				t.Marked = append(t.Marked, c.Header+" @"+fmt.Sprint(tm)+": "+sb.Offending)
			}
			row.Cells = append(row.Cells, cell)
		}
		if rok {
			for _, n := range rn[ri] {
				row.Notes = append(row.Notes, "rewritten: "+n)
			}
		}
		if ook {
			for _, n := range on[oi] {
				row.Notes = append(row.Notes, "original:  "+n)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// WriteSideBySideASCII renders sb as text.
func WriteSideBySideASCII(w io.Writer, sb *SideBySide) error {
	t := sb.table()
	var b strings.Builder
	if sb.Offending != "" {
		fmt.Fprintf(&b, "offending fact: %s (marked *)\n", sb.Offending)
	}
	timeW := len("time")
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = len(c.Header)
	}
	for _, r := range t.Rows {
		timeW = max(timeW, len(fmt.Sprintf("@%d", r.Time)))
		for i, c := range r.Cells {
			widths[i] = max(widths[i], len(c.Text))
		}
	}
	line := func(first string, cols []string) {
		var lb strings.Builder
		fmt.Fprintf(&lb, "%-*s", timeW, first)
		for i, c := range cols {
			sep := " | "
			if i > 0 && !t.Columns[i-1].Original {
				sep = " : " // within a group: rewritten lanes, then the original's
			}
			lb.WriteString(sep)
			fmt.Fprintf(&lb, "%-*s", widths[i], c)
		}
		b.WriteString(strings.TrimRight(lb.String(), " "))
		b.WriteByte('\n')
	}
	heads := make([]string, len(t.Columns))
	rule := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		heads[i], rule[i] = c.Header, strings.Repeat("-", widths[i])
	}
	line("time", heads)
	line(strings.Repeat("-", timeW), rule)
	for _, r := range t.Rows {
		cells := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			cells[i] = c.Text
		}
		line(fmt.Sprintf("@%d", r.Time), cells)
		for _, n := range r.Notes {
			b.WriteString(strings.Repeat(" ", timeW) + "     " + n + "\n")
		}
	}
	if len(t.Folded) > 0 {
		fmt.Fprintf(&b, "folded (quiet in both runs): %s\n", strings.Join(t.Folded, ", "))
	}
	if sb.Offending != "" && len(t.Marked) == 0 {
		fmt.Fprintf(&b, "the offending fact %s appears in neither run's messages, outputs or marks\n", sb.Offending)
	}
	b.WriteString(asciiLegend + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

var sidePage = template.Must(template.New("side").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dsim counterexample: {{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1em; }
table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; white-space: pre; }
th.original, td.original { background: #f4f7ff; }
td.time { color: #666; }
td.offending { background: #ffd6d6; font-weight: bold; outline: 2px solid #c00; }
tr.notes td { border: none; color: #444; font-size: 11px; padding-left: 2em; }
.offending-fact { color: #c00; font-weight: bold; }
</style>
</head>
<body>
<h1>Counterexample <span class="file">{{.Title}}</span></h1>
<p>The rewritten program's run (left of each group) and the original's run that got furthest explaining it (right, shaded), lanes aligned through the refinement map. Virtual time flows down.</p>
{{if .Offending}}<p>Offending fact: <span class="offending-fact" id="offending-fact">{{.Offending}}</span>{{if .Marked}} (marked in red below){{end}}</p>{{end}}
<div id="summary" data-rendered="no">script not run</div>
<table id="sidebyside">
<thead><tr><th>time</th>{{range .Table.Columns}}<th class="{{if .Original}}original{{else}}rewritten{{end}}">{{.Header}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Table.Rows}}
<tr class="row"><td class="time">@{{.Time}}</td>{{range $i, $c := .Cells}}<td class="{{if (index $.Table.Columns $i).Original}}original{{else}}rewritten{{end}}{{if $c.Offending}} offending{{end}}">{{$c.Text}}</td>{{end}}</tr>
{{- if .Notes}}
<tr class="notes"><td></td><td colspan="{{len $.Table.Columns}}">{{range .Notes}}{{.}}
{{end}}</td></tr>
{{- end}}
{{- end}}
</tbody>
</table>
{{if .Table.Folded}}<details id="folded"><summary>{{len .Table.Folded}} quiet lane groups folded</summary><ul>{{range .Table.Folded}}<li>{{.}}</li>{{end}}</ul></details>{{end}}
<p class="legend">{{.Legend}}</p>
{{if .Why}}<section id="why"><h2>Why it diverged</h2><pre>{{.Why}}</pre></section>{{end}}
<script>
(function () {
  var s = document.getElementById("summary");
  var cols = document.querySelectorAll("#sidebyside thead th").length - 1;
  var rows = document.querySelectorAll("#sidebyside tr.row").length;
  var off = document.querySelectorAll("#sidebyside td.offending");
  var notes = [];
  document.querySelectorAll("#sidebyside tr.notes td").forEach(function (td) {
    td.textContent.split("\n").forEach(function (n) { if (n.indexOf("OFFENDING ") >= 0) notes.push(n.trim()); });
  });
  s.setAttribute("data-columns", String(cols));
  s.setAttribute("data-rows", String(rows));
  s.setAttribute("data-offending-cells", String(off.length));
  s.setAttribute("data-offending-notes", notes.join(" | "));
  var why = document.querySelector("#why pre");
  s.setAttribute("data-why", why ? why.textContent.split("\n")[0] : "");
  s.setAttribute("data-rendered", "yes");
  s.textContent = cols + " columns, " + rows + " rows, " + off.length + " offending cells";
})();
</script>
</body>
</html>
`))

// WriteSideBySideHTML renders sb as one self-contained HTML page.
func WriteSideBySideHTML(w io.Writer, sb *SideBySide, title string) error {
	t := sb.table()
	return sidePage.Execute(w, struct {
		Title, Offending, Legend, Why string
		Table                         *sideTable
		Marked                        bool
	}{title, sb.Offending, asciiLegend, sb.Why, t, len(t.Marked) > 0})
}
