package viz

import (
	"fmt"
	"math"
)

// This file computes the geometry of the SVG drawing from a Diagram: where
// each lane, row, tick, arrow and mark goes. Coordinates are formatted with
// one decimal so that the page is the same bytes on every machine.

const (
	laneWidth  = 150.0
	rowHeight  = 30.0
	leftMargin = 70.0 // room for the time axis
	topMargin  = 56.0 // room for lane names
	tickRadius = 6.0
	selfBulge  = 36.0 // how far an arrow from a lane to itself bows out
)

func laneX(i int) float64 { return leftMargin + float64(i)*laneWidth + laneWidth/2 }
func rowY(r int) float64  { return topMargin + float64(r)*rowHeight + rowHeight/2 }

func num(f float64) string { return fmt.Sprintf("%.1f", f) }

type laneView struct {
	Name, Kind  string
	X, Y, Y2    string // header position, line end (bottom or crash)
	Crashed     bool
	CrashedTo   string // bottom of the dashed part after a crash
	NameY, Line string
}

type rowView struct {
	Time           int64
	X, Y, GridX2   string
	GridX1, LabelY string
}

type tickView struct {
	Index        int
	Lane, Title  string
	CX, CY, R    string
	Number       int
	HasOutputs   bool
	HasDump      bool
	ConsumedSize int
}

type arrowView struct {
	Index              int
	Kind, ID, From, To string
	Class, D, Title    string
	Dup                bool
	Reason             string
	XD, LabelX, LabelY string // drop: the X's path and the reason's position
	Lost               bool
	Start, End         int64
	Marker             string
}

type markView struct {
	Kind, Lane, Title string
	X, Y              string
	D                 string // crash: the X's path
	Label             string
}

type svgView struct {
	Width, Height string
	Bottom        float64
	Lanes         []laneView
	Rows          []rowView
	Ticks         []tickView
	Arrows        []arrowView
	Marks         []markView
}

// layout places every element of d.
func layout(d *Diagram) *svgView {
	bottom := topMargin + float64(len(d.Times))*rowHeight + 10
	v := &svgView{
		Width:  num(leftMargin + float64(len(d.Lanes))*laneWidth + 20),
		Height: num(bottom + 20),
		Bottom: bottom,
	}
	crashRow := map[int]int{}
	for _, m := range d.Marks {
		if _, ok := crashRow[m.Lane]; m.Kind == MarkCrash && !ok {
			crashRow[m.Lane] = m.Row
		}
	}
	for i, l := range d.Lanes {
		lv := laneView{Name: l.Name, Kind: l.Kind, X: num(laneX(i)), NameY: num(topMargin - 22), Y: num(topMargin - 8), Y2: num(bottom)}
		if r, ok := crashRow[i]; ok {
			lv.Crashed, lv.Y2, lv.CrashedTo = true, num(rowY(r)), num(bottom)
		}
		v.Lanes = append(v.Lanes, lv)
	}
	for r, t := range d.Times {
		v.Rows = append(v.Rows, rowView{Time: t, X: num(leftMargin - 10), Y: num(rowY(r)), LabelY: num(rowY(r) + 4),
			GridX1: num(leftMargin), GridX2: num(leftMargin + float64(len(d.Lanes))*laneWidth)})
	}
	for i, t := range d.Ticks {
		v.Ticks = append(v.Ticks, tickView{Index: i, Lane: d.Lanes[t.Lane].Name, Number: t.Number,
			CX: num(laneX(t.Lane)), CY: num(rowY(t.Row)), R: num(tickRadius),
			Title:      fmt.Sprintf("%s tick #%d at @%d: %d consumed, %d new, %d outputs, %d sends (click for facts)", d.Lanes[t.Lane].Name, t.Number, t.Time, len(t.Consumed), len(t.Produced), len(t.Outputs), t.Sends),
			HasOutputs: len(t.Outputs) > 0, HasDump: t.Dumped, ConsumedSize: len(t.Consumed)})
	}
	for i, a := range d.Arrows {
		v.Arrows = append(v.Arrows, arrowLayout(d, i, a))
	}
	for _, m := range d.Marks {
		x, y := laneX(m.Lane), rowY(m.Row)
		mv := markView{Kind: m.Kind, Lane: d.Lanes[m.Lane].Name, X: num(x), Y: num(y)}
		switch m.Kind {
		case MarkCrash:
			mv.D = xPath(x, y, 10)
			mv.Title = fmt.Sprintf("%s crashes at @%d", mv.Lane, m.Time)
			mv.Label = "crash"
		case MarkTimer:
			mv.Title = fmt.Sprintf("timer %s fires at %s, @%d", m.Fact, mv.Lane, m.Time)
			mv.Label = "T"
			if m.Reason != "" {
				mv.Title += " but is lost (" + m.Reason + ")"
				mv.Label = "T lost"
			}
			mv.X = num(x - tickRadius - 14)
		case MarkViolation:
			mv.Title = fmt.Sprintf("invariant violated at %s, @%d: %s", mv.Lane, m.Time, m.Fact)
			mv.Label = "!"
			mv.X = num(x + tickRadius + 10)
		}
		v.Marks = append(v.Marks, mv)
	}
	return v
}

