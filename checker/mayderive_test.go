package checker

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/reach"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// TestMayDeriveSilentOnCorpusPairs: the corpus rewrites are correct, so
// no output any of their runs delivers (mapped through the refinement
// map) may lie outside the original's abstraction on the same inputs:
// fault-free, under omissions and under a crash, several seeds each.
// A flagged output here would mean the analysis is unsound.
func TestMayDeriveSilentOnCorpusPairs(t *testing.T) {
	outputs := 0
	for _, pair := range corpusPairs(t) {
		o, r := load(t, pair[0]), load(t, pair[1])
		m, err := newRefinementMap(o, r)
		if err != nil {
			t.Fatal(err)
		}
		plans := []string{"none", "omission random f=1 p=0.3 until=20", fmt.Sprintf("crash %s[0] at=7", r.Components[len(r.Components)-1].Name)}
		for _, plan := range plans {
			fp, err := sim.ParseFaultPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Spec: sim.Spec{Open: 3, Faults: fp}}.withDefaults()
			for i := 0; i < 4; i++ {
				cfg, err := opts.Spec.RunConfig(r, i)
				if err != nil {
					t.Fatal(err)
				}
				res, err := runRewritten(m, opts, cfg)
				if err != nil {
					t.Fatal(err)
				}
				horizon := cfg.Limits.WithDefaults().MaxTime
				tgt, err := newTarget(m, res, cfg.Faults, horizon)
				if err != nil {
					t.Fatal(err)
				}
				outputs += len(tgt.facts)
				if off := impossibleOutput(m, opts, tgt, horizon, "the rewritten program"); off != nil {
					t.Errorf("%s / %s, faults %q, run %d: a correct rewrite's output called impossible: %s", pair[0], pair[1], plan, i, off.Explanation)
				}
			}
		}
	}
	t.Logf("%d distinct outputs checked", outputs)
}

// offByOne is a worker that numbers requests from 0 (the original) and a
// rewrite that numbers them from -1.
const offByOne = `.decl work(id: int)

component leader {
  .input req(id: int)

  work@worker[0](id) :~ req(id).
}

component worker {
  .output done(id: int, slot: int)
  .persist log

  log(id) :- work(id).
  logged(count(id)) :- log(id).
  done(id, k) :- work(id), logged(c), k = c - 1.
}
`

// TestMayDeriveAgreesWithSearch: where the search decides on its own, the
// shortcut changes no verdict; it decides the off-by-one rewrite (with
// the same offending output as the search) and the one numbering from 1,
// and stays silent on a rewrite that is wrong within the abstraction and
// on the original itself.
func TestMayDeriveAgreesWithSearch(t *testing.T) {
	cases := []struct {
		name, rew string
		verdict   Verdict
		shortcut  bool
	}{
		{"same", offByOne, Equivalent, false},
		{"from-minus-one", strings.Replace(offByOne, "k = c - 1.", "k = c - 2.", 1), NotEquivalent, true},
		// Numbered from 1: slot 3 with 3 requests, beyond the original's
		// count of them (slots in [0, 2]).
		{"from-one", strings.Replace(offByOne, "k = c - 1.", "k = c.", 1), NotEquivalent, true},
		// Every slot 0: wrong, but a value the original may emit.
		{"all-zero", strings.Replace(offByOne, "done(id, k) :- work(id), logged(c), k = c - 1.", "done(id, 0) :- work(id), logged(_).", 1), NotEquivalent, false},
	}
	o := loadText(t, "orig.ded", offByOne)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := loadText(t, "rew.ded", c.rew)
			opts := Options{Runs: 6, Spec: sim.Spec{Open: 3}, NoShrink: true}
			with, err := Check(o, r, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.NoMayDerive = true
			without, err := Check(o, r, opts)
			if err != nil {
				t.Fatal(err)
			}
			if with.Verdict != c.verdict || without.Verdict != c.verdict {
				t.Fatalf("with the shortcut %s, without %s, want %s", with.Verdict, without.Verdict, c.verdict)
			}
			fired := with.Counterexample != nil && with.Counterexample.MayDerive
			if fired != c.shortcut {
				t.Fatalf("shortcut decided: %v, want %v", fired, c.shortcut)
			}
			// From -1 the first output is the impossible one, so the
			// search fails on it too; from 1 the search fails earlier, on
			// done(1, 1) late, the shortcut on done(3, 3).
			if c.name == "from-minus-one" && with.Counterexample.Offense.Fact.String() != without.Counterexample.Offense.Fact.String() {
				t.Fatalf("offending output %s by the shortcut, %s by the search", with.Counterexample.Offense.Fact, without.Counterexample.Offense.Fact)
			}
		})
	}
}

