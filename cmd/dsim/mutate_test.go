package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	mutBefore = "corpus/micro/functional/before.ded"
	mutAfter  = "corpus/micro/functional/after.ded"
)

// dsim mutate on a small pair: the table, the score, a stillborn, a
// killed @ change and an invariant-only survivor with its reason; the
// output does not depend on --jobs.
func TestMutateFunctional(t *testing.T) {
	code, out, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "--jobs", "1")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "MUTANT")
	assert.Regexp(t, `r5/dest-leader +30 +killed +run with seed \d+ not explained`, out)
	assert.Regexp(t, `r3/drop-lit1 +26 +stillborn +does not load: head variable id is not bound by the body`, out)
	assert.Regexp(t, `persist-ballots/drop-persist +24 +killed`, out)
	assert.Regexp(t, `r4/delete +27 +survived`, out)
	assert.Regexp(t, `killed \d+, survived \d+, unknown 0, stillborn 8; mutation score \d+/\d+ = \d+\.\d%`, out)
	surv := out[strings.Index(out, "survivors:"):]
	assert.Contains(t, surv, "  r4/delete (line 27)\n    rule:    bad_stale_tag(id) :- tagged(id, _, b), request(id, _, own), (b < own).\n    mutant:  (deleted)\n")
	assert.Contains(t, surv, "why:     the rule derives only invariant relations (bad_stale_tag)")
	assert.Contains(t, surv, "fired:   never in the runs of the unmutated rewrite")
	assert.Regexp(t, `r6/to-next \(line 36\)\n.*\n.*\n    fired:   in [1-9]\d* ticks`, surv)
	assert.NotContains(t, surv, "r5/dest-leader")

	code, par, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "--jobs", "4")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, out, par)
	assert.Empty(t, errOut)

	code, verbose, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "-v")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, out, verbose)
	assert.Regexp(t, `(?m)^r1/delete: killed \(\d`, errOut)
	assert.Equal(t, 27, strings.Count(errOut, "\n"))
}

// --json carries every mutant, counts that add up, and the score.
func TestMutateJSON(t *testing.T) {
	code, out, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "2", "--json")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.NotEmpty(t, rep.Mutants)
	assert.Equal(t, len(rep.Mutants), rep.Killed+rep.Survived+rep.Unknown+rep.Stillborn)
	assert.InDelta(t, float64(rep.Killed)/float64(rep.Killed+rep.Survived+rep.Unknown), rep.Score, 1e-9)
	assert.Equal(t, "r1/delete", rep.Mutants[0].Name)
	assert.Equal(t, "killed", rep.Mutants[0].Outcome)
	for _, m := range rep.Mutants {
		if m.Name == "persist-ballots/drop-persist" || m.Name == "r1/delete" {
			assert.Positive(t, m.Fired, "coverage of %s", m.Name)
		}
		if m.Outcome == "survived" {
			assert.NotEmpty(t, m.Before, m.Name)
		}
	}
}

// A rewrite that fails its own check exits 1 before any mutant; a wrong
// argument count is a usage error.
func TestMutateRefusals(t *testing.T) {
	src, err := os.ReadFile("../../" + mutAfter)
	require.NoError(t, err)
	broken := strings.Replace(string(src), "sig = sign(payload)", "sig = sign(id)", 1)
	require.NotEqual(t, string(src), broken)
	file := filepath.Join(t.TempDir(), "broken.ded")
	require.NoError(t, os.WriteFile(file, []byte(broken), 0o644))
	code, out, errOut := runCLI("mutate", mutBefore, file, "--runs", "3")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "itself is NotEquivalent")

	code, _, errOut = runCLI("mutate", mutBefore)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "takes an original and a rewritten program")
}

// An undecided mutant is unknown, counts in the score's denominator, and
// names the bound it hit as the flag to raise (the bounded-exhaustive
// pass, which kills some of these, is off).
func TestMutateUnknownNamesBound(t *testing.T) {
	code, out, errOut := runCLI("mutate", "corpus/micro/mutually-independent/before.ded", "corpus/micro/mutually-independent/after.ded",
		"--runs", "1", "--max-states", "30", "--no-bounded")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `r1/delete +27 +unknown +1 of 1 runs undecided \(bound hit: --max-states\)`, out)
	assert.Regexp(t, `unknown [1-9]\d*, stillborn`, out)
}

