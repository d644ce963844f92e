package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/mutate"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// A pathological mutant ends within the pass's budget: r2/drop-lit4 of
// corpus/paxos/comppaxos.ded (as before its acceptor outputs) (every proposer believes it is every
// proposer) took 39 minutes in the pass at the 50,000-state budget
// (docs/CHECKING.md); its first rung alone runs longer than 30 s. With
// --bounded-timeout 500ms the pass stops within it and says which bound
// stopped it, on the rung and in the row.
//
// r41/drop-lit1 (newNum without startElection(): a new ballot every
// tick) is the shape the enumeration missed: its branches end at the
// horizon in the moment they resume at, where only a per-branch check of
// the deadline sees it (sim/enumerate.go); without it the pass ran more
// than 40 s past a 3 s budget.
func TestMutateBoundedPassBudget(t *testing.T) {
	load := func(path string) (*analysis.Program, []byte) {
		src, err := readSource(path)
		require.NoError(t, err)
		prog, diags := analysis.Load(path, src)
		require.Empty(t, diags)
		return prog, src
	}
	// The programs before the acceptors' outputs (testdata/paxos-unobserved-*):
	// with them comppaxos is NotEquivalent within the rungs' bounds, and
	// these mutants are killed at once.
	orig, _ := load("testdata/paxos-unobserved-base.ded")
	rew, src := load("testdata/paxos-unobserved-comppaxos.ded")
	ms, err := mutate.Generate("testdata/paxos-unobserved-comppaxos.ded", src)
	require.NoError(t, err)
	ms, err = selectMutants(ms, []string{"r2/drop-lit4", "r41/drop-lit1"})
	require.NoError(t, err)
	for _, m := range ms {
		t.Run(m.Name, func(t *testing.T) { boundedPassEndsInBudget(t, orig, rew, m) })
	}
}

func boundedPassEndsInBudget(t *testing.T, orig, rew *analysis.Program, m mutate.Mutant) {

	var base checker.Options
	base.Limits.MaxTime = 100
	base.Exhaustive, base.NoShrink, base.Jobs = true, true, 1
	base.MaxEscalatedDelay, base.ExhaustiveStates = 100, defaultBoundedStates
	const budget = 500 * time.Millisecond
	p := &boundedPass{orig: orig, rew: rew, base: base, budget: budget,
		rungs: []boundedRung{{Inputs: 1, MaxDelay: 2}, {Inputs: 3, MaxDelay: 1}}}
	p.once.Do(func() {}) // the rungs are given: no calibration

	start := time.Now()
	res := p.run(mutantProgram(rew, m))
	took := time.Since(start)
	// The deadline is checked per branch of the enumeration and of each
	// original's search: well within a few seconds even on a loaded
	// machine (before the budget, minutes).
	assert.Less(t, took, 15*time.Second)
	assert.True(t, res.outOfTime)
	assert.Nil(t, res.killedAt)
	require.Len(t, res.open, 2, "%v", res.open)
	assert.Equal(t, "1 input, delays 1..2 (--bounded-timeout 500ms spent during this rung)", res.open[0])
	assert.Equal(t, "3 inputs, delays 1..1 (--bounded-timeout 500ms spent)", res.open[1])

	r := mutantResult{Name: m.Name, Outcome: "survived", Class: classUnexplained}
	p.apply(&r, res, "corpus/paxos/base.ded", "corpus/paxos/comppaxos.ded")
	assert.Equal(t, "bounded-exhaustive pass stopped: --bounded-timeout 500ms spent", r.Detail)
	assert.Equal(t, classUnexplained, r.Class)
	assert.True(t, strings.HasPrefix(r.Bounded, "not reached: 1 input, delays 1..2 (--bounded-timeout"), r.Bounded)
}

// Deleting the only output rule, in runs a timer keeps from quiescing
// (cut at --max-time), is unknown: each run delivered no output at all, so
// it explains nothing (docs/CHECKING.md, "Runs with no outputs"; it
// survived as the gap "fewer outputs" before); once the runs are
// quiescent it is killed (the must-emit shortcut).
func TestMutateFewerOutputs(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		timer, want string
	}{
		{"  .timer tick 4\n", `r1/delete +\d+ +unknown +3 of 3 runs undecided \(bound hit: --max-time\)`},
		{"", `r1/delete +\d+ +killed`},
	} {
		prog := "component a {\n  .input in(id: int, p: int)\n  .output out(id: int, p: int)\n" + tc.timer + "  out(id, p) :- in(id, p).\n}\n"
		file := filepath.Join(dir, "p.ded")
		require.NoError(t, os.WriteFile(file, []byte(prog), 0o644))
		code, out, errOut := runCLI("mutate", file, file, "--runs", "3", "--max-time", "30", "--no-bounded", "--no-probe", "--mutants", "r1/delete")
		require.Equal(t, 0, code, errOut)
		assert.Regexp(t, tc.want, out)
	}
}
