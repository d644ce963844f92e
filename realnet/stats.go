package realnet

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// BenchResult is what one closed-loop run measured after its warm-up.
type BenchResult struct {
	Program  string  `json:"program"`
	Clients  int     `json:"clients"`
	Commands int     `json:"commands"` // answered after warm-up
	Seconds  float64 `json:"seconds"`  // measured duration

	// Throughput in commands per second: the mean over the run, and the
	// 90th percentile of 1-second windows (as the paper reports).
	ThroughputMean float64 `json:"throughput_mean"`
	ThroughputP90  float64 `json:"throughput_p90"`

	// Latency percentiles in milliseconds, request sent to answer read.
	LatencyP50 float64 `json:"latency_p50_ms"`
	LatencyP90 float64 `json:"latency_p90_ms"`
	LatencyP99 float64 `json:"latency_p99_ms"`

	Unanswered int `json:"unanswered"` // requests still pending at the end
}

// summarize computes the figures with gonum's stat package; lat is
// consumed (sorted in place).
func summarize(r *BenchResult, lat []float64, windows []float64) {
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
}
