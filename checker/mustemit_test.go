package checker

import (
	"os"
	"strings"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
	"testing"
	"time"
)

// TestMustEmit2PCNoAbortReply: the scalable 2PC without its abort reply
// never answers an aborted request; with 3 requests the full search does
// not finish (docs/PERFORMANCE.md), the must-emit shortcut decides it from
// one run of the original.
func TestMustEmit2PCNoAbortReply(t *testing.T) {
	o := load(t, "corpus/2pc/base.ded")
	r := loadFile(t, "testdata/mustemit/2pc-scalable-no-abort-reply.ded")
	start := time.Now()
	rep, err := Check(o, r, Options{Runs: 20, Spec: sim.Spec{Open: 3}, NoShrink: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %s", rep.Verdict, time.Since(start))
	if rep.Verdict != NotEquivalent {
		t.Fatalf("verdict %s, want NotEquivalent", rep.Verdict)
	}
	bad := rep.Runs[len(rep.Runs)-1]
	if !bad.MustEmit || bad.Offense == nil || bad.Offense.Kind != "unexpected" || bad.Offense.Fact.Rel != "outcome" || !strings.Contains(bad.Offense.Explanation, "every run of the original emits") {
		t.Fatalf("offense %+v", bad.Offense)
	}
	t.Log(bad.Offense.Explanation)
}

// TestMustEmit2PCFullSearch (-long) is the before figure: the same check
// without the shortcut, bounded by a 120 s timeout per run.
func TestMustEmit2PCFullSearch(t *testing.T) {
	if !*long {
		t.Skip("-long")
	}
	o := load(t, "corpus/2pc/base.ded")
	r := loadFile(t, "testdata/mustemit/2pc-scalable-no-abort-reply.ded")
	start := time.Now()
	rep, err := Check(o, r, Options{Runs: 20, Spec: sim.Spec{Open: 3}, NoShrink: true, NoMustEmit: true, Timeout: 120 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Runs[len(rep.Runs)-1]
	t.Logf("without the shortcut: %s in %s (run %d: %s %s, %d states)", rep.Verdict, time.Since(start), last.Index, last.Verdict, last.Bound, last.States)
}

// Small originals for the agreement test. relay and logged are monotone
// for their output (mustDerive holds); race is not: its reply joins the
// client's request with a persisted relation that a message fills, so
// whether a request is answered depends on the schedule.
const relayOriginal = `
.decl toReplica(id: int, payload: int)
.decl ack(src: addr, id: int, payload: int)
component leader {
  .input request(id: int, payload: int)
  .output reply(id: int, payload: int)
  toReplica@r(id, payload) :~ request(id, payload), replica(r).
  reply(id, payload) :- ack(_, id, payload).
}
component replica[2] {
  ack@l(src, id, payload) :~ toReplica(id, payload), leader(l), self(src).
}`

const loggedOriginal = `
.decl toReplica(id: int, payload: int)
.decl ack(src: addr, id: int)
component leader {
  .input request(id: int, payload: int)
  .output reply(id: int, payload: int)
  reqs(id, payload) :- request(id, payload).
  .persist reqs
  toReplica@r(id, payload) :~ request(id, payload), replica(r).
  acked(id) :- ack(_, id).
  .persist acked
  reply(id, payload) :- reqs(id, payload), acked(id), !replied(id, payload).
  replied(id, payload) :+ reqs(id, payload), acked(id).
  .persist replied
}
component replica[2] {
  ack@l(src, id) :~ toReplica(id, payload), leader(l), self(src).
}`

const raceOriginal = `
.decl ping(id: int)
.decl pong(id: int)
component leader {
  .input request(id: int, payload: int)
  .output reply(id: int, payload: int)
  ping@r(id) :~ request(id, _), replica(r).
  ready(x) :- pong(x).
  .persist ready
  reply(id, payload) :- request(id, payload), ready(_).
}
component replica[1] {
  pong@l(id) :~ ping(id), leader(l).
}`

// TestMustDeriveAnalysis: which outputs the analysis proves every run
// derives.
func TestMustDeriveAnalysis(t *testing.T) {
	reply := func(src string) bool {
		p := loadText(t, "p.ded", src)
		ok, why := mustDerive(p, value.Fact{Rel: "reply", Tuple: value.Tuple{value.Int(1), value.Int(2)}})
		t.Log(ok, why)
		return ok
	}
	if !reply(relayOriginal) || !reply(loggedOriginal) {
		t.Error("relay and logged: reply should be must-derive")
	}
	if reply(raceOriginal) {
		t.Error("race: reply depends on the schedule; mustDerive must refuse it")
	}
	// The edge trigger must match the log's body exactly.
	if reply(strings.Replace(loggedOriginal, "replied(id, payload) :+ reqs(id, payload), acked(id).", "replied(id, payload) :+ reqs(id, payload).", 1)) {
		t.Error("logged with a log that is not the reply's body: must refuse")
	}
	base := load(t, "corpus/2pc/base.ded")
	for _, c := range []struct {
		d    string
		want bool
	}{{"abort", true}, {"commit", false}} {
		ok, why := mustDerive(base, value.Fact{Rel: "outcome", Tuple: value.Tuple{value.Int(1), value.Str(c.d)}})
		if ok != c.want {
			t.Errorf("2pc outcome %s: %v (%s), want %v", c.d, ok, why, c.want)
		}
	}
	for _, f := range []string{"corpus/voting/base.ded", "corpus/micro/mutually-independent/before.ded"} {
		if ok, _ := mustDerive(load(t, f), value.Fact{Rel: "reply", Tuple: value.Tuple{value.Int(1), value.Int(2)}}); ok {
			t.Errorf("%s: reply counts votes or acks with an equality test; mustDerive must refuse it", f)
		}
	}
}

// TestMustEmitAgreesWithSearch: with and without the shortcut, the same
// verdict, on monotone originals with a correct rewrite (the program
// itself) and answer-dropping ones, and on originals the shortcut does not
// apply to; where it applies it must be what decided.
func TestMustEmitAgreesWithSearch(t *testing.T) {
	drop := func(src, rule, with string) string {
		if !strings.Contains(src, rule) {
			t.Fatalf("no rule %q", rule)
		}
		return strings.Replace(src, rule, with, 1)
	}
	relayReply := "reply(id, payload) :- ack(_, id, payload)."
	loggedReply := "reply(id, payload) :- reqs(id, payload), acked(id), !replied(id, payload)."
	raceReply := "reply(id, payload) :- request(id, payload), ready(_)."
	voting, _ := corpus.Open("corpus/voting/base.ded")
	twoPC, _ := corpus.Open("corpus/2pc/base.ded")
	noAbortReply, err := os.ReadFile("testdata/mustemit/2pc-scalable-no-abort-reply.ded")
	if err != nil {
		t.Fatal(err)
	}
	votingReply := "reply(id, payload) :- allVoted(id, payload), !replied(id, _)."
	cases := []struct {
		name, orig, rew string
		requests        int
		shortcut        bool // the shortcut must decide
	}{
		{"relay/same", relayOriginal, relayOriginal, 3, false},
		{"relay/no-reply", relayOriginal, drop(relayOriginal, relayReply, ""), 3, true},
		{"relay/odd-ids-unanswered", relayOriginal, drop(relayOriginal, relayReply, "reply(id, payload) :- ack(_, id, payload), (id % 2 == 0)."), 2, true},
		{"logged/same", loggedOriginal, loggedOriginal, 3, false},
		{"logged/no-reply", loggedOriginal, drop(loggedOriginal, loggedReply, ""), 2, true},
		{"race/same", raceOriginal, raceOriginal, 3, false},
		{"race/no-reply", raceOriginal, drop(raceOriginal, raceReply, ""), 3, false},
		{"voting/no-reply", string(voting), drop(string(voting), votingReply, ""), 1, false},
		// With 1 request the full search finishes (about 4 s).
		{"2pc/no-abort-reply", string(twoPC), string(noAbortReply), 1, true},
	}
	// race/no-reply is Equivalent (a run of the original that holds the
	// pong back answers nothing), yet its run with every delay 1 answers:
	// without the analysis the shortcut would call it NotEquivalent.
	eager, err := sim.Run(loadText(t, "race.ded", raceOriginal), sim.Config{
		Workload: sim.Workload{{Time: 1, Node: value.Addr{Comp: "leader"}, Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(1)}}},
			{Time: 5, Node: value.Addr{Comp: "leader"}, Fact: value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(2), value.Int(2)}}}},
		Delay: &sim.Distribution{Kind: sim.DelayUniform, Max: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(eager.History.Outputs) == 0 {
		t.Fatal("race: the run with every delay 1 should answer the second request")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, r := loadText(t, "orig.ded", c.orig), loadText(t, "rew.ded", c.rew)
			opts := Options{Runs: 8, Spec: sim.Spec{Open: c.requests}, NoShrink: true}
			with, err := Check(o, r, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.NoMustEmit = true
			without, err := Check(o, r, opts)
			if err != nil {
				t.Fatal(err)
			}
			if with.Verdict != without.Verdict {
				t.Fatalf("with the shortcut %s, without %s", with.Verdict, without.Verdict)
			}
			fired := false
			for _, run := range with.Runs {
				if run.MustEmit && run.Offense != nil && strings.Contains(run.Offense.Explanation, "which every run of the original emits") {
					fired = true
				}
			}
			if fired != c.shortcut {
				t.Fatalf("shortcut decided: %v, want %v (verdict %s)", fired, c.shortcut, with.Verdict)
			}
			if c.shortcut && with.Verdict != NotEquivalent {
				t.Fatalf("verdict %s", with.Verdict)
			}
			t.Logf("%s (shortcut %v)", with.Verdict, fired)
		})
	}
}