// A surviving mutant of a negation says whether the negation ever blocked
// a row in the unmutated rewrite's runs (the body-level coverage).
func TestMutateSurvivorUsedNegation(t *testing.T) {
	const prog = "component a {\n  .input in(id: int)\n  .output out(id: int)\n  stop(id) :- in(id), (id < 0).\n  out(id) :- in(id), !stop(id).\n}\n"
	dir := t.TempDir()
	o, r := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded")
	require.NoError(t, os.WriteFile(o, []byte(prog), 0o644))
	require.NoError(t, os.WriteFile(r, []byte(prog), 0o644))
	code, out, errOut := runCLI("mutate", o, r, "--runs", "3", "--jobs", "1")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "  r2/drop-lit2 (line 5)\n")
	assert.Contains(t, out, "    used:    !stop never blocked a row in the runs of the unmutated rewrite (a gap in the workload, not an equivalence)\n")
	code, js, errOut := runCLI("mutate", o, r, "--runs", "3", "--json")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	found := false
	for _, m := range rep.Mutants {
		if m.Name == "r2/drop-neg2" {
			found = true
			assert.Contains(t, m.Exercised, "!stop never blocked a row", m.Outcome)
		}
	}
	assert.True(t, found, "no r2/drop-neg2 mutant")
}

// A survivor that only a retried request tells apart (first payload per
// id wins) is killed by the probe with repeated requests, and the report
// says the check setup misses it; --no-probe skips the re-check.
func TestMutateProbeKillsWithRepeats(t *testing.T) {
	const prog = "component a {\n  .input in(id: int, p: int)\n  .output out(id: int, p: int)\n  out(id, p) :- in(id, p), !seen(id).\n  seen(id) :+ in(id, _).\n  .persist seen\n}\n"
	dir := t.TempDir()
	o, r := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded")
	require.NoError(t, os.WriteFile(o, []byte(prog), 0o644))
	require.NoError(t, os.WriteFile(r, []byte(prog), 0o644))
	code, out, errOut := runCLI("mutate", o, r, "--runs", "5", "--jobs", "2", "--no-bounded")
	require.Equal(t, 0, code, errOut)
	surv := out[strings.Index(out, "survivors:"):]
	assert.Contains(t, surv, "  r1/drop-lit2 (line 4)\n")
	assert.Contains(t, surv, "    used:    !seen never blocked a row")
	assert.Contains(t, surv, "    probe:   killed with --repeats 'dup=30 retry=30': the check setup misses it; add --repeats to dsim check\n")
	assert.Regexp(t, `probe: [1-9]\d* of the \d+ survivors killed when re-checked with --repeats 'dup=30 retry=30'`, out)
	_, plain, _ := runCLI("mutate", o, r, "--runs", "5", "--no-probe")
	assert.NotContains(t, plain, "probe")
}

// A survivor on the way to outputs that never fired in the unmutated
// runs is called a workload gap, naming those outputs.
func TestMutateSilentOutputs(t *testing.T) {
	const prog = "component a {\n  .input in(id: int)\n  .output out(id: int)\n  .output neg(id: int)\n  out(id) :- in(id).\n  mid(id) :- in(id).\n  neg(id) :- mid(id), (id < 0).\n}\n"
	dir := t.TempDir()
	o, r := filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded")
	require.NoError(t, os.WriteFile(o, []byte(prog), 0o644))
	require.NoError(t, os.WriteFile(r, []byte(prog), 0o644))
	code, out, errOut := runCLI("mutate", o, r, "--runs", "3", "--no-probe")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "  r2/delete (line 6)\n    rule:    mid(id) :- in(id).\n    mutant:  (deleted)\n    fired:   in ")
	assert.Contains(t, out, "    why:     no output it reaches (neg) was ever derived in the runs of the unmutated rewrite (a gap in the workload, not an equivalence)\n")
}

// --mutants checks only the named mutants; each survivor carries its
// class, the summary counts them, and an unknown name is a usage error.
func TestMutateSelectedMutantsAndClasses(t *testing.T) {
	code, out, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "--mutants", "r6/to-next,r4/delete", "--mutants", "r5/dest-leader")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "3 mutants, 3 runs each")
	assert.Regexp(t, `r5/dest-leader +30 +killed`, out)
	assert.Contains(t, out, "survivor classes: equivalent: derives only invariants 1; equivalent: by delay 1\n")
	assert.Contains(t, out, "  r6/to-next (line 36)\n")
	assert.Contains(t, out, "    why:     equivalent by delay: reply is an output that only persisted copies read")
	assert.Contains(t, out, "    class:   equivalent: by delay\n")

	code, js, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "--mutants", "r6/to-next,r3/to-next", "--json")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Len(t, rep.Mutants, 2)
	assert.Equal(t, "r3/to-next", rep.Mutants[0].Name, "generation order, not the order given")
	assert.Equal(t, classGapDelayInvariant, rep.Mutants[0].Class, "bad_stale_tag joins tagged with request")
	assert.Equal(t, classDelay, rep.Mutants[1].Class)
	assert.Equal(t, 0, rep.Unexplained)
	assert.Equal(t, map[string]int{classDelay: 1, classGapDelayInvariant: 1}, rep.Classes)

	code, _, errOut = runCLI("mutate", mutBefore, mutAfter, "--runs", "3", "--mutants", "r99/delete")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--mutants: no mutant named r99/delete (the first mutants are r1/delete")
}

