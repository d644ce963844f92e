package viz

import (
	"bytes"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// covSrc has a rule of every class: fired (out, the persisted log), never
// fired (late: its filter never holds), never evaluated (idle's rule, whose
// counts the test clears, as for a node that never ticked), an invariant
// held; a rule ended by a line
// break instead of ".", a rule over two lines, a string holding a ".".
const covSrc = `.invariant bad(id: int)
.persist log
component a {
  .input in(id: int)
  .output out(id: int, tag: string)
  out(id, "x.y") :- in(id), !log(id).
  log(id) :+ in(id)
  late(id) :- in(id),
      (id > 100).
  bad(id) :- out(id, _), (id < 0).
}
component idle {
  z(1) :- z(1).
}
`

// coverageCase runs covSrc with two inputs and returns the page's source.
func coverageCase(t *testing.T) CoverageSource {
	t.Helper()
	prog, diags := analysis.Load("cov.ded", []byte(covSrc))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	a := value.Addr{Comp: "a"}
	w := sim.Workload{
		{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1)}}, Node: a},
		{Time: 3, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1)}}, Node: a},
	}
	res, err := sim.Run(prog, sim.Config{Seed: 1, Workload: w, Coverage: true, CoverageDetail: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range prog.Rules {
		if r.Component == "idle" {
			res.Coverage.Rules[r.ID] = sim.RuleCoverage{}
		}
	}
	return CoverageSource{Heading: "cov.ded over its run", Source: []byte(covSrc), Prog: prog, Cov: res.Coverage}
}

var spanRE = regexp.MustCompile(`<span class="rule ([a-z-]+)" id="p0-rule-(\d+)" title="([^"]*)">([^<]*)</span>`)

// The page marks each rule's whole text with its class, leaves the rest
// of the source as it is, and is deterministic (golden).
func TestCoverageHTML(t *testing.T) {
	cs := coverageCase(t)
	var b bytes.Buffer
	if err := WriteCoverageHTML(&b, "cov.ded", []CoverageSource{cs}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	pre := regexp.MustCompile(`(?s)<pre class="source">(.*?)</pre>`).FindStringSubmatch(page)
	if pre == nil {
		t.Fatal("no source on the page")
	}
	// Unmarking the spans gives the source back.
	if got := html.UnescapeString(spanRE.ReplaceAllString(pre[1], "$4")); got != covSrc {
		t.Errorf("the marked source does not unmark to the program:\n%s", got)
	}
	want := map[string]struct{ class, text string }{
		"out":  {"fired", `out(id, "x.y") :- in(id), !log(id).`},
		"log":  {"fired", "log(id) :+ in(id)"},
		"late": {"never-fired", "late(id) :- in(id),\n      (id > 100)."},
		"bad":  {"invariant-held", "bad(id) :- out(id, _), (id < 0)."},
		"z":    {"unevaluated", "z(1) :- z(1)."},
	}
	seen := map[string]bool{}
	for _, m := range spanRE.FindAllStringSubmatch(pre[1], -1) {
		var id int
		fmt.Sscan(m[2], &id)
		r := cs.Prog.Rules[id]
		if r.Source == nil {
			if m[1] != "fired" || html.UnescapeString(m[4]) != ".persist log" {
				t.Errorf("the .persist rule: class %s text %q", m[1], m[4])
			}
			continue
		}
		w, ok := want[r.Head.Rel]
		if !ok {
			t.Errorf("unexpected span for rule %d (%s)", id, r.Head.Rel)
			continue
		}
		seen[r.Head.Rel] = true
		if m[1] != w.class || html.UnescapeString(m[4]) != w.text {
			t.Errorf("rule %s: class %s text %q, want %s %q", r.Head.Rel, m[1], html.UnescapeString(m[4]), w.class, w.text)
		}
		if title := html.UnescapeString(m[3]); !strings.Contains(title, sim.RuleName(cs.Prog, r)+": fired in") {
			t.Errorf("rule %s's hover text %q lacks its counts", r.Head.Rel, title)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("marked %v, want every rule of %v", seen, want)
	}
	if !strings.Contains(page, "!log@6:29 blocked 1") {
		t.Error("the page lacks the negation's count (the second in(1) is blocked by the log)")
	}
	golden.Check(t, filepath.Join("testdata", "coverage.html"), b.Bytes())
}

// TestBrowserRendersCoverage opens the coverage page in headless Chromium:
// the page's script must have run and counted the marked rules by class.
func TestBrowserRendersCoverage(t *testing.T) {
	chromium := needChromium(t)
	cs := coverageCase(t)
	var b bytes.Buffer
	if err := WriteCoverageHTML(&b, "cov.ded", []CoverageSource{cs, cs}); err != nil {
		t.Fatal(err)
	}
	_, attr := renderInChromium(t, chromium, b.Bytes(), "")
	checks := map[string]string{"data-programs": "2", "data-p1-fired": "3", "data-p1-never-fired": "1", "data-p1-unevaluated": "1",
		"data-p1-invariant-held": "1", "data-p1-invariant-violated": "0", "data-p1-rows": fmt.Sprint(len(cs.Prog.Rules))}
	for k, want := range checks {
		if got := attr(k); got != want {
			t.Errorf("rendered %s = %q, want %q", k, got, want)
		}
	}
}
