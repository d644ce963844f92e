package corpus_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// appcSchedule is the smallest run of CompPaxos with App. C's anomaly we
// know (docs/CORPUS.md, "comppaxos"): proposer 1's phase 1 reads slot 1's
// write and not slot 0's, every delay at most 2, both outputs delivered
// by 19. appcRun builds it; TestCompPaxosAppCSchedule keeps the file equal
// to what appcRun records (go test ./corpus -run AppCSchedule -rewrite).
const appcSchedule = "testdata/comppaxos-appc.schedule"

// appcSlow lists the messages of the App. C run that take 2 time units
// (send time, sender, receiver, relation); every other message takes 1,
// except proposer 0's heartbeats to proposer 1 up to time 9, which are
// lost. Slot 0's p2a (sent at 11) reaches each group-0 partition in the
// tick the new ballot's p1a does (sent at 12), so all three reject it;
// slot 1's (sent at 12) reaches acceptor 1's slot-1 partition (instance 4)
// a tick before its p1a, so that partition accepts it and reports it;
// instance 3's p1b is slow so that proposer 1's group-1 quorum is made of
// instances 4 and 5, not 3 and 5.
var appcSlow = map[string]bool{
	"11 proposer[0] acceptor[0] p2a": true,
	"11 proposer[0] acceptor[1] p2a": true,
	"11 proposer[0] acceptor[2] p2a": true,
	"12 proposer[0] acceptor[3] p2a": true,
	"12 proposer[0] acceptor[5] p2a": true,
	"12 proposer[1] acceptor[4] p1a": true,
	"13 acceptor[3] proposer[1] p1b": true,
}