// The bounded-exhaustive pass kills what the sampled runs missed, with a
// replay that works as printed: in corpus/micro/functional, dropping the
// ballots' persistence shows only once three requests interact, and one
// sampled run of one input does not see it; --no-bounded keeps it a
// survivor. A first-payload-wins guard dropped (r1/drop-lit2 below) dies
// at the rung whose second request retries the first's id.
func TestMutateBoundedPassKills(t *testing.T) {
	code, out, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--json")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	var m *mutantResult
	for i := range rep.Mutants {
		if rep.Mutants[i].Name == "persist-ballots/drop-persist" {
			m = &rep.Mutants[i]
		}
	}
	require.NotNil(t, m)
	assert.Equal(t, "killed", m.Outcome)
	assert.Equal(t, "bounded", m.KilledBy)
	assert.Positive(t, rep.BoundedKilled)
	assert.Contains(t, rep.BoundedRungs, "2 inputs, delays 1..2, repeats retry=100")
	_, replay, ok := strings.Cut(m.Detail, "(replay: ")
	require.True(t, ok, m.Detail)
	replay = strings.TrimSuffix(replay, ")")
	printCmd, checkCmd, ok := strings.Cut(replay, " > m.ded && ")
	require.True(t, ok, replay)
	code, src, errOut := runCLI(strings.Fields(strings.TrimPrefix(printCmd, "dsim "))...)
	require.Equal(t, 0, code, errOut)
	file := filepath.Join(t.TempDir(), "m.ded")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	args := strings.Fields(strings.TrimPrefix(checkCmd, "dsim "))
	for i, a := range args {
		if a == "m.ded" {
			args[i] = file
		}
	}
	code, text, _ := runCLI(args...)
	assert.Equal(t, 1, code, text)
	assert.Contains(t, text, "NotEquivalent (exhaustive)")

	code, out, errOut = runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--json", "--no-bounded")
	require.Equal(t, 0, code, errOut)
	rep = mutateReport{}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, m := range rep.Mutants {
		if m.Name == "persist-ballots/drop-persist" {
			assert.Equal(t, "survived", m.Outcome)
		}
	}
	assert.Zero(t, rep.BoundedKilled)
	assert.Nil(t, rep.BoundedRungs)

	const prog = "component a {\n  .input in(id: int, p: int)\n  .output out(id: int, p: int)\n  out(id, p) :- in(id, p), !seen(id).\n  seen(id) :+ in(id, _).\n  .persist seen\n}\n"
	dir := t.TempDir()
	o := filepath.Join(dir, "orig.ded")
	require.NoError(t, os.WriteFile(o, []byte(prog), 0o644))
	code, out, errOut = runCLI("mutate", o, o, "--runs", "5", "--no-probe", "--mutants", "r1/drop-lit2")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `r1/drop-lit2 +4 +killed +survived the sampled runs; killed by the bounded-exhaustive pass at 2 inputs, delays 1..2, repeats (retry|dup)=100`, out)
}

