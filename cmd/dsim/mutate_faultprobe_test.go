package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// The fault probe's pair (testdata/faultprobe/safe.ded): r4/cmp2->=
// commits on the first acknowledgement, which breaks bad_commit_unstored
// only when a put is lost; weak.ded is that mutant as a program.
const (
	fpSafe = "testdata/faultprobe/safe.ded"
	fpWeak = "testdata/faultprobe/weak.ded"
	// fpMutants: the loss-only mutant, a dropped-guard mutant that fails
	// the same way, a survivor the probe leaves (one tick later, still
	// safe), and a mutant killed by the sampled runs' own violation.
	fpMutants = "r4/cmp2->=,r4/drop-lit2,r4/to-next,r10/drop-neg2"
)

func fpMutate(t *testing.T, args ...string) mutateReport {
	t.Helper()
	code, out, errOut := runCLI(append([]string{"mutate"}, append(args, "--runs", "5", "--no-bounded", "--no-probe", "--jobs", "1", "--json")...)...)
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	return rep
}

func fpMutant(t *testing.T, rep mutateReport, name string) mutantResult {
	t.Helper()
	for _, m := range rep.Mutants {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no mutant %s in the report", name)
	return mutantResult{}
}

// A survivor of the fault-free runs that breaks the invariant when a
// message is lost is killed by the fault probe, the table says how, and
// the replay it prints works as printed (Violated again, exit 1). Without
// the probe the same mutant survives. The text is golden.
func TestMutateFaultProbeKills(t *testing.T) {
	rep := fpMutate(t, fpSafe, fpSafe, "--mutants", fpMutants)
	assert.Equal(t, "omission random f=1 p=0.3 until=2000", rep.FaultProbe)
	assert.Equal(t, defaultFaultProbeRuns, rep.FaultProbeRuns)
	assert.Equal(t, 2, rep.FaultProbeKilled)
	assert.Equal(t, 3, rep.FaultProbed, "the three survivors of the sampled runs")
	assert.Equal(t, 3, rep.Killed)
	assert.Equal(t, 1, rep.ViolationKilled)
	for _, name := range []string{"r4/cmp2->=", "r4/drop-lit2"} {
		m := fpMutant(t, rep, name)
		assert.Equal(t, "killed", m.Outcome, name)
		assert.Equal(t, "fault-probe", m.KilledBy, name)
		assert.Equal(t, "killed", m.FaultProbe, name)
		assert.Empty(t, m.Class, name)
		assert.Contains(t, m.Detail, "survived the sampled runs; killed by the fault probe: run with seed 1 violated bad_commit_unstored(3); checked against the original: Violated", name)
	}
	kept := fpMutant(t, rep, "r4/to-next")
	assert.Equal(t, "survived", kept.Outcome)
	assert.Equal(t, "survived", kept.FaultProbe)
	assert.Equal(t, "no run of 100 violated an invariant", kept.FaultProbeDetail)
	assert.Empty(t, fpMutant(t, rep, "r10/drop-neg2").FaultProbe, "killed by the sampled runs: not probed")

	// The replay, as printed.
	src := runFaultReplay(t, fpMutant(t, rep, "r4/cmp2->=").Detail)
	assert.Contains(t, src, "(n >= 1)")

	code, out, errOut := runCLI("mutate", fpSafe, fpSafe, "--runs", "5", "--no-bounded", "--no-probe", "--jobs", "1", "--mutants", fpMutants)
	require.Equal(t, 0, code, errOut)
	golden.Check(t, filepath.Join("testdata", "faultprobe", "mutate.txt"), []byte(out))

	off := fpMutate(t, fpSafe, fpSafe, "--mutants", fpMutants, "--no-fault-probe")
	assert.Equal(t, "survived", fpMutant(t, off, "r4/cmp2->=").Outcome)
	assert.Empty(t, off.FaultProbe)
	assert.Zero(t, off.FaultProbeKilled)
	_, plain, _ := runCLI("mutate", fpSafe, fpSafe, "--runs", "5", "--no-bounded", "--no-probe", "--mutants", fpMutants, "--no-fault-probe")
	assert.NotContains(t, plain, "fault probe")
	assert.NotContains(t, plain, "faults:")
}

// A violating run that the original matches (weak.ded violates the same
// invariant in the same run) does not kill the mutant: the survivor's line
// says so.
func TestMutateFaultProbeOriginalViolatesToo(t *testing.T) {
	rep := fpMutate(t, fpWeak, fpSafe, "--mutants", "r4/cmp2->=")
	m := fpMutant(t, rep, "r4/cmp2->=")
	assert.Equal(t, "survived", m.Outcome)
	assert.Equal(t, "survived", m.FaultProbe)
	assert.Equal(t, "run with seed 1 violated bad_commit_unstored(3), and so does the original in a run that explains it", m.FaultProbeDetail)
	assert.Zero(t, rep.FaultProbeKilled)
	assert.Equal(t, 1, rep.FaultProbed)
}

// Calibration: a rewrite that itself violates its invariant under the
// plan gets no fault probe, and the report says why.
func TestMutateFaultProbeCalibration(t *testing.T) {
	rep := fpMutate(t, fpWeak, fpWeak, "--mutants", "r4/drop-lit2")
	assert.Empty(t, rep.FaultProbe)
	assert.Equal(t, "fault probe skipped: the unmutated rewrite itself violates bad_commit_unstored(3) under omission random f=1 p=0.3 until=2000 (run with seed 1), so a mutant's violation would say nothing about the mutant", rep.FaultProbeNote)
	assert.Empty(t, fpMutant(t, rep, "r4/drop-lit2").FaultProbe)
	assert.Equal(t, 0, rep.Killed)
}

// The flags: --fault-probe-runs bounds the seeds (the mutant's first
// violating run is seed 1, so one run misses it), --fault-probe sets the
// plan (a loss-free one finds nothing), and a bad plan is a usage error
// with its column.
func TestMutateFaultProbeFlags(t *testing.T) {
	rep := fpMutate(t, fpSafe, fpSafe, "--mutants", "r4/cmp2->=", "--fault-probe-runs", "1")
	m := fpMutant(t, rep, "r4/cmp2->=")
	assert.Equal(t, "survived", m.Outcome)
	assert.Equal(t, "no run of 1 violated an invariant", m.FaultProbeDetail)

	rep = fpMutate(t, fpSafe, fpSafe, "--mutants", "r4/cmp2->=", "--fault-probe", "crash replica[0] at=0")
	assert.Equal(t, "crash replica[0] at=0", rep.FaultProbe)
	assert.Equal(t, "survived", fpMutant(t, rep, "r4/cmp2->=").FaultProbe, "a replica crashed from the start gets neither put nor commit")

	// Another plan, and the user's flags carried into the replay (other
	// values make another workload: a replay without them would not fail).
	rep = fpMutate(t, fpSafe, fpSafe, "--mutants", "r4/cmp2->=", "--fault-probe", "omission leader[0] p=0.5 until=50", "--max-time", "300", "--values", "in.id=7..9")
	m = fpMutant(t, rep, "r4/cmp2->=")
	require.Equal(t, "killed", m.FaultProbe, m.FaultProbeDetail)
	assert.Contains(t, m.Detail, "--faults 'omission leader[0] p=0.5 until=50' --no-shrink --max-time 300 --values in.id=7..9)")
	runFaultReplay(t, m.Detail)

	code, _, errOut := runCLI("mutate", fpSafe, fpSafe, "--runs", "1", "--fault-probe", "omission random f=1 p=2")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--fault-probe: fault plan")
	code, _, errOut = runCLI("mutate", fpSafe, fpSafe, "--runs", "1", "--fault-probe", "none")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--no-fault-probe")
}

// A program without invariants gets no fault probe and no trace of it in
// the report (its text stays as it was).
func TestMutateFaultProbeNeedsInvariants(t *testing.T) {
	const prog = "component a {\n  .input in(id: int)\n  .output out(id: int)\n  out(id) :- in(id), (id > 0).\n}\n"
	file := filepath.Join(t.TempDir(), "p.ded")
	require.NoError(t, os.WriteFile(file, []byte(prog), 0o644))
	code, out, errOut := runCLI("mutate", file, file, "--runs", "2", "--no-bounded", "--json")
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, out, `"fault_probe"`)
	assert.NotContains(t, out, `"fault_probe_note"`)
}

