package viz

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// The coverage page (docs/CHECKING.md, "Rule coverage"): a program's source
// with every rule coloured by what the runs did with it, as `go tool cover
// -html` colours Go: green where it fired, red where its component ran it
// but it never fired, grey where no node ever evaluated it, and blue for an
// invariant's rule that was evaluated and never violated (orange when it
// was). The counts are on hover (the rule's title) and in the table under
// the source.

// CoverageSource is one program's part of the coverage page.
type CoverageSource struct {
	Heading string // e.g. "rewrite rew.ded, over its 20 runs"
	Source  []byte // the program's text, as analysed
	Prog    *analysis.Program
	Cov     *sim.Coverage
}

// The rule classes of the page, in the order the legend lists them.
const (
	covFired       = "fired"
	covNever       = "never-fired"
	covUnevaluated = "unevaluated"
	covHeld        = "invariant-held"
	covViolated    = "invariant-violated"
)

func ruleClass(prog *analysis.Program, r *analysis.Rule, rc sim.RuleCoverage) string {
	inv := false
	if rel := prog.Relation(r.Head.Rel); rel != nil && rel.Invariant {
		inv = true
	}
	switch {
	case rc.Evaluated == 0:
		return covUnevaluated
	case inv && rc.Fired > 0:
		return covViolated
	case inv:
		return covHeld
	case rc.Fired > 0:
		return covFired
	}
	return covNever
}

// ruleCounts is a rule's counts in one line, the rule's hover text.
func ruleCounts(cov *sim.Coverage, prog *analysis.Program, r *analysis.Rule) string {
	rc := cov.Rules[r.ID]
	s := fmt.Sprintf("%s: fired in %d ticks, evaluated in %d", sim.RuleName(prog, r), rc.Fired, rc.Evaluated)
	if cov.Detail {
		s += fmt.Sprintf(", matched in %d", rc.Matched)
	}
	if n := cov.Notes(r); len(n) > 0 {
		s += "; " + strings.Join(n, "; ")
	}
	return s
}

// covSpan is a marked stretch of the source: one rule, or several rules
// written at one place (a .persist line), with the most covered class.
type covSpan struct {
	start, end int // byte offsets
	class      string
	id         int // the first rule's ID
	titles     []string
}

// offsets maps 1-based (line, column in bytes) to byte offsets of src.
type offsets []int

func lineOffsets(src []byte) offsets {
	o := offsets{0}
	for i, c := range src {
		if c == '\n' {
			o = append(o, i+1)
		}
	}
	return o
}

func (o offsets) at(src []byte, line, col int) int {
	if line < 1 || line > len(o) {
		return len(src)
	}
	return min(o[line-1]+col-1, len(src))
}

// lineEnd is the offset of the end of off's line.
func lineEnd(src []byte, off int) int {
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(src)
}

// classRank orders classes for a span holding several rules: the one that
// tells most wins.
var classRank = map[string]int{covUnevaluated: 0, covNever: 1, covHeld: 2, covFired: 3, covViolated: 4}

