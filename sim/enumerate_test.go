package sim

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/value"
)

// indexSrc numbers the values a node has seen with index(): every order
// of the rows is a choice the enumeration branches on.
const indexSrc = `
.decl fwd(v: int)
component a {
  .input in(v: int)
  fwd@x(v) :~ in(v), b(x).
}
component b {
  .output num(v: int, i: int)
  .persist seen
  seen(v) :- fwd(v).
  num(v, index()) :- seen(v).
}
`

func inputsAt(rel string, times ...int64) Workload {
	var w Workload
	for i, t := range times {
		w = append(w, InputEvent{Fact: value.Fact{Rel: rel, Tuple: value.Tuple{value.Int(int64(i + 1))}}, Node: value.Addr{Comp: "a"}, Time: t})
	}
	return w
}

type enumCase struct {
	name   string
	src    string
	cfg    Config
	delay  int64
	faults string
	// covered, when non-zero, is the number of runs counted by hand.
	covered uint64
}

func enumCases() []enumCase {
	snapIn := Workload{{Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1), value.Int(2)}}, Node: value.Addr{Comp: "a"}, Time: 1},
		{Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1), value.Int(3)}}, Node: value.Addr{Comp: "a"}, Time: 2}}
	return []enumCase{
		// Three independent messages, each 1..3: 27 runs.
		{name: "broadcast", src: broadcastSrc, cfg: Config{Workload: inputsAt("in", 1)}, delay: 3, covered: 27},
		// The messages to b[1] may also be lost: 3*4*3.
		{name: "broadcast-loss", src: broadcastSrc, cfg: Config{Workload: inputsAt("in", 1)}, delay: 3, faults: "omission b[1] p=0.5 until=10", covered: 36},
		// Losses only until time 1: the second input's messages are not lossy.
		{name: "broadcast-until", src: broadcastSrc, cfg: Config{Workload: inputsAt("in", 1, 3)}, delay: 2, faults: "omission b[1] p=0.5 until=1"},
		// Every choice of the faulty node, then its losses.
		{name: "broadcast-random", src: broadcastSrc, cfg: Config{Workload: inputsAt("in", 1, 2)}, delay: 2, faults: "omission random f=1 p=0.5 until=10"},
		{name: "timers-choose", src: snapSrc, cfg: Config{Workload: snapIn, Limits: Limits{MaxTime: 9}}, delay: 2},
		{name: "index", src: indexSrc, cfg: Config{Workload: inputsAt("in", 1, 1, 2)}, delay: 2},
		{name: "relayed-commit-loss", src: relayedCommitSrc, cfg: Config{Workload: Workload{{Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(7)}}, Node: value.Addr{Comp: "leader"}, Time: 1}}}, delay: 3, faults: "omission leader[0] p=0.5 until=10"},
	}
}

// observed renders what a checker reads of a run: each distinct output
// with the time it first arrived, and how the run ended.
func observed(res *Result) string {
	first := map[string]bool{}
	var out []string
	for _, o := range res.History.Outputs {
		k := o.Fact.String() + " " + strconv.Itoa(o.Client)
		if !first[k] {
			first[k] = true
			out = append(out, k+" @"+strconv.FormatInt(o.Time, 10))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n") + "\n" + res.Stop.Message
}

func (c enumCase) config(t *testing.T) Config {
	cfg := c.cfg
	cfg.Trace.Off = true
	if c.faults != "" {
		p, err := ParseFaultPlan(c.faults)
		require.NoError(t, err)
		cfg.Faults = p
	}
	return cfg
}

// TestEnumerateMemoMatchesBruteForce: the memoised enumeration covers the
// same runs as executing every one of them (NoMemo): the same states, the
// same count of runs, the same hash, and the same observable histories
// (each output fact with its first arrival, and how the run ended): a
// merged branch's runs show nothing the runs executed did not.
func TestEnumerateMemoMatchesBruteForce(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.name, func(t *testing.T) {
			prog := loadProgram(t, c.name, c.src)
			hist := func(nomemo bool) (*EnumerateReport, map[string]bool) {
				seen := map[string]bool{}
				rep, err := Enumerate(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: c.delay, NoMemo: nomemo, Observable: true,
					Leaf: func(res *Result) (bool, error) { seen[observed(res)] = true; return false, nil }})
				require.NoError(t, err)
				return rep, seen
			}
			memo, mh := hist(false)
			brute, bh := hist(true)
			require.True(t, memo.Complete && brute.Complete, "memo %+v brute %+v", memo, brute)
			assert.Equal(t, brute.States, memo.States)
			assert.Equal(t, brute.Covered, memo.Covered)
			assert.Equal(t, uint64(brute.Runs), brute.Covered, "the brute force executes every run")
			assert.Equal(t, brute.Hash, memo.Hash)
			assert.Equal(t, bh, mh, "the same distinct observable histories")
			assert.Zero(t, brute.Merged)
			if c.covered != 0 {
				assert.Equal(t, c.covered, memo.Covered)
			}
			t.Logf("%s: %d states, %d runs (%d merged), %d covered", c.name, memo.States, memo.Runs, memo.Merged, memo.Covered)
		})
	}
}

