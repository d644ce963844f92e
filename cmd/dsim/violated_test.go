package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var long = flag.Bool("long", false, "run the slow CLI tests (the r54 Paxos mutant's check with its shrink)")

// violatedPrograms writes the programs of testdata/script/violated.txtar
// (one copy of them, shared with its golden report text) to a temporary
// directory and returns it: orig.ded keeps invariant bad, rew.ded
// violates it one hop after an input 2, early.ded violates it on the
// input itself, count.ded's invariant needs ten acks.
func violatedPrograms(t *testing.T) string {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/script/violated.txtar")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range ar.Files {
		if strings.HasSuffix(f.Name, ".ded") {
			require.NoError(t, os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644))
		}
	}
	return dir
}

// A rewrite that violates an invariant its original keeps fails the check
// with exit 1 whether or not the original's search was exhaustive: Violated
// when a bound cut it, NotEquivalent when it was exhausted; an original
// violating the same invariant no later explains it (exit 0).
func TestViolatedExitStatus(t *testing.T) {
	dir := violatedPrograms(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	common := []string{"--runs", "3", "--inputs", "3", "--values", "in.id=1..3"}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		verdict  string
		contains string
	}{
		{"search cut", []string{p("orig.ded"), p("rew.ded"), "--max-states", "1"}, 1, "Violated", "search NOT exhaustive"},
		{"search cut, unshrunk", []string{p("orig.ded"), p("rew.ded"), "--max-states", "1", "--no-shrink"}, 1, "Violated", "(raise with --max-states)"},
		{"search exhaustive", []string{p("orig.ded"), p("rew.ded")}, 1, "NotEquivalent", "search exhaustive within its bounds"},
		{"original violates first", []string{p("early.ded"), p("rew.ded")}, 0, "Equivalent", "each matched by the original violating the same-named invariant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append(append([]string{"check"}, tc.args...), common...)...)
			require.Equal(t, tc.code, code, "%s%s", out, errOut)
			head, _, _ := strings.Cut(out, "\n")
			assert.True(t, strings.HasSuffix(head, ": "+tc.verdict), head)
			assert.Contains(t, out, tc.contains)
		})
	}
}

// Every command a Violated report prints under "reproduce:" works as
// printed and decides as the report did: the seeded check and the check
// of the saved schedule carry the --max-states the verdict depends on.
func TestViolatedReproduceCommands(t *testing.T) {
	dir := violatedPrograms(t)
	out := filepath.Join(dir, "out")
	code, stdout, errOut := runCLI("check", filepath.Join(dir, "orig.ded"), filepath.Join(dir, "rew.ded"),
		"--runs", "3", "--inputs", "3", "--values", "in.id=1..3", "--max-states", "1", "--save-witness", out)
	require.Equal(t, 1, code, "%s%s", stdout, errOut)
	repro, cmds := reproduceCommands(t, stdout, filepath.Join(dir, "out.html"))
	checks := 0
	for _, c := range cmds {
		line, args := c.line, c.args
		code, o, e := runCLI(args...)
		switch args[0] {
		case "replay": // replays the violation, and exits 1 as dsim run does on one
			require.Equal(t, 1, code, "%s: %s%s", line, o, e)
			require.Contains(t, o, "violations:\n  bad(2) at b[0]")
			continue
		case "viz":
			require.Equal(t, 0, code, "%s: %s%s", line, o, e)
			continue
		}
		checks++
		require.Equal(t, 1, code, "%s: exit %d\n%s%s", line, code, o, e)
		head, _, _ := strings.Cut(o, "\n")
		require.True(t, strings.HasSuffix(head, ": Violated"), "%s decides otherwise: %s", line, head)
	}
	require.Equal(t, 2, checks, "want the seeded check and the schedule check:\n%s", repro)
}

