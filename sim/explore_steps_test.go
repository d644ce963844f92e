package sim

import (
	"flag"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/value"
)

var exploreMemRuns = flag.Int("explore-memruns", 0, "run TestExploreMemoryFlat with this many explore runs (e.g. 10000)")

func TestChunks(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want [][2]int
	}{
		{0, nil},
		{1, [][2]int{{0, 1}}},
		{2, [][2]int{{0, 2}, {0, 1}, {1, 2}}},
		{3, [][2]int{{0, 3}, {0, 1}, {1, 3}, {1, 2}, {2, 3}}},
		{4, [][2]int{{0, 4}, {0, 2}, {2, 4}, {0, 1}, {1, 2}, {2, 3}, {3, 4}}},
	} {
		assert.Equal(t, tc.want, chunks(tc.n), "n=%d", tc.n)
	}
}

func mustPlan(t *testing.T, s string) FaultPlan {
	t.Helper()
	p, err := ParseFaultPlan(s)
	require.NoError(t, err)
	return p
}

// Each step proposes strictly smaller candidates, in a fixed order.
func TestShrinkStepProposals(t *testing.T) {
	in := func(id int64, at int64) InputEvent {
		return InputEvent{Time: at, Fact: value.Fact{Rel: "req", Tuple: value.Tuple{value.Int(id)}}, Node: value.Addr{Comp: "a"}}
	}
	describe := func(c Config) string {
		s := "faults=" + c.Faults.String()
		if c.Closed != nil {
			s += " closed=" + itoa(c.Closed.Requests) + "/" + itoa(c.Closed.Clients)
		}
		if c.Delay != nil {
			s += " delay=" + c.Delay.String()
		}
		for _, e := range c.Workload {
			s += " in" + e.Fact.Tuple[0].String()
		}
		return s
	}
	hold := Distribution{Kind: DelayHold, P: 0.2, Hold: 8}
	cases := []struct {
		name string
		step func(ConfigRun) []ConfigRun
		cfg  Config
		want []string
	}{
		{"closed loop", fewerRequests, Config{Closed: &ClosedLoop{Clients: 2, Requests: 5}, Faults: FaultPlan{}},
			[]string{"faults=none closed=2/2", "faults=none closed=4/2", "faults=none closed=5/1", "faults=none"}},
		{"fixed inputs", fewerRequests, Config{Workload: Workload{in(1, 0), in(2, 1), in(3, 2)}},
			[]string{"faults=none", "faults=none in2 in3", "faults=none in1", "faults=none in1 in3", "faults=none in1 in2"}},
		{"faults", fewerFaults, Config{Faults: mustPlan(t, "omission a[0],a[1] p=0.5 until=40; omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6")},
			[]string{
				"faults=omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; omission random f=2 p=0.1 until=8; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; omission random f=2 p=0.1 until=8; crash a[2] at=5",
				"faults=omission a[1] p=0.5 until=40; omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0] p=0.5 until=40; omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=20; omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; omission random f=1 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; omission random f=2 p=0.1 until=4; crash a[2] at=5; duplicate p=0.1 until=6",
				"faults=omission a[0],a[1] p=0.5 until=40; omission random f=2 p=0.1 until=8; crash a[2] at=5; duplicate p=0.1 until=3",
			}},
		{"partition", fewerFaults, Config{Faults: mustPlan(t, "partition a[0] | a[1] from=10 to=30")},
			[]string{"faults=none", "faults=partition a[0] | a[1] from=10 to=20"}},
		{"uniform", smallerDistribution, Config{Delay: &Distribution{Kind: DelayUniform, Max: 6}},
			[]string{"faults=none delay=uniform:1", "faults=none delay=uniform:3", "faults=none delay=uniform:5"}},
		{"hold", smallerDistribution, Config{Delay: &hold},
			[]string{"faults=none delay=hold:0.2:2", "faults=none delay=hold:0.2:4", "faults=none delay=hold:0.2:7"}},
		{"uniform:1 is the least", smallerDistribution, Config{Delay: &Distribution{Kind: DelayUniform, Max: 1}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := ConfigRun{Config: tc.cfg}
			for _, e := range tc.cfg.Workload {
				run.Inputs = append(run.Inputs, HistoryInput{Fact: e.Fact, Node: e.Node, Time: e.Time})
			}
			var got []string
			for _, c := range tc.step(run) {
				got = append(got, describe(c.Config))
				assert.Less(t, ConfigSize(c.Config), ConfigSize(run.Config), "%s does not shrink", describe(c.Config))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("proposals (-want +got):\n%s", d)
			}
		})
	}
}

