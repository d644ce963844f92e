package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/dsim-project/dsim/realnet"
)

// TestSummarizeBench pins the figures bench prints from a run's samples:
// throughput over the measured duration, the p90 of the 1-second windows,
// empirical latency percentiles (the smallest sample with at least that
// fraction at or below it), whatever order the samples arrive in.
func TestSummarizeBench(t *testing.T) {
	lat := make([]float64, 200)
	for i := range lat {
		lat[i] = float64(i + 1) // 1..200 ms
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(lat), func(i, j int) { lat[i], lat[j] = lat[j], lat[i] })
	run := &realnet.BenchRun{Duration: 4 * time.Second, Latencies: lat,
		Windows: []float64{60, 40, 30, 70}, Unanswered: 8, Lost: 1, Grace: time.Second}
	r := summarizeBench("p.ded", 8, run)
	assert.Equal(t, 200, r.Commands)
	assert.Equal(t, 50.0, r.ThroughputMean)
	assert.Equal(t, 70.0, r.ThroughputP90)
	assert.Equal(t, 100.0, r.LatencyP50)
	assert.Equal(t, 180.0, r.LatencyP90)
	assert.Equal(t, 198.0, r.LatencyP99)
	assert.Equal(t, 8, r.Unanswered)
	assert.Equal(t, 1, r.Lost)
	assert.Equal(t, 1.0, r.GraceSeconds)
}
