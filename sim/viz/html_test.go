package viz

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// svgElement is one element of the page's SVG, with its attributes.
type svgElement struct {
	Name  string
	Class string
	Attrs map[string]string
}

// parseSVG extracts the <svg> element of an HTML page and parses it as XML,
// which also proves that the drawing is well-formed.
func parseSVG(t *testing.T, page string) []svgElement {
	t.Helper()
	start, end := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if start < 0 || end < start {
		t.Fatalf("no <svg> element in the page")
	}
	dec := xml.NewDecoder(strings.NewReader(page[start : end+len("</svg>")]))
	var out []svgElement
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			e := svgElement{Name: se.Name.Local, Attrs: map[string]string{}}
			for _, a := range se.Attr {
				e.Attrs[a.Name.Local] = a.Value
			}
			e.Class = e.Attrs["class"]
			out = append(out, e)
		}
	}
	return out
}

func countKinds(tr *sim.Trace) map[sim.EventKind]int {
	n := map[sim.EventKind]int{}
	for _, e := range tr.Events {
		n[e.Kind]++
	}
	return n
}

func renderHTML(t *testing.T, d *Diagram) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, d, "test.json"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHTMLStructure checks the drawing against the trace it came from: one
// lane per client and node in node order, one message arrow per delivery,
// one drop mark per drop (with its reason), one circle per tick, a crash
// mark per crash.
func TestHTMLStructure(t *testing.T) {
	wantLanes := map[string][]string{
		"hashset-2req":   {"client 0", "leader[0]", "storage[0]", "storage[1]", "storage[2]"},
		"hashset-faults": {"client 0", "leader[0]", "storage[0]", "storage[1]", "storage[2]"},
		"timer":          {"client 0", "pinger[0]", "ponger[0]", "ponger[1]"},
	}
	for _, c := range traceCases {
		t.Run(c.name, func(t *testing.T) {
			tr, d := buildCase(t, c)
			page := renderHTML(t, d)
			for _, bad := range []string{"http://", "https://", "<link", " src="} {
				if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
					t.Errorf("the page refers to something outside itself (%q)", bad)
				}
			}
			els := parseSVG(t, page)
			var lanes []string
			count := map[string]int{}
			reasons := map[string]int{}
			for _, e := range els {
				switch {
				case e.Name == "g" && strings.HasPrefix(e.Class, "lane "):
					lanes = append(lanes, e.Attrs["data-lane"])
				case e.Name == "path" && strings.HasPrefix(e.Class, "arrow message"):
					count["message"]++
				case e.Name == "path" && strings.HasPrefix(e.Class, "arrow input"):
					count["input"]++
				case e.Name == "path" && strings.HasPrefix(e.Class, "arrow output"):
					count["output"]++
				case e.Name == "g" && e.Class == "drop":
					count["drop"]++
					reasons[e.Attrs["data-reason"]]++
				case e.Name == "circle" && strings.HasPrefix(e.Class, "tick"):
					count["tick"]++
				case e.Name == "g" && e.Class == "mark crash":
					count["crash"]++
				}
			}
			if diff := cmpDiff(wantLanes[c.name], lanes); diff != "" {
				t.Errorf("lanes (-want +got):\n%s", diff)
			}
			k := countKinds(tr)
			want := map[string]int{"message": k[sim.EvDeliver], "drop": k[sim.EvDrop], "input": k[sim.EvInput],
				"output": k[sim.EvOutput], "tick": k[sim.EvTick], "crash": k[sim.EvCrash]}
			for k, n := range want {
				if n == 0 {
					delete(want, k)
				}
			}
			if diff := cmpDiff(want, count); diff != "" {
				t.Errorf("element counts (-trace +page):\n%s", diff)
			}
			wantReasons := map[string]int{}
			for _, e := range tr.Events {
				if e.Kind == sim.EvDrop {
					wantReasons[e.Reason]++
				}
			}
			if diff := cmpDiff(wantReasons, reasons); diff != "" {
				t.Errorf("drop reasons (-trace +page):\n%s", diff)
			}
			// The tick facts travel to the page's script as data.
			for _, e := range tr.Events {
				if e.Kind == sim.EvTick && len(e.Consumed) > 0 {
					if !strings.Contains(page, jsonEscaped(e.Consumed[0].String())) {
						t.Errorf("the page does not carry the fact %s consumed by %s #%d", e.Consumed[0], e.Node, e.Tick)
					}
					break
				}
			}
		})
	}
}

// jsonEscaped renders s as html/template writes it inside a script.
func jsonEscaped(s string) string {
	return strings.NewReplacer(`"`, `\u0022`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`).Replace(s)
}

// TestHTMLDeterministic renders the same trace twice, from two runs of the
// simulator, and expects the same bytes.
func TestHTMLDeterministic(t *testing.T) {
	for _, c := range traceCases {
		_, d1 := buildCase(t, c)
		_, d2 := buildCase(t, c)
		p1, p2 := renderHTML(t, d1), renderHTML(t, d2)
		if p1 != p2 {
			t.Errorf("%s: two renderings of the same trace differ", c.name)
		}
	}
}

// TestHTMLFromJSONTrace checks that a trace read back from its JSON form
// draws the same page as the trace in memory.
func TestHTMLFromJSONTrace(t *testing.T) {
	c := traceCases[1]
	tr, d := buildCase(t, c)
	back, err := sim.ReadTraceJSON("t.json", tr.JSON())
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Build(back, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if renderHTML(t, d) != renderHTML(t, d2) {
		t.Error("the page drawn from the JSON trace differs from the one drawn from the trace in memory")
	}
}

// TestEveryTraceFormLoads: both forms dsim writes a trace in (text and
// JSON) read back through sim.ReadTrace. The text form draws the same page
// as the trace in memory; the JSON form the same diagram up to the empty
// fact dumps it leaves out (a dumped tick with no facts).
func TestEveryTraceFormLoads(t *testing.T) {
	for _, c := range traceCases {
		t.Run(c.name, func(t *testing.T) {
			tr, d := buildCase(t, c)
			for _, f := range []struct {
				form string
				data []byte
			}{{"text", []byte(tr.String())}, {"json", tr.JSON()}} {
				form, data := f.form, f.data
				back, err := sim.ReadTrace("t."+form, data)
				if err != nil {
					t.Fatalf("%s: %v", form, err)
				}
				d2, err := Build(back, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if form == "text" {
					if renderHTML(t, d2) != renderHTML(t, d) {
						t.Error("the page drawn from the text trace differs from the one drawn from the trace in memory")
					}
					continue
				}
				for i := range d.Ticks {
					if len(d.Ticks[i].Dump) == 0 {
						d.Ticks[i].Dumped = false
					}
				}
				if diff := cmpDiff(d, d2); diff != "" {
					t.Errorf("the diagram of the JSON trace differs (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestBuildBound(t *testing.T) {
	tr := runCase(t, traceCases[0])
	_, err := Build(tr, Options{MaxEvents: 5})
	if err == nil || !regexp.MustCompile(`more than the bound of 5 \(MaxEvents\); raise viz.Options.MaxEvents or shorten the run`).MatchString(err.Error()) {
		t.Errorf("Build over the bound: got %v", err)
	}
}
