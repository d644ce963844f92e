package sim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const reorderedCommit = "corpus/regressions/programs/reordered-commit.ded"

// relayedCommitSrc answers prematurely under omission: the leader sends
// prepare(id) straight to the replica and commit(id) along a relay of
// three hops, which under uniform:3 delays can never overtake the prepare
// (it arrives at the earliest in the same tick). Only a lost prepare lets
// a commit reach the replica unprepared.
const relayedCommitSrc = `
.decl prepare(id: int)
.decl hop1(id: int)
.decl hop2(id: int)
.decl commit(id: int)
.decl ack(id: int)
.invariant bad_commit_unprepared(id: int)
component leader {
  .input request(id: int, v: int)
  .output reply(id: int)
  prepare@r(id) :~ request(id, v), replica(r).
  hop1@x(id) :~ request(id, v), relay(x).
  reply(id) :- ack(id).
}
component relay {
  hop2@y(id) :~ hop1(id), relay2(y).
}
component relay2 {
  commit@r(id) :~ hop2(id), replica(r).
}
component replica {
  prepared(id) :- prepare(id).
  .persist prepared
  bad_commit_unprepared(id) :- commit(id), !prepared(id).
  ack@l(id) :~ commit(id), leader(l).
}
`

// skipThirdSrc never answers requests whose id is a multiple of 3.
const skipThirdSrc = `
component a {
  .input req(id: int, v: int)
  .output resp(id: int)
  resp(id) :- req(id, v), (id % 3 != 0).
}
`

func TestExploreFindsAndShrinksReordering(t *testing.T) {
	prog := loadProgram(t, reorderedCommit, "")
	rep, err := Explore(prog, ExploreOptions{Runs: 100, Spec: Spec{Seed: 1, Closed: 5, Clients: 2}, Jobs: 2})
	require.NoError(t, err)
	require.NotNil(t, rep.Failure)
	assert.Equal(t, FailViolation, rep.Failure.Kind)
	assert.Equal(t, "bad_commit_before_prepare", rep.Failure.Fact.Rel)
	assert.Equal(t, rep.FailingRun+1, rep.Runs, "exploration stops at the first failing seed")

	r := rep.Repro
	require.NotNil(t, r.Shrink)
	assert.Less(t, r.Shrink.SizeAfter, r.Shrink.SizeBefore)
	assert.Equal(t, 1, requestsOf(r.Schedule), "one request suffices")
	// Exactly the prepare is held back (3 units); everything else takes 1.
	var slow []string
	for _, p := range r.Schedule.pins() {
		if strings.HasPrefix(p.Decision, "delay ") && p.Decision != "delay 1" {
			slow = append(slow, p.Key+" => "+p.Decision)
		}
	}
	require.Len(t, slow, 1, "%v", slow)
	assert.Contains(t, slow[0], "prepare(")
	assert.Equal(t, "delay 3", strings.SplitN(slow[0], " => ", 2)[1])

	// The reproducer, written and read back, replays to the same failure.
	r.Program = reorderedCommit
	back, err := ParseReproducer("r.txt", r.Text())
	require.NoError(t, err)
	assert.Equal(t, r.Failure.Expect(), back.Expect)
	require.NoError(t, CheckReproducer(prog, back))
	res, err := Replay(prog, back.Schedule)
	require.NoError(t, err)
	assert.Equal(t, Violation, res.Stop.Reason)
}

