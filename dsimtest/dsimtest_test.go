package dsimtest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

const buggy = "../corpus/regressions/programs/reordered-commit.ded"

// recorder is a testing.TB whose Fatalf records the message and ends the
// goroutine (as the real one does), so that a test can watch a helper
// fail.
type recorder struct {
	testing.TB
	name string
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Logf(format string, args ...any) {}

// failure runs f on a recorder named name and returns what it failed
// with ("" when it did not fail).
func failure(t *testing.T, name string, f func(tb testing.TB)) string {
	r := &recorder{TB: t, name: name}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return strings.Join(r.msgs, "\n")
}

// TestExploreSavesAndReplaysAFailure: a failing exploration fails the test
// with the reproducer and saves it under testdata/dsimtest/<test>/; the
// next run replays it first and fails at once, even with options under
// which exploration alone would find nothing.
func TestExploreSavesAndReplaysAFailure(t *testing.T) {
	prog := Load(t, buggy)
	t.Chdir(t.TempDir())
	msg := failure(t, "TestUser", func(tb testing.TB) {
		Explore(tb, prog, sim.ExploreOptions{Runs: 50, Spec: sim.Spec{Seed: 1, Closed: 2}, Jobs: 1})
	})
	if !strings.Contains(msg, "bad_commit_before_prepare") || !strings.Contains(msg, "saved to testdata/dsimtest/TestUser/explore-") {
		t.Fatalf("want a saved violation, got:\n%s", msg)
	}
	files, _ := filepath.Glob("testdata/dsimtest/TestUser/explore-*.txt")
	if len(files) != 1 {
		t.Fatalf("saved files: %v", files)
	}
	msg = failure(t, "TestUser", func(tb testing.TB) {
		Explore(tb, prog, sim.ExploreOptions{Runs: 1, Spec: sim.Spec{Seed: 1, Closed: 0}, Jobs: 1})
	})
	if !strings.Contains(msg, "still happens") {
		t.Fatalf("the saved failure was not replayed first:\n%s", msg)
	}
	if msg := failure(t, "TestOther", func(tb testing.TB) {
		Explore(tb, prog, sim.ExploreOptions{Runs: 1, Spec: sim.Spec{Seed: 1, Closed: 0}, Jobs: 1})
	}); msg != "" {
		t.Fatalf("another test's directory is separate; got:\n%s", msg)
	}
}

func TestExploreAndCheckPass(t *testing.T) {
	base, scalable := Load(t, "corpus/2pc/base.ded"), Load(t, "corpus/2pc/scalable.ded")
	t.Chdir(t.TempDir())
	if rep := Explore(t, base, sim.ExploreOptions{Runs: 5, Spec: sim.Spec{Seed: 1, Closed: 2}, Jobs: 1}); rep.Runs != 5 {
		t.Fatalf("%d runs", rep.Runs)
	}
	if rep := Check(t, base, scalable, checker.Options{Runs: 2, Spec: sim.Spec{Seed: 1, Open: 2}}); rep.Verdict != checker.Equivalent {
		t.Fatalf("verdict %v", rep.Verdict)
	}
	if _, err := os.Stat("testdata"); !os.IsNotExist(err) {
		t.Fatalf("a passing test wrote files: %v", err)
	}
}

// TestCheckReplaysASavedCounterexample: a counterexample saved for the
// test is checked before anything else and fails it while it still holds.
func TestCheckReplaysASavedCounterexample(t *testing.T) {
	orig, mutant := Load(t, "corpus/2pc/base.ded"), Load(t, "../checker/testdata/mutants/2pc-voter-no-log.ded")
	text, err := os.ReadFile("../corpus/regressions/check-2pc-voter-no-log.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	save(&recorder{TB: t, name: "TestUser"}, "check-saved.txt", string(text))
	msg := failure(t, "TestUser", func(tb testing.TB) { Check(tb, orig, mutant, checker.Options{Runs: 1}) })
	if !strings.Contains(msg, "still NotEquivalent") || !strings.Contains(msg, "NotEquivalent") {
		t.Fatalf("want the saved counterexample replayed, got:\n%s", msg)
	}
}

// TestEveryByteStringIsASchedule: FuzzSchedules' decider completes a run
// under faults and a choose()/index() program for any bytes, and the same
// bytes give the same run.
func TestEveryByteStringIsASchedule(t *testing.T) {
	prog := Load(t, "corpus/2pc/base.ded")
	plan, err := sim.ParseFaultPlan("omission random f=1 p=0.5 until=20; duplicate p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.GenerateOpenLoop(prog, nil, 1, sim.OpenLoop{Requests: 3, Clients: 1})
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		data := rapid.SliceOf(rapid.Byte()).Draw(rt, "data")
		run := func() string {
			cfg := sim.Config{Workload: w, Faults: plan, Trace: sim.TraceOptions{Off: true}, Decide: decider(data, 3)}
			res, err := sim.Run(prog, cfg)
			if err != nil {
				rt.Fatalf("bytes %x: %v", data, err)
			}
			return res.Schedule.String()
		}
		if a, b := run(), run(); a != b {
			rt.Fatalf("bytes %x decide two different runs", data)
		}
	})
}

// FuzzReorderedCommit is FuzzSchedules on a protocol with a known bug: its
// seed corpus (the tamest run) passes; `go test -fuzz FuzzReorderedCommit
// ./dsimtest` finds the reordering that violates the invariant.
func FuzzReorderedCommit(f *testing.F) {
	prog := Load(f, buggy)
	w := sim.Workload{{Time: 0, Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(5)}}, Node: value.Addr{Comp: "leader"}}}
	FuzzSchedules(f, prog, sim.Spec{Workload: w})
}