// A mutant's simulations stop at the budget (--timeout): a deadline
// already past runs none.
func TestFaultProbeBudget(t *testing.T) {
	src, err := os.ReadFile(fpSafe)
	require.NoError(t, err)
	prog, diags := analysis.Load(fpSafe, src)
	require.Empty(t, diags)
	plan, err := sim.ParseFaultPlan(defaultFaultProbePlan(100))
	require.NoError(t, err)
	p := &faultProbe{rew: prog, runs: 5}
	p.opts.Spec = sim.Spec{Open: 3, Faults: plan, Limits: sim.Limits{MaxTime: 100}}
	v, err := p.firstViolation(prog, time.Now().Add(-time.Second))
	require.NoError(t, err)
	assert.True(t, v.spent)
	assert.Zero(t, v.runs)
	v, err = p.firstViolation(prog, time.Time{})
	require.NoError(t, err)
	assert.False(t, v.spent)
	assert.Equal(t, 5, v.runs)
}

// runFaultReplay runs the two commands of a fault-probe kill's replay as
// printed (the mutant printed into m.ded, then its one-run check) and
// expects the check to fail with the violation again; it returns the
// mutant's text.
func runFaultReplay(t *testing.T, detail string) string {
	t.Helper()
	_, replay, ok := strings.Cut(detail, "(replay: ")
	require.True(t, ok, detail)
	replay = strings.TrimSuffix(replay, ")")
	printCmd, checkCmd, ok := strings.Cut(replay, " > m.ded && ")
	require.True(t, ok, replay)
	code, src, errOut := runCLI(shellWords(t, strings.TrimPrefix(printCmd, "dsim "))...)
	require.Equal(t, 0, code, errOut)
	file := filepath.Join(t.TempDir(), "m.ded")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	args := shellWords(t, strings.TrimPrefix(checkCmd, "dsim "))
	for i, a := range args {
		if a == "m.ded" {
			args[i] = file
		}
	}
	code, text, _ := runCLI(args...)
	assert.Equal(t, 1, code, text)
	assert.Contains(t, text, ": Violated\n")
	assert.Contains(t, text, "violation of the rewrite's invariant bad_commit_unstored(")
	return src
}

