package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// This file draws `dsim bench --sweep` results; it lives in the command, not
// in realnet, so that realnet stays the socket loop around the evaluator.

// writeCurveCSV writes one row per client count of a sweep.
func writeCurveCSV(w io.Writer, results []*BenchResult) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"clients", "throughput_mean", "throughput_p90", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "commands"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, r := range results {
		_ = cw.Write([]string{strconv.Itoa(r.Clients), f(r.ThroughputMean), f(r.ThroughputP90),
			f(r.LatencyP50), f(r.LatencyP90), f(r.LatencyP99), strconv.Itoa(r.Commands)})
	}
	cw.Flush()
	return cw.Error()
}

// writeCurvePNG draws the throughput-latency curve of a sweep (like the
// paper's Figure 7): mean throughput on x, median latency on y, one point
// per client count.
func writeCurvePNG(path, title string, results []*BenchResult) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "throughput (commands/s)"
	p.Y.Label.Text = "latency p50 (ms)"
	pts := make(plotter.XYs, len(results))
	labels := make([]string, len(results))
	for i, r := range results {
		pts[i].X, pts[i].Y = r.ThroughputMean, r.LatencyP50
		labels[i] = fmt.Sprintf("%d", r.Clients)
	}
	if err := plotutil.AddLinePoints(p, "p50", pts); err != nil {
		return err
	}
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	if err != nil {
		return err
	}
	p.Add(lbl)
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}