// TestClosedLoopFuzzedSchedules: with closed-loop clients, the decider
// leaves each request to the seed and decides the rest, so that any bytes
// complete a run in which every client sends its requests (each after the
// answer to its last), the same bytes give the same run, and the run's
// schedule replays it.
func TestClosedLoopFuzzedSchedules(t *testing.T) {
	prog := Load(t, "corpus/2pc/base.ded")
	plan, err := sim.ParseFaultPlan("duplicate p=0.3 until=20")
	if err != nil {
		t.Fatal(err)
	}
	spec := sim.Spec{Seed: 7, Closed: 4, Clients: 2, Faults: plan}
	cfg, err := spec.RunConfig(prog, 0)
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		data := rapid.SliceOf(rapid.Byte()).Draw(rt, "data")
		run := func() *sim.Result {
			c := cfg
			c.Trace, c.Decide = sim.TraceOptions{Off: true}, decider(data, 3)
			res, err := sim.Run(prog, c)
			if err != nil {
				rt.Fatalf("bytes %x: %v", data, err)
			}
			return res
		}
		a, b := run(), run()
		if a.Schedule.String() != b.Schedule.String() {
			rt.Fatalf("bytes %x decide two different runs", data)
		}
		if n := len(a.History.Inputs); n != 4 {
			rt.Fatalf("bytes %x: %d requests sent, want 4 (2 clients, closed loop)", data, n)
		}
		re, err := sim.Replay(prog, a.Schedule)
		if err != nil {
			rt.Fatalf("bytes %x: replaying the run's schedule: %v", data, err)
		}
		if re.Schedule.String() != a.Schedule.String() {
			rt.Fatalf("bytes %x: the replayed run differs from the fuzzed one", data)
		}
	})
}

// FuzzClosedLoop2PC is FuzzSchedules with closed-loop clients: its seed
// corpus runs (go test) and any input the fuzzer finds completes.
func FuzzClosedLoop2PC(f *testing.F) {
	FuzzSchedules(f, Load(f, "corpus/2pc/base.ded"), sim.Spec{Seed: 3, Closed: 3, Clients: 2})
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