// An unknown mutant (the sampled runs hit --max-states) is probed too, and
// a kill makes it killed, its row saying what the sampled runs left open.
func TestMutateFaultProbeUnknown(t *testing.T) {
	rep := fpMutate(t, fpSafe, fpSafe, "--mutants", "r4/cmp2-<=")
	m := fpMutant(t, rep, "r4/cmp2-<=")
	assert.Equal(t, "killed", m.Outcome)
	assert.Equal(t, "unknown", m.FaultProbeFrom)
	assert.Equal(t, "fault-probe", m.KilledBy)
	assert.Regexp(t, `^unknown in the sampled runs \(\d of 5 runs undecided \(bound hit: --max-states\)\); killed by the fault probe: run with seed \d+ violated bad_commit_unstored`, m.Detail)
	assert.Equal(t, 1, rep.FaultProbedUnknown)
	assert.Equal(t, 1, rep.FaultProbeKilledUnknown)
	assert.Equal(t, 1, rep.FaultProbeKilled)
	runFaultReplay(t, m.Detail)
	_, out, _ := runCLI("mutate", fpSafe, fpSafe, "--runs", "5", "--no-bounded", "--no-probe", "--mutants", "r4/cmp2-<=")
	assert.Contains(t, out, "fault probe: 0 of 0 survivors and 1 of 1 unknown mutants killed under omission random f=1 p=0.3 until=2000 (100 runs each)\n")
}

// --from-report keeps the fault probe's results of the earlier report
// (the mutant is not probed again): the same report as a full run.
func TestMutateFaultProbeFromReport(t *testing.T) {
	args := []string{"mutate", fpSafe, fpSafe, "--runs", "5", "--no-bounded", "--no-probe", "--jobs", "1", "--json", "--mutants", "r4/cmp2->=,r4/to-next"}
	code, full, errOut := runCLI(args...)
	require.Equal(t, 0, code, errOut)
	file := filepath.Join(t.TempDir(), "rep.json")
	require.NoError(t, os.WriteFile(file, []byte(full), 0o644))
	code, again, errOut := runCLI(append(args, "--from-report", file)...)
	require.Equal(t, 0, code, errOut)
	assert.JSONEq(t, full, again)
}