func TestShrinkDropsFaultsThatDoNotMatter(t *testing.T) {
	prog := loadProgram(t, "relayed.ded", relayedCommitSrc)
	plan, err := ParseFaultPlan("omission leader[0],replica[0] p=0.5 until=400; omission random f=2 p=0.2 until=400; crash relay2[0] at=900; duplicate p=0.3 until=300")
	require.NoError(t, err)
	// Fault-free the program is correct.
	clean, err := Explore(prog, ExploreOptions{Runs: 60, Spec: Spec{Seed: 3, Closed: 4}})
	require.NoError(t, err)
	require.Nil(t, clean.Failure, "%v", clean.Failure)

	rep, err := Explore(prog, ExploreOptions{Runs: 60, Spec: Spec{Seed: 3, Closed: 4, Faults: plan}})
	require.NoError(t, err)
	require.NotNil(t, rep.Failure)
	r := rep.Repro
	assert.Equal(t, "bad_commit_unprepared", r.Failure.Fact.Rel)
	f := r.Schedule.Faults
	assert.Less(t, len(f.Omissions)+len(f.Crashes)+len(f.Partitions), 4, "faults: %s", f)
	assert.Nil(t, f.Duplicate, "duplication plays no part: %s", f)
	assert.Empty(t, f.Crashes, "the crash comes after everything: %s", f)
	assert.Equal(t, 1, requestsOf(r.Schedule))
	drops := 0
	for _, p := range r.Schedule.pins() {
		if p.Decision == "drop" {
			drops++
			assert.Contains(t, p.Key, "prepare(", "only the prepare needs to be lost")
		}
	}
	assert.Equal(t, 1, drops)
	assert.Less(t, r.Shrink.SizeAfter, r.Shrink.SizeBefore)
	assert.LessOrEqual(t, r.Shrink.Attempts, r.Shrink.MaxAttempts)
	r.Program = "relayed.ded"
	t.Log(r.Text())
	back, err := ParseReproducer("r.txt", r.Text())
	require.NoError(t, err)
	require.NoError(t, CheckReproducer(prog, back))
}

func TestShrinkIsBounded(t *testing.T) {
	prog := loadProgram(t, reorderedCommit, "")
	rep, err := Explore(prog, ExploreOptions{Runs: 100, Spec: Spec{Seed: 1, Closed: 5}, MaxShrinkAttempts: 2})
	require.NoError(t, err)
	require.NotNil(t, rep.Repro)
	s := rep.Repro.Shrink
	assert.Equal(t, 2, s.Attempts)
	assert.True(t, s.Exhausted)
	require.NoError(t, CheckReproducer(prog, &Reproducer{Expect: rep.Repro.Failure.Expect(), Schedule: rep.Repro.Schedule}))
}

func TestExploreReportsUnansweredRequest(t *testing.T) {
	prog := loadProgram(t, "skip.ded", skipThirdSrc)
	rep, err := Explore(prog, ExploreOptions{Runs: 5, Spec: Spec{Seed: 9, Closed: 6}})
	require.NoError(t, err)
	require.NotNil(t, rep.Failure)
	assert.Equal(t, 0, rep.FailingRun)
	assert.Equal(t, FailUnanswered, rep.Failure.Kind)
	assert.Equal(t, "req", rep.Failure.Fact.Rel)
	id := rep.Failure.Fact.Tuple[0].I
	assert.Zero(t, id%3, "the unanswered request's id is a multiple of 3")
	assert.Contains(t, rep.Failure.String(), "never answered")
	// That request alone is unanswered: the shrinker keeps just it.
	assert.Equal(t, 1, requestsOf(rep.Repro.Schedule))
	assert.Equal(t, "req", rep.Repro.Schedule.Workload[0].Fact.Rel)
	assert.Equal(t, id, rep.Repro.Schedule.Workload[0].Fact.Tuple[0].I)

	// With faults, unanswered requests are expected, not a failure.
	plan, _ := ParseFaultPlan("omission a[0] p=0.1 until=10")
	rep, err = Explore(prog, ExploreOptions{Runs: 5, Spec: Spec{Seed: 9, Closed: 6, Faults: plan}})
	require.NoError(t, err)
	assert.Nil(t, rep.Failure)
	assert.Equal(t, 5, rep.Runs)
}

func TestExploreBoundIsInconclusive(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	rep, err := Explore(prog, ExploreOptions{Runs: 6, Spec: Spec{Seed: 1, Closed: 3, Limits: Limits{MaxTicks: 5}}})
	require.NoError(t, err)
	assert.Nil(t, rep.Failure)
	assert.Equal(t, 6, rep.Runs)
	assert.Equal(t, 6, rep.Inconclusive)
	assert.Contains(t, rep.FirstInconclusive, "MaxTicks")
	assert.Contains(t, rep.FirstInconclusive, "raise Limits.MaxTicks")
	assert.NotContains(t, rep.FirstInconclusive, "--max-ticks")
}

