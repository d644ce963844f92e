package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// A survivor whose runs repeat the rewrite's event for event is the gap
// "runs identical" (out without the same-tick mid(id), which every input
// derives anyway); one whose carried facts differ while every output comes
// at the same time is "same outputs" (seen holds p - 1 instead of p + 1,
// and stale, the only reader, never fires). Neither is counted as not
// explained, and neither is an equivalence class; the bounded-exhaustive
// pass may upgrade both.
func TestMutateSameRunsClasses(t *testing.T) {
	const prog = "component a {\n  .input in(id: int, p: int)\n  .output out(id: int, p: int)\n  mid(id) :- in(id, _).\n  seen(id, q) :+ in(id, p), q = p + 1.\n  .persist seen\n  stale(id) :- seen(id, q), (q < 0), (q > 0).\n  out(id, p) :- in(id, p), mid(id), !stale(id).\n}\n"
	file := filepath.Join(t.TempDir(), "p.ded")
	require.NoError(t, os.WriteFile(file, []byte(prog), 0o644))
	code, js, errOut := runCLI("mutate", file, file, "--runs", "3", "--no-bounded", "--no-probe", "--json", "--mutants", "r4/drop-lit2,r2/arith1--")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Len(t, rep.Mutants, 2)
	got := map[string]mutantResult{}
	for _, m := range rep.Mutants {
		got[m.Name] = m
	}
	assert.Equal(t, "survived", got["r4/drop-lit2"].Outcome)
	assert.Equal(t, classGapSameTrace, got["r4/drop-lit2"].Class)
	assert.Equal(t, sameTrace, got["r4/drop-lit2"].Same)
	assert.Equal(t, "survived", got["r2/arith1--"].Outcome)
	assert.Equal(t, classGapSameOutputs, got["r2/arith1--"].Class)
	assert.Contains(t, got["r2/arith1--"].Reason, "each output first reached the same client at the same time")
	assert.Equal(t, 0, rep.Unexplained)

	// With the bounded-exhaustive pass, a certificate at every rung is
	// stronger evidence than the sampled runs' comparison: both become
	// bounded-equivalent (the same field still says what the runs showed).
	code, js, errOut = runCLI("mutate", file, file, "--runs", "3", "--no-probe", "--json", "--mutants", "r4/drop-lit2,r2/arith1--")
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	for _, m := range rep.Mutants {
		assert.Equal(t, classBounded, m.Class, m.Name)
		assert.NotEmpty(t, m.Same, m.Name)
	}
}

// sameRuns compares run by run (by seed): another input, an output to
// another client, a missing output or a missing seed leaves the
// survivor unexplained; a repeat of an output later does not count
// (clients see sets); a differing trace with the same outputs is
// sameOutputs, and the same output facts at other times sameFacts.
func TestSameRuns(t *testing.T) {
	f := func(rel string, v int64) value.Fact { return value.Fact{Rel: rel, Tuple: value.Tuple{value.Int(v)}} }
	node := value.Addr{Comp: "a"}
	hist := func(outs ...sim.HistoryOutput) *sim.History {
		return &sim.History{Inputs: []sim.HistoryInput{{Time: 0, Fact: f("in", 1), Node: node}}, Outputs: outs}
	}
	trace := func(s string) *sim.Trace {
		return &sim.Trace{Events: []sim.Event{{Kind: sim.EvTick, Node: node, Tick: 1, Produced: []value.Fact{f(s, 1)}}}}
	}
	run := func(seed uint64, h *sim.History, tr *sim.Trace) *checker.RunReport {
		return &checker.RunReport{Seed: seed, History: h, Trace: tr}
	}
	o := func(v, tm int64, client int) sim.HistoryOutput {
		return sim.HistoryOutput{Fact: f("out", v), Time: tm, Client: client}
	}
	base := &checker.Report{Runs: []*checker.RunReport{run(0, hist(o(1, 3, 0)), trace("x")), run(1, hist(o(2, 4, 0)), trace("x"))}}
	rep := func(runs ...*checker.RunReport) *checker.Report { return &checker.Report{Runs: runs} }

	assert.Equal(t, sameTrace, sameRuns(base, rep(run(1, hist(o(2, 4, 0)), trace("x")), run(0, hist(o(1, 3, 0)), trace("x")))))
	assert.Equal(t, sameTrace, sameRuns(base, rep(run(0, hist(o(1, 3, 0), o(1, 9, 0)), trace("x")))), "a later repeat")
	assert.Equal(t, sameOutputs, sameRuns(base, rep(run(0, hist(o(1, 3, 0)), trace("y")))))
	assert.Equal(t, sameFacts, sameRuns(base, rep(run(0, hist(o(1, 4, 0)), trace("x")))), "later")
	assert.Equal(t, sameFacts, sameRuns(base, rep(run(0, hist(o(1, 2, 0)), trace("x")))), "earlier")
	assert.Equal(t, sameFacts, sameRuns(base, rep(run(0, hist(o(1, 3, 0)), trace("x")), run(1, hist(o(2, 5, 0)), trace("x")))), "one run at another time")
	assert.Equal(t, "", sameRuns(base, rep(run(0, hist(o(1, 4, 0)), trace("x")), run(1, hist(o(3, 4, 0)), trace("x")))), "one run at another time, one with another fact")
	assert.Equal(t, "", sameRuns(base, rep(run(0, hist(o(1, 3, 1)), trace("x")))), "another client")
	assert.Equal(t, "", sameRuns(base, rep(run(0, hist(), trace("x")))), "missing")
	assert.Equal(t, "", sameRuns(base, rep(run(0, hist(o(1, 3, 0), o(5, 3, 0)), trace("x")))), "extra")
	assert.Equal(t, "", sameRuns(base, rep(run(7, hist(o(1, 3, 0)), trace("x")))), "no such seed")
	other := hist(o(1, 3, 0))
	other.Inputs[0].Time = 1
	assert.Equal(t, "", sameRuns(base, rep(run(0, other, trace("x")))), "other inputs")
	assert.Equal(t, "", sameRuns(base, rep()), "no runs")
}
