package checker

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// tickPair loads TestTickResponseGuide's pair and recorded run: a
// coordinator that holds five bumps and forwards them highest first, so
// that the partition applies bump(1)..bump(4) after bump(5) and answers
// each with promise 5, though the coordinator received them first.
func tickPair(t *testing.T) (orig, rew *analysis.Program, sched *sim.Schedule) {
	t.Helper()
	orig, rew = loadAny(t, "checker/testdata/guide-tick-before.ded"), loadAny(t, "checker/testdata/guide-tick-after.ded")
	text, err := os.ReadFile("testdata/guide-tick.schedule")
	if err != nil {
		t.Fatal(err)
	}
	sched, err = sim.ParseSchedule("testdata/guide-tick.schedule", string(text))
	if err != nil {
		t.Fatal(err)
	}
	return orig, rew, sched
}

// TestTickResponseGuide: the original's acceptor must receive bump(1)..
// bump(4) no earlier than bump(5) (else it promises them and answers with
// them, and the rewrite answered each with 5), i.e. 3 to 7 units after
// their send, and the reply's arrival pins nothing earlier. The in-tick
// response guide delivers each bump when the partition derived cand(n)
// from the forwarded bump (a fact no tick carries: the promise stays 5),
// and its run is the witness. Without it no guided run explains the run,
// and the search does not within its bounds (docs/CHECKING.md: with the
// default 20,000 states per pass, Unknown after 75,960 states; here a
// smaller bound keeps the test quick).
func TestTickResponseGuide(t *testing.T) {
	orig, rew, sched := tickPair(t)
	check := func(opts Options) *RunReport {
		t.Helper()
		opts.NoShrink = true
		rep, err := CheckSchedule(orig, rew, sched, opts)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Runs[0]
	}
	r := check(Options{})
	if r.Verdict != Equivalent || r.Stage != StageRefinementMap || r.Witness == nil {
		t.Fatalf("want Equivalent by a guided run, got %s (%q, %d states)", r.Verdict, r.Found, r.States)
	}
	if r.States > 10 {
		t.Errorf("the guided run took %d states, want at most 10", r.States)
	}
	if r.Guide != "in-tick response guide" {
		t.Errorf("the witness is credited to %q, want the in-tick response guide", r.Guide)
	}
	arrival := map[string]int64{}
	for _, line := range strings.Split(r.Witness.String(), "\n") {
		var id, from, arrow, to, fact, eq, word string
		var at, delay int64
		if _, err := fmt.Sscanf(line, "choice send %s @%d %s %s %s %s %s %s %d", &id, &at, &from, &arrow, &to, &fact, &eq, &word, &delay); err != nil || word != "delay" {
			continue
		}
		if strings.HasPrefix(fact, "bump(") {
			arrival[fact] = at + delay
		}
	}
	top, ok := arrival["bump(5)"]
	if !ok || len(arrival) != 5 {
		t.Fatalf("the witness delivers %v, want bump(1)..bump(5):\n%s", arrival, r.Witness)
	}
	for i := 1; i <= 4; i++ {
		if b := fmt.Sprintf("bump(%d)", i); arrival[b] < top {
			t.Errorf("the witness delivers %s at %d, before bump(5) at %d", b, arrival[b], top)
		}
	}
	off := check(Options{NoTickGuide: true, MaxStates: 300})
	if off.Verdict != Unknown {
		t.Errorf("without the in-tick guide: %s (%q, %d states), want Unknown at 300 states per pass", off.Verdict, off.Found, off.States)
	}
}

// TestTickActedCountsDerivations: the index counts a fact at the tick a
// piece derives it, not at the ticks it keeps deriving it from its own
// state: cand(5) once (the partition then derives it every tick from its
// promise), cand(1) at the tick fwdBump(1) arrived.
func TestTickActedCountsDerivations(t *testing.T) {
	orig, rew, sched := tickPair(t)
	m, err := newRefinementMap(orig, rew)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sched.Config()
	res, err := runRewritten(m, Options{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := newTarget(m, res, cfg.Faults, cfg.Limits.WithDefaults().MaxTime)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	for _, a := range tgt.tickActed()["acc[0]>cand"] {
		got[a.tuple.String()] = append(got[a.tuple.String()], a.time)
	}
	if len(got["(5)"]) != 1 {
		t.Errorf("cand(5) counted at %v, want once", got["(5)"])
	}
	// fwdBump(1) is the schedule's m20, sent at 11 with delay 2.
	if ts := got["(1)"]; len(ts) != 1 || ts[0] != 13 {
		t.Errorf("cand(1) counted at %v, want [13]", ts)
	}
}