// The classes the pass gives: certified at every rung, at some with two
// inputs among them, or with one input only (still not explained); a gap
// keeps its class. Rungs cover smaller ones of the same seed only.
func TestMutateBoundedClasses(t *testing.T) {
	one, two := boundedRung{Inputs: 1, MaxDelay: 2}, boundedRung{Inputs: 2, MaxDelay: 2}
	p := &boundedPass{rungs: []boundedRung{one, two}}
	for _, tc := range []struct {
		class string
		res   boundedResult
		want  string
	}{
		{classUnexplained, boundedResult{certified: []boundedRung{one, two}}, classBounded},
		{classUnexplained, boundedResult{certified: []boundedRung{one, two}, open: []string{"x"}}, classBoundedPartial},
		{classUnexplained, boundedResult{certified: []boundedRung{one}, open: []string{"x"}}, classUnexplained},
		{classUnexplained, boundedResult{open: []string{"x"}}, classUnexplained},
		{classGapNeverFired, boundedResult{certified: []boundedRung{one, two}}, classGapNeverFired},
		// Rungs of one schedule each (every delay 1) are single runs.
		{classUnexplained, boundedResult{certified: []boundedRung{{Inputs: 3, MaxDelay: 1}, {Inputs: 3, MaxDelay: 1, Seed: 1}}}, classUnexplained},
		{classUnexplained, boundedResult{certified: []boundedRung{{Inputs: 3, MaxDelay: 1}, two}}, classBounded},
	} {
		r := mutantResult{Name: "r1/delete", Outcome: "survived", Class: tc.class}
		p.apply(&r, tc.res, "o.ded", "r.ded")
		assert.Equal(t, tc.want, r.Class, "%+v", tc.res)
		assert.Equal(t, "survived", r.Outcome)
	}
	u := mutantResult{Name: "r1/delete", Outcome: "unknown", Detail: "5 of 5 runs undecided"}
	p.apply(&u, boundedResult{certified: []boundedRung{one, two}}, "o.ded", "r.ded")
	assert.Equal(t, "unknown", u.Outcome)
	assert.Empty(t, u.Bounded)
	assert.True(t, boundedWanted(&u))
	p.apply(&u, boundedResult{killedAt: &two}, "o.ded", "r.ded")
	assert.Equal(t, "killed", u.Outcome)
	assert.True(t, strings.HasPrefix(u.Detail, "unknown in the sampled runs (5 of 5 runs undecided); killed by the bounded-exhaustive pass at 2 inputs, delays 1..2 (replay: dsim mutate o.ded r.ded --print r1/delete > m.ded && dsim check o.ded m.ded --exhaustive --inputs 2 --max-delay 2 --seed 0"), u.Detail)
	assert.False(t, boundedWanted(&mutantResult{Outcome: "survived", Class: classDelay}))
	assert.True(t, boundedRung{Inputs: 2, MaxDelay: 3}.covers(two))
	assert.False(t, two.covers(boundedRung{Inputs: 2, MaxDelay: 3}))
	assert.False(t, boundedRung{Inputs: 3, MaxDelay: 2, Seed: 1}.covers(two))
	assert.False(t, boundedRung{Inputs: 2, MaxDelay: 2}.covers(boundedRung{Inputs: 1, MaxDelay: 2, Faults: boundedOmission}))
	assert.True(t, boundedRung{Inputs: 2, MaxDelay: 2, Faults: boundedOmission}.covers(one))
	rs := boundedRungs("crash a[0] at=5", true)
	for _, r := range rs {
		assert.Empty(t, r.Repeats)
		assert.Contains(t, []string{"", "crash a[0] at=5"}, r.Faults)
	}
}

// --from-report takes an earlier report's outcomes and runs only the pass:
// the same kills as a full run, and a report of another pair, or one that
// went through the pass, is refused.
func TestMutateFromReport(t *testing.T) {
	code, plain, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--json", "--no-bounded")
	require.Equal(t, 0, code, errOut)
	file := filepath.Join(t.TempDir(), "prev.json")
	require.NoError(t, os.WriteFile(file, []byte(plain), 0o644))
	code, full, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--json")
	require.Equal(t, 0, code, errOut)
	code, again, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--json", "--from-report", file)
	require.Equal(t, 0, code, errOut)
	assert.JSONEq(t, full, again)
	assert.Contains(t, again, `"killed_by": "bounded"`)

	code, _, errOut = runCLI("mutate", "corpus/micro/mutually-independent/before.ded", "corpus/micro/mutually-independent/after.ded", "--from-report", file)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--from-report: "+file+" is a report of "+mutAfter)
	require.NoError(t, os.WriteFile(file, []byte(full), 0o644))
	code, _, errOut = runCLI("mutate", mutBefore, mutAfter, "--runs", "1", "--inputs", "1", "--from-report", file)
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "already went through the bounded-exhaustive pass")
}

// --list numbers the mutants in generation order; --range checks the
// ones with those numbers (cut at the last), and its JSON rows are the
// same mutants --mutants would select; a bad range is a usage error.
func TestMutateListAndRange(t *testing.T) {
	code, list, errOut := runCLI("mutate", mutBefore, mutAfter, "--list")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	require.Len(t, lines, 27)
	assert.Equal(t, "1\tr1/delete\tline 23", lines[0])
	name := func(i int) string { return strings.Split(lines[i-1], "\t")[1] }

	code, js, errOut := runCLI("mutate", mutBefore, mutAfter, "--runs", "2", "--no-bounded", "--range", "3..5", "--json")
	require.Equal(t, 0, code, errOut)
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Len(t, rep.Mutants, 3)
	for i, m := range rep.Mutants {
		assert.Equal(t, name(3+i), m.Name)
	}

	code, js, errOut = runCLI("mutate", mutBefore, mutAfter, "--runs", "2", "--no-bounded", "--range", "26..400", "--json")
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Len(t, rep.Mutants, 2)
	assert.Equal(t, name(27), rep.Mutants[1].Name)

	for _, bad := range []string{"0..3", "5..4", "3", "a..b", "28..30"} {
		code, _, errOut = runCLI("mutate", mutBefore, mutAfter, "--range", bad)
		assert.Equal(t, 3, code, bad)
		assert.Contains(t, errOut, "--range", bad)
	}
}