// TestEnumerateLeavesReplay: every run the enumeration hands out, mostly
// resumed from snapshots, is the run its own schedule replays from time 0.
func TestEnumerateLeavesReplay(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.name, func(t *testing.T) {
			prog := loadProgram(t, c.name, c.src)
			n := 0
			_, err := Enumerate(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: c.delay, Leaf: func(res *Result) (bool, error) {
				n++
				r, err := Replay(prog, res.Schedule)
				require.NoError(t, err)
				assert.Equal(t, res.History.String(), r.History.String())
				assert.Equal(t, res.Stop, r.Stop)
				return false, nil
			}})
			require.NoError(t, err)
			assert.Positive(t, n)
		})
	}
}

// TestEnumerateBound: hitting MaxStates ends the enumeration incomplete,
// naming the bound; a Leaf that stops it stops it.
func TestEnumerateBound(t *testing.T) {
	prog := loadProgram(t, "snap", snapSrc)
	c := enumCases()[4]
	rep, err := Enumerate(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: 2, MaxStates: 10})
	require.NoError(t, err)
	assert.False(t, rep.Complete)
	assert.Equal(t, BoundEnumerateStates, rep.Limit)
	assert.Contains(t, rep.Bound, "raise EnumerateOptions.MaxStates")
	rep, err = Enumerate(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: 2, Leaf: func(*Result) (bool, error) { return true, nil }})
	require.NoError(t, err)
	assert.True(t, rep.Stopped)
	assert.False(t, rep.Complete)
	assert.Equal(t, 1, rep.Runs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err = Enumerate(ctx, prog, c.config(t), EnumerateOptions{MaxDelay: 2})
	require.NoError(t, err)
	assert.Equal(t, BoundCanceled, rep.Limit)
	_, err = Enumerate(context.Background(), prog, Config{Closed: &ClosedLoop{Clients: 1, Requests: 1}}, EnumerateOptions{})
	assert.ErrorContains(t, err, "open-loop")
}

// TestEnumeratePartsMatchWhole: split by the choice of the one faulty
// node, the parts cover the same states and runs as the whole tree (no
// memo key is shared across faulty nodes), whatever Jobs.
func TestEnumeratePartsMatchWhole(t *testing.T) {
	for _, c := range enumCases() {
		if c.name != "broadcast-random" {
			continue
		}
		prog := loadProgram(t, c.name, c.src)
		whole, err := Enumerate(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: c.delay})
		require.NoError(t, err)
		var hashes []string
		for _, jobs := range []int{1, 2, 4} {
			reps, err := EnumerateParts(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: c.delay}, PartsOptions{Jobs: jobs})
			require.NoError(t, err)
			assert.Len(t, reps, 4, "one part per node")
			r := CombineParts(reps)
			assert.True(t, r.Complete)
			assert.Equal(t, whole.States, r.States)
			assert.Equal(t, whole.Covered, r.Covered)
			assert.Equal(t, whole.Runs, r.Runs)
			hashes = append(hashes, r.Hash)
		}
		assert.Equal(t, hashes[0], hashes[1])
		assert.Equal(t, hashes[0], hashes[2])
		// A part that stops drops the later ones, whatever Jobs.
		for _, jobs := range []int{1, 3} {
			reps, err := EnumerateParts(context.Background(), prog, c.config(t), EnumerateOptions{MaxDelay: c.delay}, PartsOptions{Jobs: jobs,
				Leaf: func(part int) func(*Result) (bool, error) {
					return func(*Result) (bool, error) { return part == 1, nil }
				}})
			require.NoError(t, err)
			require.Len(t, reps, 2)
			assert.True(t, reps[0].Complete)
			assert.True(t, reps[1].Stopped)
			assert.Equal(t, 1, reps[1].Runs)
		}
	}
}