func TestExploreErrors(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	_, err := Explore(prog, ExploreOptions{Runs: 0})
	assert.ErrorContains(t, err, "ExploreOptions.Runs 0 is out of range")
	_, err = Explore(prog, ExploreOptions{Runs: 3, Spec: Spec{Counts: map[string]int{"nope": 2}}})
	assert.ErrorContains(t, err, "run 0 (seed")
	assert.ErrorContains(t, err, "no component nope")
}

// requestsOf counts the requests a schedule sends: fixed inputs plus
// closed-loop requests.
func requestsOf(s *Schedule) int {
	n := len(s.Workload)
	if s.Closed != nil {
		n += s.Closed.Requests
	}
	return n
}

// reportDigest is what must not depend on Jobs.
func reportDigest(r *ExploreReport) string {
	s := []string{r.Failure.Expect(), r.FirstInconclusive}
	s = append(s, strings.Repeat("i", r.Inconclusive), strings.Repeat("r", r.Runs))
	if r.Repro != nil {
		r.Repro.Program = "p"
		s = append(s, r.Repro.Text())
	}
	return strings.Join(s, "\n")
}

func TestExploreSameReportForAnyJobs(t *testing.T) {
	cases := []struct {
		name string
		prog string
		src  string
		opts ExploreOptions
	}{
		{"failing", reorderedCommit, "", ExploreOptions{Runs: 40, Spec: Spec{Seed: 7, Closed: 4, Clients: 2}}},
		{"clean 2pc with faults", "corpus/2pc/base.ded", "", ExploreOptions{
			Runs: 80,
			Spec: Spec{Seed: 2, Closed: 3, Faults: FaultPlan{Omissions: []Omission{{Random: 1, P: 0.3, Until: 30}}}},
		}},
		{"open loop, some inconclusive", "corpus/2pc/base.ded", "", ExploreOptions{
			Runs: 50,
			Spec: Spec{Seed: 4, Open: 3, Limits: Limits{MaxTicks: 20}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prog := loadProgram(t, tc.prog, tc.src)
			var digests []string
			// 1<<40 jobs: more than runs and than MaxExploreJobs, which
			// must cost nothing (it once sized a 2^44-slot buffer).
			for _, jobs := range []int{1, 4, 1 << 40} {
				o := tc.opts
				o.Jobs = jobs
				rep, err := Explore(prog, o)
				require.NoError(t, err)
				digests = append(digests, reportDigest(rep))
			}
			for i, d := range digests[1:] {
				if diff := cmp.Diff(digests[0], d); diff != "" {
					t.Fatalf("jobs=1 and run %d of the jobs list differ:\n%s", i+1, diff)
				}
			}
		})
	}
}

// TestRunSeedRule: run i of a batch with base seed b is run 0 of a batch
// with base seed b+i, workload included (the one seed rule, spec.go).
func TestRunSeedRule(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	for _, tc := range []struct {
		base uint64
		i    int
	}{{0, 0}, {0, 7}, {5, 3}, {1 << 40, 99}} {
		spec := Spec{Seed: tc.base, Open: 4, Closed: 2, Clients: 2}
		a, err := spec.RunConfig(prog, tc.i)
		require.NoError(t, err)
		spec.Seed = tc.base + uint64(tc.i)
		b, err := spec.RunConfig(prog, 0)
		require.NoError(t, err)
		require.Equal(t, tc.base+uint64(tc.i), a.Seed)
		require.Equal(t, RunSeed(tc.base, tc.i), a.Seed)
		require.Equal(t, b.Seed, a.Seed)
		require.Equal(t, b.Workload.String(), a.Workload.String())
		require.NotEmpty(t, a.Workload)
		require.Equal(t, *b.Closed, *a.Closed)
	}
}
