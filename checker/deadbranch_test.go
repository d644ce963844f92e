package checker

import (
	"cmp"
	"os"
	"slices"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestDeadBranchesSameVerdicts: dead-branch pruning changes no verdict.
// Over every corpus pair (fault-free and with omission), the recorded runs
// whose witness only the search finds (paxos, micro/partial: the guided
// runs do not explain them), and some shipped mutants (all of them, and two
// more paxos runs, with -long), each run's verdict and the stage that found its witness are the
// same with and without it, and it never explores more states. The corpus
// pairs' runs are explained by the guided runs, so only the recorded runs
// and mutants exercise the pruning: a pruning that skips every alternative
// turns the recorded runs Unknown or NotEquivalent (tried).
func TestDeadBranchesSameVerdicts(t *testing.T) {
	type tc struct {
		name      string
		orig, rew string
		schedule  string // a recorded run of rew (CheckSchedule)
		opts      Options
	}
	var cases []tc
	for _, pair := range corpusPairs(t) {
		cases = append(cases, tc{name: pair[1], orig: pair[0], rew: pair[1], opts: Options{Runs: 6, Spec: sim.Spec{Seed: 1, Open: 3}, NoShrink: true}})
		cases = append(cases, tc{name: pair[1] + "/omission", orig: pair[0], rew: pair[1], opts: Options{Runs: 6, Spec: sim.Spec{Seed: 1000, Open: 3, Faults: faultyPlan(t)}, NoShrink: true}})
	}
	for _, sc := range []string{"paxos-43", "paxos-265", "paxos-363"} {
		if !*long && sc != "paxos-43" {
			continue
		}
		cases = append(cases, tc{name: sc, orig: "corpus/paxos/base.ded", rew: "checker/testdata/paxos-scalable-unobserved.ded", schedule: "testdata/" + sc + ".schedule",
			opts: Options{Runs: 1, Spec: sim.Spec{Open: 3, Limits: sim.Limits{MaxTime: 100}}, NoShrink: true}})
	}
	cases = append(cases, tc{name: "partial-304", orig: "corpus/micro/partial/before.ded", rew: "checker/testdata/partial-no-retransmit.ded", schedule: "testdata/partial-304.schedule",
		opts: Options{Runs: 1, Spec: sim.Spec{Seed: 304, Faults: faultyPlan(t), Open: 3}, NoShrink: true}})
	for _, m := range loadMutants(t) {
		if !*long && !slices.Contains([]string{"hashset2-partitioned-by-id", "functional-idb-join", "collector-decides-on-majority"}, m.name) {
			continue
		}
		cases = append(cases, tc{name: "mutant/" + m.name, orig: m.original, rew: "checker/testdata/mutants/" + m.name + ".ded",
			opts: Options{Runs: 4, Spec: sim.Spec{Seed: 1, Faults: m.faults, Open: cmp.Or(m.requests, 2)}, NoShrink: true}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			orig, rew := loadAny(t, c.orig), loadAny(t, c.rew)
			check := func(opts Options) *Report {
				var rep *Report
				var err error
				if c.schedule != "" {
					text, rerr := os.ReadFile(c.schedule)
					if rerr != nil {
						t.Fatal(rerr)
					}
					sched, perr := sim.ParseSchedule(c.schedule, string(text))
					if perr != nil {
						t.Fatal(perr)
					}
					rep, err = CheckSchedule(orig, rew, sched, opts)
				} else {
					rep, err = Check(orig, rew, opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			on := check(c.opts)
			offOpts := c.opts
			offOpts.NoDeadBranches = true
			off := check(offOpts)
			if len(on.Runs) != len(off.Runs) {
				t.Fatalf("%d runs with pruning, %d without", len(on.Runs), len(off.Runs))
			}
			for i := range on.Runs {
				a, b := on.Runs[i], off.Runs[i]
				if a.Verdict != b.Verdict || a.Found != b.Found {
					t.Errorf("run %d (seed %d): %s (%s) with pruning, %s (%s) without\nwith:\n%s\nwithout:\n%s", i, a.Seed, a.Verdict, a.Found, b.Verdict, b.Found, on.Text(SavedFiles{}), off.Text(SavedFiles{}))
				}
				if a.Verdict != Unknown && a.States > b.States {
					t.Errorf("run %d (seed %d): %d states with pruning, %d without", i, a.Seed, a.States, b.States)
				}
			}
			branches := func(rep *Report) (n int) {
				for _, r := range rep.Runs {
					n += r.Branches
				}
				return n
			}
			t.Logf("states %d with pruning, %d without; branches %d, %d", on.States(), off.States(), branches(on), branches(off))
		})
	}
}

// TestDeadBranchesSkipInvisibleAlternatives: once the subtree under a
// message's delivery after the failures' cutoff is exhausted, the
// message's other alternatives that arrive after the cutoff (or drop it)
// are skipped, and the ones that arrive by the cutoff are not; a subtree
// with a branch of no cutoff skips nothing.
func TestDeadBranchesSkipInvisibleAlternatives(t *testing.T) {
	delays := func(ds ...int64) []alt {
		var out []alt
		for _, d := range ds {
			out = append(out, alt{delay: d})
		}
		return append(out, alt{drop: true})
	}
	setup := func(opts Options, hz int64) *searcher {
		s := &searcher{opts: opts, visited: map[sim.Fingerprint]int64{}, jumpTo: -1, diverge: -1}
		a := newFrame(delays(1, 2, 3), 5, true)
		b := newFrame(delays(1, 2, 3, 4), 10, true)
		b.cur = 2 // delivery at 13
		s.stack = []frame{a, b}
		s.pos = 2
		fp := sim.Fingerprint{Hi: 1, Lo: 2}
		s.remember(fp)
		s.endBranch(hz) // the branch under b's delay 3 failed with cutoff hz
		return s
	}
	// Cutoff 12: delay 3 (at 13) was invisible; 4 (at 14) and the drop
	// are dead, b is done, and a (delivery at 6, visible) moves on.
	s := setup(Options{}, 12)
	if !s.backtrack() {
		t.Fatal("backtrack found no branch")
	}
	if len(s.stack) != 1 || s.stack[0].cur != 1 || s.res.dead != 2 {
		t.Fatalf("stack %d frames, a at alternative %d, %d dead; want 1 frame, a at 1, 2 dead", len(s.stack), s.stack[0].cur, s.res.dead)
	}
	if h := s.visited[sim.Fingerprint{Hi: 1, Lo: 2}]; h != 12 {
		t.Errorf("memoised state's horizon %d, want 12", h)
	}
	// Cutoff 13: delay 3 delivered at the cutoff, so it could matter: b
	// tries delay 4.
	s = setup(Options{}, 13)
	if !s.backtrack() || len(s.stack) != 2 || s.stack[1].cur != 3 || s.res.dead != 0 {
		t.Fatalf("cutoff 13: stack %d frames, %d dead; want b at its alternative 3, none dead", len(s.stack), s.res.dead)
	}
	// No cutoff (a bound, a memo hit on an unfinished state): nothing is skipped.
	s = setup(Options{}, hzAny)
	if !s.backtrack() || len(s.stack) != 2 || s.stack[1].cur != 3 || s.res.dead != 0 {
		t.Fatalf("no cutoff: %d dead, want none", s.res.dead)
	}
	// Pruning off.
	s = setup(Options{NoDeadBranches: true}, 12)
	if !s.backtrack() || len(s.stack) != 2 || s.stack[1].cur != 3 || s.res.dead != 0 {
		t.Fatalf("NoDeadBranches: %d dead, want none", s.res.dead)
	}
}