// dsim mutate counts a mutant whose check is Violated as killed, by
// "violation", in its JSON.
func TestMutateViolatedKills(t *testing.T) {
	dir := violatedPrograms(t)
	count := filepath.Join(dir, "count.ded")
	code, out, errOut := runCLI("mutate", count, count, "--max-states", "20", "--inputs", "4", "--runs", "5", "--no-bounded", "--no-probe", "--json")
	require.Equal(t, 0, code, errOut)
	rep, by := mutantsByName(t, out)
	m := by["r5/drop-lit2"] // bad(n) :- total(n): fires on the first ack
	assert.Equal(t, "killed", m.Outcome)
	assert.Equal(t, "violation", m.KilledBy)
	assert.Contains(t, m.Detail, "violated bad(1)")
	assert.Contains(t, m.Detail, "search not exhaustive: --max-states")
	assert.Equal(t, 4, rep.ViolationKilled)
	// Deleting the rule that answers leaves an output missing that every
	// fault-free run of the original emits: NotEquivalent, not a
	// violation, and proved without a search.
	assert.Equal(t, "must-emit", by["r1/delete"].KilledBy, "a NotEquivalent kill is not a violation's")
	mustEmit := 0
	for _, m := range rep.Mutants {
		if m.KilledBy == "must-emit" {
			mustEmit++
		}
	}
	assert.Equal(t, mustEmit, rep.MustEmitKilled)
}

// The Paxos mutant kept as corpus/regressions/programs/comppaxos-r54-quorum.ded
// breaks bad_two_chosen at proposer[0], time 62, and BasePaxos's search
// cannot be exhausted within the default bounds: the check is Violated
// (it was Unknown before the verdict existed). Unshrunk here (about 3 s);
// -long runs the command as docs/CHECKING.md gives it, with the shrink.
func TestR54Violated(t *testing.T) {
	args := []string{"check", "corpus/paxos/base.ded", "corpus/regressions/programs/comppaxos-r54-quorum.ded",
		"--seed", "41", "--runs", "1", "--max-time", "100", "--faults", "omission random f=1 p=0.3 until=100"}
	if !*long {
		args = append(args, "--no-shrink")
	}
	code, out, errOut := runCLI(args...)
	require.Equal(t, 1, code, "%s%s", out, errOut)
	head, _, _ := strings.Cut(out, "\n")
	assert.True(t, strings.HasSuffix(head, ": Violated"), head)
	assert.Contains(t, out, "run 0 (seed 41) stopped on a violation of the rewrite's invariant bad_two_chosen(1) at proposer[0], time 62, not matched by the original")
	assert.Contains(t, out, "(raise with --max-states)")
	assert.Contains(t, out, "--max-time 100    # the run before shrinking")
}

// dsim mutate says which NotEquivalent kills the checker proved without a
// search: in the functional micro pair, turning the ballot count into a
// sum makes an output no run of the original can emit (the may-derive
// analysis), while deleting the rule needs a search to be told apart.
func TestMutateNamesKillsWithoutSearch(t *testing.T) {
	code, out, errOut := runCLI("mutate", "../../corpus/micro/functional/before.ded", "../../corpus/micro/functional/after.ded",
		"--mutants", "r2/agg1-sum,r2/delete", "--no-bounded", "--no-probe", "--json")
	require.Equal(t, 0, code, errOut)
	rep, by := mutantsByName(t, out)
	require.Len(t, by, 2)
	assert.Equal(t, "killed", by["r2/agg1-sum"].Outcome)
	assert.Equal(t, "may-derive", by["r2/agg1-sum"].KilledBy)
	assert.Contains(t, by["r2/agg1-sum"].Detail, "(may-derive analysis, no search)")
	assert.Equal(t, "killed", by["r2/delete"].Outcome)
	assert.Equal(t, "", by["r2/delete"].KilledBy, "found by the search")
	assert.Equal(t, 1, rep.MayDeriveKilled)
	assert.Equal(t, 0, rep.MustEmitKilled)
	_, text, _ := runCLI("mutate", "../../corpus/micro/functional/before.ded", "../../corpus/micro/functional/after.ded",
		"--mutants", "r2/agg1-sum,r2/delete", "--no-bounded", "--no-probe")
	assert.Contains(t, text, "of the killed, 1 proved without a search: 1 by the may-derive analysis, 0 by the must-emit shortcut")
}

// mutantsByName decodes dsim mutate's --json report and indexes its
// mutants by name.
func mutantsByName(t *testing.T, out string) (mutateReport, map[string]mutantResult) {
	t.Helper()
	var rep mutateReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	by := map[string]mutantResult{}
	for _, m := range rep.Mutants {
		by[m.Name] = m
	}
	return rep, by
}