func coverageSpans(cs CoverageSource) []covSpan {
	lo := lineOffsets(cs.Source)
	var spans []covSpan
	for _, r := range cs.Prog.Rules {
		if r.ID >= len(cs.Cov.Rules) || !r.Pos.IsValid() {
			continue
		}
		start := lo.at(cs.Source, r.Pos.Line, r.Pos.Col)
		end := lineEnd(cs.Source, start) // a rule .persist added: its line
		if r.Source != nil && r.Source.End.IsValid() {
			end = lo.at(cs.Source, r.Source.End.Line, r.Source.End.Col)
		}
		spans = append(spans, covSpan{start: start, end: max(end, start), class: ruleClass(cs.Prog, r, cs.Cov.Rules[r.ID]), id: r.ID,
			titles: []string{ruleCounts(cs.Cov, cs.Prog, r)}})
	}
	slices.SortStableFunc(spans, func(a, b covSpan) int { return a.start - b.start })
	var out []covSpan
	for _, s := range spans {
		if n := len(out); n > 0 && s.start < out[n-1].end {
			p := &out[n-1]
			p.end = max(p.end, s.end)
			p.titles = append(p.titles, s.titles...)
			if classRank[s.class] > classRank[p.class] {
				p.class = s.class
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// markedSource is the source as HTML with the rule spans wrapped.
func markedSource(cs CoverageSource, part int) template.HTML {
	var b strings.Builder
	at := 0
	for _, s := range coverageSpans(cs) {
		b.WriteString(template.HTMLEscapeString(string(cs.Source[at:s.start])))
		fmt.Fprintf(&b, `<span class="rule %s" id="p%d-rule-%d" title="%s">%s</span>`, s.class, part, s.id,
			template.HTMLEscapeString(strings.Join(s.titles, "\n")), template.HTMLEscapeString(string(cs.Source[s.start:s.end])))
		at = s.end
	}
	b.WriteString(template.HTMLEscapeString(string(cs.Source[at:])))
	return template.HTML(b.String())
}

type covRow struct {
	Name, Kind, Class, Notes string
	Fired, Evaluated         int
	Matched                  string
}

type covPart struct {
	Heading, Summary string
	Source           template.HTML
	Detail           bool
	Rows             []covRow
	Invariants       []string
}

func coveragePart(cs CoverageSource, i int) covPart {
	fired, total, never := cs.Cov.Summary(cs.Prog)
	sum := fmt.Sprintf("%d of %d rules fired over %d runs (invariant rules not counted)", fired, total, cs.Cov.Runs)
	if len(never) > 0 {
		sum += "; never fired: " + strings.Join(never, ", ")
	}
	p := covPart{Heading: cs.Heading, Summary: sum, Source: markedSource(cs, i), Detail: cs.Cov.Detail}
	for _, r := range cs.Prog.Rules {
		if r.ID >= len(cs.Cov.Rules) {
			continue
		}
		rc := cs.Cov.Rules[r.ID]
		row := covRow{Name: sim.RuleName(cs.Prog, r), Kind: sim.RuleKind(cs.Prog, r), Class: ruleClass(cs.Prog, r, rc),
			Notes: strings.Join(cs.Cov.Notes(r), "; "), Fired: rc.Fired, Evaluated: rc.Evaluated}
		if cs.Cov.Detail {
			row.Matched = fmt.Sprint(rc.Matched)
		}
		p.Rows = append(p.Rows, row)
	}
	for _, inv := range cs.Cov.Invariants(cs.Prog) {
		p.Invariants = append(p.Invariants, inv.Relation+": "+inv.Text(cs.Cov.Detail))
	}
	return p
}

// WriteCoverageHTML renders the coverage of one or more programs (a
// check's rewrite and original) as one self-contained HTML page. The
// output is a function of its arguments only.
func WriteCoverageHTML(w io.Writer, title string, parts []CoverageSource) error {
	var ps []covPart
	for i, cs := range parts {
		if cs.Prog == nil || cs.Cov == nil {
			continue
		}
		ps = append(ps, coveragePart(cs, i))
	}
	return coveragePage.Execute(w, struct {
		Title string
		Parts []covPart
	}{title, ps})
}

var coveragePage = template.Must(template.New("coverage").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dsim coverage: {{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1em; }
pre.source { font-size: 13px; background: #111; color: #888; padding: 0.8em; line-height: 1.35; }
.rule { border-radius: 2px; }
pre .fired { color: #3fbf3f; }
pre .never-fired { color: #ff4d4d; }
pre .unevaluated { color: #777; text-decoration: line-through; }
pre .invariant-held { color: #6fa8ff; }
pre .invariant-violated { color: #ffa500; font-weight: bold; }
table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; }
tr.never-fired td.name { background: #ffd6d6; }
tr.unevaluated td.name { background: #e0e0e0; }
tr.invariant-violated td.name { background: #ffe0a0; }
.legend span { padding: 0 0.5em; background: #111; }
</style>
</head>
<body>
<h1>Rule coverage <span class="file">{{.Title}}</span></h1>
<p class="legend">Rules: <span class="rule fired">fired</span> <span class="rule never-fired">evaluated, never fired</span> <span class="rule unevaluated">never evaluated</span> <span class="rule invariant-held">invariant, never violated</span> <span class="rule invariant-violated">invariant, violated</span>. Hover over a rule for its counts.</p>
<div id="summary" data-rendered="no">script not run</div>
{{- range $i, $p := .Parts}}
<section class="program" id="program-{{$i}}">
<h2>{{$p.Heading}}</h2>
<p class="program-summary">{{$p.Summary}}</p>
<pre class="source">{{$p.Source}}</pre>
<table class="rules">
<thead><tr><th>rule</th><th>kind</th><th>fired</th><th>evaluated</th>{{if $p.Detail}}<th>matched</th>{{end}}<th>notes</th></tr></thead>
<tbody>
{{- range $p.Rows}}
<tr class="{{.Class}}"><td class="name">{{.Name}}</td><td>{{.Kind}}</td><td class="num">{{.Fired}}</td><td class="num">{{.Evaluated}}</td>{{if $p.Detail}}<td class="num">{{.Matched}}</td>{{end}}<td>{{.Notes}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if $p.Invariants}}
<ul class="invariants">{{range $p.Invariants}}<li>invariant {{.}}</li>{{end}}</ul>
{{- end}}
</section>
{{- end}}
<script>
(function () {
  var s = document.getElementById("summary");
  var parts = document.querySelectorAll("section.program");
  var classes = ["fired", "never-fired", "unevaluated", "invariant-held", "invariant-violated"];
  var text = [];
  parts.forEach(function (p, i) {
    classes.forEach(function (c) {
      var n = p.querySelectorAll("pre.source span.rule." + c).length;
      s.setAttribute("data-p" + i + "-" + c, String(n));
    });
    s.setAttribute("data-p" + i + "-rows", String(p.querySelectorAll("table.rules tbody tr").length));
    text.push(p.querySelector("h2").textContent + ": " + p.querySelectorAll("pre.source span.rule").length + " marked");
  });
  s.setAttribute("data-programs", String(parts.length));
  s.setAttribute("data-rendered", "yes");
  s.textContent = text.join("; ");
})();
</script>
</body>
</html>
`))