// TestMayDerivePaxosSlotMutant: the mutant r68/arith1-- of comppaxos
// (nextSlot(k) :+ becomeLeader(), recMax(m), k = m - 1) under a crash of
// the leader at 7 accepts and chooses values at slot -1; the search alone
// cannot exhaust the original's runs with a crashed leader (Unknown,
// docs/CHECKING.md), the may-derive analysis proves slots >= 0.
func TestMayDerivePaxosSlotMutant(t *testing.T) {
	src, err := os.ReadFile("../corpus/paxos/comppaxos.ded")
	if err != nil {
		t.Fatal(err)
	}
	const rule = "nextSlot(k) :+ becomeLeader(), recMax(m), k = m + 1."
	if !strings.Contains(string(src), rule) {
		t.Fatalf("comppaxos.ded has no rule %q", rule)
	}
	mut := loadText(t, "mutant.ded", strings.Replace(string(src), rule, strings.Replace(rule, "m + 1", "m - 1", 1), 1))
	fp, err := sim.ParseFaultPlan("crash proposer[0] at=7")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(load(t, "corpus/paxos/base.ded"), mut, Options{Runs: 5, Spec: sim.Spec{Faults: fp, Limits: sim.Limits{MaxTime: 100}}, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	cx := rep.Counterexample
	if rep.Verdict != NotEquivalent || cx == nil || !cx.MayDerive {
		t.Fatalf("verdict %s, want NotEquivalent by the may-derive analysis\n%s", rep.Verdict, rep.Text(SavedFiles{}))
	}
	// The first impossible output is an acceptor's acceptedSlot(a, -1,
	// ..) or the proposer's chosen(id, -1, ..): slot -1 either way.
	f := cx.Offense.Fact
	if (f.Rel != "chosen" && f.Rel != "acceptedSlot") || f.Tuple[1].I != -1 || !strings.Contains(cx.Offense.Explanation, "column 2 of "+f.Rel+" is always >= 0 in the original") {
		t.Fatalf("offence %s: %s", cx.Offense.Fact, cx.Offense.Explanation)
	}
}

// BenchmarkMayDerive: the analysis of the original on one run's inputs
// (3 requests), as the check runs it before each search.
func BenchmarkMayDerive(b *testing.B) {
	for _, name := range []string{"corpus/paxos/base.ded", "corpus/2pc/base.ded"} {
		b.Run(strings.TrimSuffix(strings.TrimPrefix(name, "corpus/"), ".ded"), func(b *testing.B) {
			p := load(b, name)
			opts := Options{Spec: sim.Spec{Open: 3}}.withDefaults()
			cfg, err := opts.Spec.RunConfig(p, 0)
			if err != nil {
				b.Fatal(err)
			}
			res, err := sim.Run(p, cfg)
			if err != nil {
				b.Fatal(err)
			}
			var in []value.Fact
			for _, e := range res.History.Inputs {
				in = append(in, e.Fact)
			}
			lim := cfg.Limits.WithDefaults()
			bounds := reach.Bounds{MaxTime: lim.MaxTime, MaxTicks: int64(lim.MaxTicks), MaxFacts: int64(lim.MaxFacts), MaxMessages: int64(lim.MaxMessages)}
			passes := 0 // rule evaluations
			b.ResetTimer()
			for b.Loop() {
				a, err := reach.Analyse(p, in, bounds)
				if err != nil {
					b.Fatal(err)
				}
				passes = a.Evaluations
			}
			b.ReportMetric(float64(passes), "evals")
			b.ReportMetric(float64(len(p.Rules)), "rules")
		})
	}
}