func itoa(n int) string { return value.Int(int64(n)).String() }

func TestTamerChoices(t *testing.T) {
	a, b := value.Addr{Comp: "a"}, value.Addr{Comp: "b"}
	rec := []Choice{
		{Kind: ChoiceSend, From: a, To: b, Fact: value.Fact{Rel: "m"}, Delay: 3},
		{Kind: ChoiceSend, From: a, To: b, Fact: value.Fact{Rel: "m"}, Drop: true},
		{Kind: ChoiceSend, From: b, To: a, Fact: value.Fact{Rel: "n"}, Delay: 1},
		{Kind: ChoiceOutput, From: a, Fact: value.Fact{Rel: "o"}, Delay: 2, Dup: 0},
		{Kind: ChoiceChoose, From: a, N: 3, Pick: 2},
	}
	cand := candidateFrom(Config{}, rec)
	require.Len(t, cand.order, 5, "repeated subjects are told apart by occurrence")
	props := tamerChoices(&cand)
	// 3 wild choices (delay 3, drop, output delay 2): all, two halves
	// ([0,1) and [1,3)), then the singles not tried yet ([1,2), [2,3)).
	require.Len(t, props, 5)
	wild := func(c *candidate) int {
		n := 0
		for _, k := range c.order {
			p := c.pins[k]
			if p.Drop || p.Delay > 1 || p.Dup > 0 {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 3, wild(&cand))
	assert.Equal(t, []int{0, 2, 1, 2, 2}, []int{wild(props[0]), wild(props[1]), wild(props[2]), wild(props[3]), wild(props[4])})
	assert.Equal(t, 2, props[0].pins[cand.order[4]].Pick, "choose() picks are left alone")
	assert.Equal(t, int64(3), cand.pins[cand.order[0]].Delay, "the proposal does not change the original")
}

// TestExploreMemoryFlat: heap after a GC does not grow with the number of
// explore runs. Gated: go test ./sim -run TestExploreMemoryFlat -explore-memruns=10000 -v
func TestExploreMemoryFlat(t *testing.T) {
	if *exploreMemRuns == 0 {
		t.Skip("set -explore-memruns=N (e.g. 10000) to measure")
	}
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	_, err := Explore(prog, ExploreOptions{Runs: 100, Spec: Spec{Seed: 1, Closed: 5}, Jobs: 2})
	require.NoError(t, err)
	before := heap()
	rep, err := Explore(prog, ExploreOptions{Runs: *exploreMemRuns, Spec: Spec{Seed: 2, Closed: 5}, Jobs: 2})
	require.NoError(t, err)
	after := heap()
	require.Nil(t, rep.Failure)
	t.Logf("%d explore runs of corpus/2pc/base.ded (5 requests): heap %d KiB before, %d KiB after", rep.Runs, before/1024, after/1024)
	assert.Less(t, int64(after)-int64(before), int64(4<<20), "heap grew by more than 4 MiB")
}

func benchmarkExplore(b *testing.B, jobs int) {
	prog := loadProgram(b, "corpus/2pc/base.ded", "")
	const runs = 200
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Explore(prog, ExploreOptions{Runs: runs, Spec: Spec{Seed: uint64(i), Closed: 5}, Jobs: jobs})
		if err != nil || rep.Failure != nil {
			b.Fatal(err, rep.Failure)
		}
	}
	b.ReportMetric(float64(runs*b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkExplore: runs/s of explore on corpus/2pc/base.ded, 5
// closed-loop requests per run, 200 runs per iteration.
func BenchmarkExplore(b *testing.B) {
	b.Run("jobs=1", func(b *testing.B) { benchmarkExplore(b, 1) })
	b.Run("jobs=2", func(b *testing.B) { benchmarkExplore(b, 2) })
}
