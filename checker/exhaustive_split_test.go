package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/sim"
)

// splitCases are checks over two inputs whose rewrite the key split
// applies to, small enough to enumerate without it too. want is the
// verdict both must give.
var splitCases = []struct {
	name, orig, rew string
	delay           int64
	faults          string
	want            Verdict
	seed            uint64
}{
	{"2pc", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", 2, "", Equivalent, 1},
	{"2pc-loss", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", 1, "omission random f=1 p=0.3 until=20", Equivalent, 1},
	{"cohashing", "corpus/micro/cohashing/before.ded", "corpus/micro/cohashing/after.ded", 2, "", Equivalent, 1},
	{"cohashing-loss", "corpus/micro/cohashing/before.ded", "corpus/micro/cohashing/after.ded", 1, "omission random f=1 p=0.3 until=20", Equivalent, 1},
	{"mutually-independent", "corpus/micro/mutually-independent/before.ded", "corpus/micro/mutually-independent/after.ded", 2, "", Equivalent, 1},
	{"mutually-independent-loss", "corpus/micro/mutually-independent/before.ded", "corpus/micro/mutually-independent/after.ded", 1, "omission random f=1 p=0.3 until=20", Equivalent, 1},
	{"voting", "corpus/voting/base.ded", "corpus/voting/scalable.ded", 2, "", Equivalent, 1},
	{"voting-loss", "corpus/voting/base.ded", "corpus/voting/scalable.ded", 1, "omission random f=1 p=0.3 until=20", Equivalent, 1},
	{"mustemit/2pc-scalable-no-abort-reply", "corpus/2pc/base.ded", "checker/testdata/mustemit/2pc-scalable-no-abort-reply.ded", 2, "", NotEquivalent, 5}, // seed 5: one request aborts
	{"mutant/voting-votes-unpersisted", "corpus/voting/base.ded", "checker/testdata/mutants/voting-votes-unpersisted.ded", 2, "", NotEquivalent, 1},
	{"mutant/collector-decides-on-majority", "checker/testdata/mutants/originals/identity-voting-base.ded", "checker/testdata/mutants/collector-decides-on-majority.ded", 2, "", NotEquivalent, 1},
	{"mutant/2pc-voter-no-log", "corpus/2pc/base.ded", "checker/testdata/mutants/2pc-voter-no-log.ded", 2, "", NotEquivalent, 1},
	{"mutant/cohashing-acks-unpersisted", "corpus/micro/cohashing/before.ded", "checker/testdata/mutants/cohashing-acks-unpersisted.ded", 2, "", NotEquivalent, 1},
	{"mutant/cohashing-acks-unpersisted-loss", "corpus/micro/cohashing/before.ded", "checker/testdata/mutants/cohashing-acks-unpersisted.ded", 1, "omission random f=1 p=0.3 until=20", NotEquivalent, 1},
}

// TestExhaustiveSplitMatchesUnsplit: with the key split, the exhaustive
// check of two inputs gives the verdict the unsplit enumeration gives, and
// for a certificate the same schedules covered and the same set of
// observable histories explained (each merged run is a run of the whole
// workload, and every run of it is one of the merges).
func TestExhaustiveSplitMatchesUnsplit(t *testing.T) {
	for _, c := range splitCases {
		t.Run(c.name, func(t *testing.T) {
			orig, rew := loadAny(t, c.orig), loadAny(t, c.rew)
			opts := Options{Spec: sim.Spec{Seed: c.seed, Open: 2, Faults: mustPlan(t, c.faults)}, Exhaustive: true, MaxDelay: c.delay, NoShrink: true}
			split, err := Check(orig, rew, opts)
			require.NoError(t, err)
			exhaustiveNoSplit = true
			whole, err := Check(orig, rew, opts)
			exhaustiveNoSplit = false
			require.NoError(t, err)
			sc, wc := split.Certificate, whole.Certificate
			require.Equal(t, 2, sc.Groups, "the split applies: %s", sc.SplitRefused)
			assert.Equal(t, 0, wc.Groups)
			require.Equal(t, c.want, whole.Verdict, whole.Text(SavedFiles{}))
			require.Equal(t, c.want, split.Verdict, split.Text(SavedFiles{}))
			if c.want == Equivalent {
				assert.True(t, sc.Complete)
				assert.Equal(t, wc.Schedules, sc.Schedules, "the merges stand for every schedule")
				assert.Equal(t, wc.Histories, sc.Histories)
				assert.Equal(t, wc.obligations, sc.obligations, "the same observable histories")
				assert.Less(t, sc.States, wc.States)
			} else {
				cx := split.Counterexample
				require.NotNil(t, cx)
				replayed, err := sim.Replay(rew, cx.Schedule)
				require.NoError(t, err)
				// The counterexample is a run of the whole workload: its
				// schedule replays to the same history.
				assert.Len(t, replayed.History.Inputs, 2)
				assert.Equal(t, cx.History.Outputs, replayed.History.Outputs)
				if cx.Violation != nil {
					require.NotEmpty(t, replayed.Violations)
					assert.Equal(t, *cx.Violation, replayed.Violations[0])
				}
			}
			t.Logf("%s: split %d states, %d merged runs, %d histories; unsplit %d states, %d histories",
				c.name, sc.States, sc.MergedRuns, sc.Histories, wc.States, wc.Histories)
		})
	}
}

// sleeperOriginal/sleeperRewrite: a node that resends a persisted fact on
// every tick. Keyed by id, but a sleeping node is not at rest: another
// request's arrival makes it resend a lost ping, so runs of two requests
// show histories that no merge of one-request runs has.
const sleeperProgram = `
.decl ping(id: int)
component a {
  .input req(id: int)
  seen(id) :- req(id).
  .persist seen
  ping@x(id) :~ seen(id), b(x).
}
component b {
  .output pong(id: int)
  got(id) :- ping(id).
  .persist got
  pong(id) :- ping(id), !gotBefore(id).
  gotBefore(id) :+ got(id).
  .persist gotBefore
}
`

// TestExhaustiveSplitRestCheck: the dynamic rest check refuses the split
// for sleeperProgram (the check then enumerates unsplit and agrees with the
// reference); without the check the split misses histories, so the check
// is what keeps it sound.
func TestExhaustiveSplitRestCheck(t *testing.T) {
	p := loadText(t, "sleeper.ded", sleeperProgram)
	opts := Options{Spec: sim.Spec{Seed: 1, Open: 2, Faults: mustPlan(t, "omission random f=1 p=0.3 until=20")}, Exhaustive: true, MaxDelay: 2, NoShrink: true}
	cfg, err := opts.Spec.RunConfig(p, 0)
	require.NoError(t, err)
	s, why := sim.PlanKeySplit(p, cfg)
	require.NotNil(t, s, why)

	checked, err := Check(p, p, opts)
	require.NoError(t, err)
	require.Equal(t, Equivalent, checked.Verdict, checked.Text(SavedFiles{}))
	assert.Equal(t, 0, checked.Certificate.Groups)
	assert.Contains(t, checked.Certificate.SplitRefused, "not idle")

	exhaustiveNoSplit = true
	whole, err := Check(p, p, opts)
	exhaustiveNoSplit = false
	require.NoError(t, err)
	assert.Equal(t, whole.Certificate.obligations, checked.Certificate.obligations)

	// Without the rest check the split goes ahead, and only the merge's own
	// check (the merged run must match its groups' runs) stops it: a ping
	// sent in the merged run was sent in no group's run.
	splitNoRestCheck = true
	_, err = Check(p, p, opts)
	splitNoRestCheck = false
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was not sent in group")
}

// TestExhaustiveShardsMerge: the shards of an exhaustive check (each a
// range of its parts, one part per faulty node) merge into the unsharded
// check's JSON report byte for byte: certificates with and without the key
// split, an Unknown one (a state bound hit in some parts), and a
// NotEquivalent one whose later parts the unsharded check never runs.
func TestExhaustiveShardsMerge(t *testing.T) {
	loss := mustPlan(t, "omission random f=1 p=0.3 until=20")
	for _, c := range []struct {
		name, orig, rew string
		opts            Options
		shards          int
		want            Verdict
	}{
		{"split", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", Options{Spec: sim.Spec{Seed: 1, Open: 2, Faults: loss}, Exhaustive: true, MaxDelay: 1}, 3, Equivalent},
		{"unsplit", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", Options{Spec: sim.Spec{Seed: 1, Open: 1, Faults: loss}, Exhaustive: true, MaxDelay: 2}, 5, Equivalent},
		{"bound", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", Options{Spec: sim.Spec{Seed: 1, Open: 1, Faults: loss}, Exhaustive: true, MaxDelay: 2, ExhaustiveStates: 300}, 4, Unknown},
		{"mutant", "corpus/micro/cohashing/before.ded", "checker/testdata/mutants/cohashing-acks-unpersisted.ded", Options{Spec: sim.Spec{Seed: 1, Open: 2, Faults: loss}, Exhaustive: true, MaxDelay: 1}, 3, NotEquivalent},
	} {
		t.Run(c.name, func(t *testing.T) {
			whole, merged, v := checkShards(t, c.orig, c.rew, c.opts, c.shards)
			assert.Equal(t, c.want, v)
			assert.Equal(t, string(whole), string(merged))
		})
	}
}

// TestExhaustiveSplitJobs: with the key split, the certificate does not
// depend on how many parts run at once.
func TestExhaustiveSplitJobs(t *testing.T) {
	orig, rew := load(t, "corpus/2pc/base.ded"), load(t, "corpus/2pc/scalable.ded")
	var reports []string
	for _, jobs := range []int{1, 2, 3} {
		rep, err := Check(orig, rew, Options{Spec: sim.Spec{Seed: 1, Open: 2, Faults: mustPlan(t, "omission random f=1 p=0.3 until=20")}, Exhaustive: true, MaxDelay: 1, Jobs: jobs})
		require.NoError(t, err)
		require.Equal(t, Equivalent, rep.Verdict)
		require.Equal(t, 2, rep.Certificate.Groups)
		reports = append(reports, string(rep.JSON()))
	}
	assert.Equal(t, reports[0], reports[1])
	assert.Equal(t, reports[0], reports[2])
}

// TestExhaustiveSplitCombinationsBound: a part whose key groups' histories
// combine into more merged runs than Options.MaxSplitCombinations stops
// the check Unknown with the typed bound (which dsim turns into
// --max-split-combinations), and a bound at the number of combinations
// lets it finish.
func TestExhaustiveSplitCombinationsBound(t *testing.T) {
	orig, rew := loadAny(t, "corpus/2pc/base.ded"), loadAny(t, "corpus/2pc/scalable.ded")
	opts := Options{Spec: sim.Spec{Seed: 1, Open: 2}, Exhaustive: true, MaxDelay: 2, NoShrink: true}
	full, err := Check(orig, rew, opts)
	require.NoError(t, err)
	require.Equal(t, Equivalent, full.Verdict, full.Text(SavedFiles{}))
	require.Equal(t, 2, full.Certificate.Groups)
	combos := full.Certificate.MergedRuns // one part: every combination is merged
	require.Greater(t, combos, 1)

	opts.MaxSplitCombinations = combos - 1
	rep, err := Check(orig, rew, opts)
	require.NoError(t, err)
	require.Equal(t, Unknown, rep.Verdict, rep.Text(SavedFiles{}))
	unk := rep.FirstUnknown()
	require.NotNil(t, unk)
	assert.Equal(t, sim.BoundSplitCombinations, unk.Limit)
	assert.Contains(t, unk.Bound, "combinations of the key groups' histories")
	assert.Contains(t, unk.Bound, sim.BoundSplitCombinations.Raise())

	opts.MaxSplitCombinations = combos
	rep, err = Check(orig, rew, opts)
	require.NoError(t, err)
	assert.Equal(t, Equivalent, rep.Verdict, rep.Text(SavedFiles{}))
}