// xPath draws an X of half-size s centred on (x, y).
func xPath(x, y, s float64) string {
	return fmt.Sprintf("M%s %s L%s %s M%s %s L%s %s", num(x-s), num(y-s), num(x+s), num(y+s), num(x-s), num(y+s), num(x+s), num(y-s))
}

func arrowLayout(d *Diagram, i int, a Arrow) arrowView {
	x1, y1 := laneX(a.From), rowY(a.StartRow)
	x2, y2 := laneX(a.To), rowY(a.EndRow)
	av := arrowView{Index: i, Kind: a.Kind, ID: a.ID, From: d.Lanes[a.From].Name, To: d.Lanes[a.To].Name,
		Class: "arrow " + a.Kind, Dup: a.Dup, Reason: a.Reason, Start: a.Start, End: a.End, Marker: "url(#head)"}
	if a.Dup {
		av.Class += " dup"
	}
	what := map[string]string{ArrowMessage: "message", ArrowDrop: "message", ArrowInFlight: "message",
		ArrowInput: "input", ArrowOutput: "output"}[a.Kind]
	av.Title = fmt.Sprintf("%s %s %s: %s -> %s, sent @%d", what, a.ID, a.Fact, av.From, av.To, a.Start)
	switch a.Kind {
	case ArrowDrop:
		// A dropped message stops short, nearer its sender, at a red X
		// with the reason. 0.4 keeps the X between lanes; a drop within
		// one row slants down so that the X clears the row's ticks.
		mx, my := x1+(x2-x1)*0.4, y1+(y2-y1)*0.4
		if a.StartRow == a.EndRow {
			my += rowHeight * 0.4
		}
		if a.From == a.To {
			mx = x1 + selfBulge
		}
		av.D = fmt.Sprintf("M%s %s L%s %s", num(x1), num(y1), num(mx), num(my))
		av.XD = xPath(mx, my, 6)
		av.LabelX, av.LabelY = num(mx-6), num(my+18)
		av.Marker = ""
		av.Title += fmt.Sprintf(", DROPPED at @%d (%s)", a.End, a.Reason)
		return av
	case ArrowInput:
		if a.Reason != "" {
			av.Lost = true
			av.Title += " LOST (" + a.Reason + ")"
		}
	case ArrowInFlight:
		av.Title += fmt.Sprintf(", still in flight (due @%d)", a.End)
	default:
		av.Title += fmt.Sprintf(", arrives @%d", a.End)
	}
	if a.Dup {
		av.Title += " (duplicate)"
	}
	if a.From == a.To {
		av.D = fmt.Sprintf("M%s %s C%s %s %s %s %s %s", num(x1+tickRadius), num(y1), num(x1+selfBulge), num(y1),
			num(x1+selfBulge), num(y2), num(x2+tickRadius+2), num(y2))
		return av
	}
	// Stop short of the receiving tick so the arrowhead stays visible.
	dx, dy := x2-x1, y2-y1
	l := math.Hypot(dx, dy)
	ex, ey := x2-dx/l*(tickRadius+2), y2-dy/l*(tickRadius+2)
	av.D = fmt.Sprintf("M%s %s L%s %s", num(x1), num(y1), num(ex), num(ey))
	return av
}