// appcRun runs comppaxos.ded with request(1, 1) at 11 and request(2, 2) at
// 12, both at proposer 0, under `omission proposer[1] p=1 until=9` (the
// heartbeats that would keep proposer 1 from timing out at 12 are lost),
// uniform:2 delays as appcSlow says and a horizon of 20.
func appcRun(t *testing.T) *sim.Result {
	t.Helper()
	w, err := sim.ParseWorkload("appc", "@11 request(1, 1) -> proposer[0]\n@12 request(2, 2) -> proposer[0]\n")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sim.ParseFaultPlan("omission proposer[1] p=1 until=9")
	if err != nil {
		t.Fatal(err)
	}
	d, err := sim.ParseDistribution("uniform:2")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config{Seed: 13, Workload: w, Faults: plan, Delay: &d, Limits: sim.Limits{MaxTime: 20}}
	cfg.Decide = func(c *sim.Choice) error {
		switch c.Kind {
		case sim.ChoiceSend:
			if c.Fact.Rel == "heartbeat" && c.To.String() == "proposer[1]" && c.Time <= 9 {
				c.Drop = true
				return nil
			}
			c.Delay = 1
			if appcSlow[strconv.FormatInt(c.Time, 10)+" "+c.From.String()+" "+c.To.String()+" "+c.Fact.Rel] {
				c.Delay = 2
			}
			return nil
		case sim.ChoiceOutput:
			c.Delay = 1
			return nil
		}
		return fmt.Errorf("the App. C run makes no %s choice", c.Kind)
	}
	res, err := sim.Run(loadProgram(t, "paxos/comppaxos.ded"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCompPaxosAppCSchedule(t *testing.T) {
	golden.Check(t, appcSchedule, []byte(appcRun(t).Schedule.String()))
}

func loadSchedule(t *testing.T, path string) *sim.Schedule {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.ParseSchedule(path, string(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// appcBounds are the search bounds under which the check decides the App.
// C run (docs/CORPUS.md, "comppaxos"): every message of the original
// delayed 1..2 (plus the guides' delays), no escalation. With the default
// escalation (delays up to the horizon) the search does not finish within
// its budget; the hand argument there says no delay explains the run.
var appcBounds = checker.Options{NoShrink: true, MaxDelay: 2, MaxEscalatedDelay: -1, MaxStates: 100000}

// TestCompPaxosAppCAnomaly: proposer 1 starts ballot (1, 1) at time 12
// while proposer 0 still leads ballot (1, 0) and has just proposed request
// 1 in slot 0 (group 0, at 11) and request 2 in slot 1 (group 1, at 12).
// Every group-0 partition promises the new ballot before slot 0's p2a
// arrives and rejects it; acceptor 1's slot-1 partition accepts slot 1 the
// tick before its promise. Proposer 1's phase 1 therefore reads slot 1's
// write without slot 0's: it fills slot 0 with a no-op, re-proposes request
// 2 in slot 1 and puts request 1 in slot 2, chosen(1, 2, 1) at 19. The
// observable shows why no single acceptor can do this: acceptor 1 outputs
// promisedBallot(acceptor[1], 1, 1) (its slot-0 partition, at 13) and
// acceptedSlot(acceptor[1], 1, 1, 0) (its slot-1 partition, in the same
// tick), and base.ded's acceptor 1 would have to accept slot 1's p2a (sent
// at 12, so arriving at 13 at the earliest) at ballot (1, 0) and promise
// (1, 1) by 13. The check is NotEquivalent, exhaustive within appcBounds,
// with that acceptance as the offence.
func TestCompPaxosAppCAnomaly(t *testing.T) {
	orig, rew := loadProgram(t, "paxos/base.ded"), loadProgram(t, "paxos/comppaxos.ded")
	sched := loadSchedule(t, appcSchedule)
	res, err := sim.Replay(rew, sched)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, e := range res.Trace.Events {
		if e.Kind == sim.EvSend {
			sent[e.Node.String()+" "+e.Fact.String()] = true
		}
	}
	for _, want := range []string{
		// every group-0 partition rejects slot 0's p2a at (1, 0) ...
		"acceptor[0] p2b(acceptor[0], 1, 0, 0, 1, 1, 1, 1, 4606949854005594402)",
		"acceptor[1] p2b(acceptor[1], 1, 0, 0, 1, 1, 1, 1, 4606949854005594402)",
		"acceptor[2] p2b(acceptor[2], 1, 0, 0, 1, 1, 1, 1, 4606949854005594402)",
		// ... while acceptor 1's slot-1 partition accepts slot 1 at (1, 0)
		"acceptor[4] p2b(acceptor[4], 1, 0, 1, 1, 0, 2, 2, 4901396624187918459)",
		// and reports it to ballot (1, 1),
		"acceptor[4] p1bLog(acceptor[4], 1, 1, 1, 1, 0, 2, 2, 4901396624187918459)",
		// so the new leader proposes a no-op in slot 0 and request 1 in slot 2.
		"proposer[1] p2a(1, 1, 0, 0, 0, 0)",
		"proposer[1] p2a(1, 1, 2, 1, 1, 4606949854005594402)",
	} {
		if !sent[want] {
			t.Errorf("the run does not send %s", want)
		}
	}
	if got := outputsOf(res, "chosen"); got != "chosen(2, 1, 2)@18 chosen(1, 2, 1)@19" {
		t.Errorf("outputs %s, want chosen(2, 1, 2)@18 chosen(1, 2, 1)@19", got)
	}
	// Acceptor 1's partitions (instances 1 and 4; the check maps both to
	// acceptor[1]) at two ballots at once, in one tick.
	for _, want := range []string{"promisedBallot(acceptor[1], 1, 1)@14", "acceptedSlot(acceptor[4], 1, 1, 0)@14"} {
		if !strings.Contains(outputsOf(res, "promisedBallot", "acceptedSlot"), want) {
			t.Errorf("the run does not output %s: %s", want, outputsOf(res, "promisedBallot", "acceptedSlot"))
		}
	}
	rep, err := checker.CheckSchedule(orig, rew, sched, appcBounds)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != checker.NotEquivalent || r.Offense == nil || r.Offense.Kind+" "+r.Offense.Fact.String() != "late acceptedSlot(acceptor[1], 1, 1, 0)" {
		t.Fatalf("want NotEquivalent on late acceptedSlot(acceptor[1], 1, 1, 0):\n%s", rep.Text(checker.SavedFiles{}))
	}
}

// outputsOf lists the run's outputs of the given relations as FACT@TIME,
// in delivery order.
func outputsOf(res *sim.Result, rels ...string) string {
	var outs []string
	for _, o := range res.History.Outputs {
		for _, rel := range rels {
			if o.Fact.Rel == rel {
				outs = append(outs, fmt.Sprintf("%s@%d", o.Fact, o.Time))
			}
		}
	}
	return strings.Join(outs, " ")
}

// appcScalableSchedule is a run of ScalablePaxos with App. C's pattern in
// its outputs: `dsim run corpus/paxos/scalable.ded --seed 50 --workload W
// --delay uniform:2 --max-time 30 --faults 'omission proposer[1] p=1
// until=9'`, W the workload of appcRun (the first such seed of 1..400).
const appcScalableSchedule = "testdata/comppaxos-appc-scalable.schedule"

// TestScalablePaxosShowsTheAppCPattern: the correct ScalablePaxos, every
// delay at most 2, also ends with a new leader that read slot 1's write
// without slot 0's: its p2a proxy adds a hop, so slot 0's p2a (sent at
// 11) reaches the acceptors after slot 1's (sent at 12). Its chosen
// outputs alone look like the CompPaxos run's, but its acceptors never
// accept below a promise they announced (every partition votes, and
// freezes its p2a's, before the coordinator commits a ballot), so base.ded
// explains it — with the default flags and under the same appcBounds that
// reject comppaxos. The witness delays a p2a past 2 (a guided delay): the
// bounds separate the two runs by the observable, not by the delays.
func TestScalablePaxosShowsTheAppCPattern(t *testing.T) {
	orig, rew := loadProgram(t, "paxos/base.ded"), loadProgram(t, "paxos/scalable.ded")
	sched := loadSchedule(t, appcScalableSchedule)
	res, err := sim.Replay(rew, sched)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	longest := int64(0)
	for _, e := range res.Trace.Events {
		if e.Kind == sim.EvSend {
			sent[e.Node.String()+" "+e.Fact.String()] = true
		}
	}
	for _, c := range sched.Choices {
		var d int64
		if _, err := fmt.Sscanf(c.Decision, "delay %d", &d); err == nil && d > longest {
			longest = d
		}
	}
	if longest > 2 {
		t.Errorf("the ScalablePaxos run has a delay of %d, above 2", longest)
	}
	for _, want := range []string{
		"proposer[1] p2aOut(1, 1, 0, 0, 0, 0)",
		"proposer[1] p2aOut(1, 1, 1, 2, 2, 4901396624187918459)",
		"proposer[1] p2aOut(1, 1, 2, 1, 1, 4606949854005594402)",
	} {
		if !sent[want] {
			t.Errorf("the run does not send %s", want)
		}
	}
	if got := outputsOf(res, "chosen"); got != "chosen(1, 2, 1)@29 chosen(2, 1, 2)@29" && got != "chosen(2, 1, 2)@29 chosen(1, 2, 1)@29" {
		t.Errorf("outputs %s, want chosen(1, 2, 1) and chosen(2, 1, 2) at 29", got)
	}
	if d := witnessP2aDelay(t, orig, rew, sched, checker.Options{NoShrink: true}); d <= 2 {
		t.Errorf("the witness's longest p2a delay is %d; the pattern needs one above 2", d)
	}
	witnessP2aDelay(t, orig, rew, sched, appcBounds)
}

// witnessP2aDelay checks a schedule of the rewrite with opts, requires a
// replayed witness, and returns the longest delay the witness gives a p2a.
func witnessP2aDelay(t *testing.T, orig, rew *analysis.Program, sched *sim.Schedule, opts checker.Options) int {
	t.Helper()
	rep, err := checker.CheckSchedule(orig, rew, sched, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Runs[0]
	if r.Verdict != checker.Equivalent || r.Witness == nil {
		t.Fatalf("max-delay %d: %s", opts.MaxDelay, rep.Text(checker.SavedFiles{}))
	}
	longest := 0
	for _, p := range r.Witness.Choices {
		var d int
		if strings.HasPrefix(p.Key, "send ") && strings.Contains(p.Key, " p2a(") && strings.HasPrefix(p.Decision, "delay ") {
			if _, err := fmt.Sscanf(p.Decision, "delay %d", &d); err == nil && d > longest {
				longest = d
			}
		}
	}
	return longest
}
