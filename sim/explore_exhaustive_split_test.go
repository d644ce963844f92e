package sim

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/value"
)

// crossAnswerSrc answers request (id, v) with ans(v, id): keyed by id
// (the second column), but the exploration's answered check matches a
// request's first column with an output's first column. With requests
// (1, 2) and (2, 1) each key group alone leaves its request unanswered,
// while every run of both answers both (each answer carries the other's
// id first): the merge of a failing group run passes, so the split must
// be refused rather than report a counterexample no run of the workload
// has.
const crossAnswerSrc = `
.decl fwd(id: int, v: int)
component a {
  .input req(id: int, v: int)
  fwd@x(id, v) :~ req(id, v), b(x).
}
component b {
  .output ans(v: int, id: int)
  ans(v, id) :- fwd(id, v).
}
`

func twoRequests(rel string, node string, a, b [2]int64) Workload {
	req := func(id, v int64, at int64) InputEvent {
		return InputEvent{Fact: value.Fact{Rel: rel, Tuple: value.Tuple{value.Int(id), value.Int(v)}}, Node: value.Addr{Comp: node}, Time: at}
	}
	return Workload{req(a[0], a[1], 1), req(b[0], b[1], 2)}
}

// TestExploreExhaustiveSplitMatchesUnsplit: with the key split, `dsim
// explore --exhaustive` gives the verdict of the unsplit enumeration (the
// reference), and for a certificate the same number of schedules covered
// from fewer states; a counterexample is a run of the whole workload that
// replays to its failure; a split whose failing group run does not fail
// once merged is refused, and the unsplit enumeration decides.
func TestExploreExhaustiveSplitMatchesUnsplit(t *testing.T) {
	loss := "omission random f=1 p=0.3 until=20"
	cases := []struct {
		name, file, src string
		spec            Spec
		faults          string
		delay           int64
		certify         bool
		refused         string // the split's refusal, "" when it applies
		fails           string // the failing relation when not certified
	}{
		{name: "2pc", file: "corpus/2pc/scalable.ded", spec: Spec{Seed: 1, Open: 2}, delay: 2, certify: true},
		{name: "2pc-loss", file: "corpus/2pc/scalable.ded", spec: Spec{Seed: 1, Open: 2}, faults: loss, delay: 1, certify: true},
		{name: "voting", file: "corpus/voting/scalable.ded", spec: Spec{Seed: 1, Open: 2}, delay: 2, certify: true},
		{name: "cohashing-loss", file: "corpus/micro/cohashing/after.ded", spec: Spec{Seed: 1, Open: 2}, faults: loss, delay: 1, certify: true},
		{name: "relayed-loss", file: "relayed", src: relayedCommitSrc, spec: Spec{Workload: twoRequests("request", "leader", [2]int64{1, 7}, [2]int64{2, 5})}, faults: "omission leader[0] p=0.5 until=10", delay: 3, fails: "bad_commit_unprepared"},
		{name: "relayed-delay-4", file: "relayed", src: relayedCommitSrc, spec: Spec{Workload: twoRequests("request", "leader", [2]int64{1, 7}, [2]int64{2, 5})}, delay: 4, fails: "bad_commit_unprepared"},
		{name: "cross-answer", file: "cross", src: crossAnswerSrc, spec: Spec{Workload: twoRequests("req", "a", [2]int64{1, 2}, [2]int64{2, 1})}, delay: 2, certify: true, refused: "does not"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := loadProgram(t, c.file, c.src)
			spec := c.spec
			if c.faults != "" {
				plan, err := ParseFaultPlan(c.faults)
				require.NoError(t, err)
				spec.Faults = plan
			}
			opts := ExploreOptions{Spec: spec, NoShrink: true}
			eo := ExhaustiveOptions{MaxDelay: c.delay}
			split, err := ExploreExhaustive(context.Background(), prog, opts, eo)
			require.NoError(t, err)
			exploreSplitOff = true
			whole, err := ExploreExhaustive(context.Background(), prog, opts, eo)
			exploreSplitOff = false
			require.NoError(t, err)
			assert.Equal(t, 0, whole.Groups)
			if c.refused != "" {
				assert.Equal(t, 0, split.Groups)
				assert.Contains(t, split.SplitRefused, c.refused)
			} else {
				require.Equal(t, 2, split.Groups, "the split applies: %s", split.SplitRefused)
			}
			require.Equal(t, c.certify, whole.Certified(), whole.Text())
			require.Equal(t, c.certify, split.Certified(), split.Text())
			if c.certify {
				assert.Equal(t, whole.Enumeration.Covered, split.Enumeration.Covered, "the merges stand for every schedule")
				if c.refused == "" {
					assert.Less(t, split.Enumeration.States, whole.Enumeration.States)
				}
				t.Logf("%s: split %d states, unsplit %d, %d schedules", c.name, split.Enumeration.States, whole.Enumeration.States, split.Enumeration.Covered)
				return
			}
			for _, rep := range []*ExhaustiveReport{whole, split} {
				require.NotNil(t, rep.Failure, rep.Text())
				assert.Equal(t, FailViolation, rep.Failure.Kind)
				assert.Equal(t, c.fails, rep.Failure.Fact.Rel)
				replayed, err := Replay(prog, rep.Found)
				require.NoError(t, err)
				assert.Len(t, replayed.History.Inputs, 2, "a run of the whole workload")
				fail, _ := checkRun(replayed, c.faults == "")
				assert.Equal(t, rep.Failure, fail, "the schedule replays to its failure")
				rep.Repro.Program = c.file
				parsed, err := ParseReproducer("repro", rep.Repro.Text())
				require.NoError(t, err)
				require.NoError(t, CheckReproducer(prog, parsed))
			}
		})
	}
}
