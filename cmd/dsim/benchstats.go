package main

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"

	"github.com/dsim-project/dsim/realnet"
)

// This file turns a closed-loop run's samples (realnet.RunBench) into the
// figures bench prints; the statistics live in the command, not in
// realnet, so that realnet stays the socket loop around the evaluator.

// BenchResult is what one closed-loop run measured after its warm-up.
type BenchResult struct {
	Program  string  `json:"program"`
	Clients  int     `json:"clients"`
	Commands int     `json:"commands"` // answers read inside the measured window
	Seconds  float64 `json:"seconds"`  // measured duration

	// Throughput in commands per second: the mean over the run, and the
	// 90th percentile of 1-second windows (as the paper reports).
	ThroughputMean float64 `json:"throughput_mean"`
	ThroughputP90  float64 `json:"throughput_p90"`

	// Latency percentiles in milliseconds, request sent to answer read.
	LatencyP50 float64 `json:"latency_p50_ms"`
	LatencyP90 float64 `json:"latency_p90_ms"`
	LatencyP99 float64 `json:"latency_p99_ms"`

	// Unanswered counts the requests in flight when the measured window
	// closed: sent, and not answered before the cut-off. A closed-loop
	// client always has one, so in a completed run it equals Clients.
	Unanswered int `json:"unanswered"`
	// Lost counts those of them still unanswered GraceSeconds after the
	// cut-off (the bench keeps reading, without counting, that long): a
	// request the cluster dropped or never finished.
	Lost         int     `json:"lost"`
	GraceSeconds float64 `json:"grace_seconds"`
}

// summarizeBench computes the figures with gonum's stat package; the
// run's latencies are consumed (sorted in place).
func summarizeBench(name string, clients int, run *realnet.BenchRun) *BenchResult {
	r := &BenchResult{Program: name, Clients: clients, Seconds: run.Duration.Seconds(),
		Unanswered: run.Unanswered, Lost: run.Lost, GraceSeconds: run.Grace.Seconds()}
	lat, windows := run.Latencies, run.Windows
	r.Commands = len(lat)
	if r.Seconds > 0 {
		r.ThroughputMean = float64(len(lat)) / r.Seconds
	}
	if len(windows) > 0 {
		w := append([]float64(nil), windows...)
		sort.Float64s(w)
		r.ThroughputP90 = stat.Quantile(0.9, stat.Empirical, w, nil)
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		r.LatencyP50 = stat.Quantile(0.5, stat.Empirical, lat, nil)
		r.LatencyP90 = stat.Quantile(0.9, stat.Empirical, lat, nil)
		r.LatencyP99 = stat.Quantile(0.99, stat.Empirical, lat, nil)
	}
	for _, f := range []*float64{&r.ThroughputMean, &r.ThroughputP90, &r.LatencyP50, &r.LatencyP90, &r.LatencyP99} {
		*f = math.Round(*f*1000) / 1000
	}
	return r
}
