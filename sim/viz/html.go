package viz

import (
	"bytes"
	"embed"
	"html/template"
	"io"
)

// This file writes the diagram as one self-contained HTML page: the SVG is
// drawn here (layout.go computes it), so the page shows the diagram even
// without its script; the inline script adds the side panel that lists the
// facts of a clicked tick and a summary element (#summary) recording what
// it found in the drawing, which the browser test reads.

//go:embed assets/page.html.tmpl assets/viz.css assets/viz.js
var assets embed.FS

var page = template.Must(template.New("page.html.tmpl").ParseFS(assets, "assets/page.html.tmpl"))

func asset(name string) string {
	data, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(data)
}

type pageData struct {
	Title string
	SVG   *svgView
	Data  *Diagram
	Stats stats
	CSS   template.CSS
	JS    template.JS
}

type stats struct {
	Lanes, Ticks, Messages, Drops, InFlight, Inputs, Outputs, Marks int
}

// WriteHTML renders d as a self-contained HTML page titled title.
func WriteHTML(w io.Writer, d *Diagram, title string) error {
	data := pageData{
		Title: title,
		SVG:   layout(d),
		Data:  d,
		Stats: stats{Lanes: len(d.Lanes), Ticks: len(d.Ticks), Messages: d.Count(ArrowMessage), Drops: d.Count(ArrowDrop),
			InFlight: d.Count(ArrowInFlight), Inputs: d.Count(ArrowInput), Outputs: d.Count(ArrowOutput), Marks: len(d.Marks)},
		// Both are our own embedded files, not user input.
		CSS: template.CSS(asset("viz.css")),
		JS:  template.JS(asset("viz.js")),
	}
	var b bytes.Buffer
	if err := page.Execute(&b, data); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
