package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Benchmarks of ticks that start from carried state, the way the
// simulator, the checker and realnet tick.

// seqVotesSrc: a leader that persists every vote it receives and answers
// a transaction once it has three; seqVotesGCSrc drops a transaction's
// votes once it is decided (the paper's garbage-collection idiom).
const seqVotesSrc = `.input vote(tx: int, voter: int)
.output decided(tx: int)
.decl votes(tx: int, voter: int)
votes(t, v) :- vote(t, v).
.persist votes
nvotes(t, count(v)) :- votes(t, v).
decided(t) :- nvotes(t, n), (n >= 3).`

const seqVotesGCSrc = `.input vote(tx: int, voter: int)
.output decided(tx: int)
.decl votes(tx: int, voter: int)
votes(t, v) :- vote(t, v).
nvotes(t, count(v)) :- votes(t, v).
decided(t) :- nvotes(t, n), (n >= 3).
votes(t, v) :+ votes(t, v), !decided(t).`

// seqDelivery is what tick i (from 1) of the vote sequence delivers: one
// vote, three per transaction.
func seqDelivery(i int) []value.Fact {
	return []value.Fact{fact("vote", (i-1)/3, (i-1)%3)}
}

// leaderDelivery is what tick i (from 1) of the voting leader's sequence
// (corpus/voting/base.ded) delivers: request i, and the three
// participants' votes on request i-1, as realnet's pipelined clients
// keep the leader busy; every request is answered and remembered
// (replied), every vote persisted.
func leaderDelivery(i int) []value.Fact {
	part := func(k int) value.Addr { return value.Addr{Comp: "participant", Instance: k} }
	in := []value.Fact{fact("request", i, 10+i)}
	if i > 1 {
		for k := range 3 {
			in = append(in, fact("vote", part(k), i-1, 9+i))
		}
	}
	return in
}

// statesBefore ticks a sequence (node, deliveries) and returns the
// States carried into ticks at[0], at[1], ... (ascending).
// wideLeaderDelivery is what tick i of the voting leader gets when 64
// clients keep it busy, as realnet's leader does (8 requests and the
// participants' 24 votes on the previous tick's 8 a tick): at tick
// 6,000 it holds ~48,000 requests' votes, as realnet's leader does after
// a few seconds.
func wideLeaderDelivery(i int) []value.Fact {
	part := func(k int) value.Addr { return value.Addr{Comp: "participant", Instance: k} }
	var in []value.Fact
	for j := range 8 {
		id := 8*i + j
		in = append(in, fact("request", id, 10+id))
		if i > 1 {
			for k := range 3 {
				in = append(in, fact("vote", part(k), id-8, 2+id))
			}
		}
	}
	return in
}

func statesBefore(tb testing.TB, ev *Evaluator, node Node, deliver func(int) []value.Fact, at ...int) []*State {
	var st *State
	out := make([]*State, 0, len(at))
	for i := 1; len(out) < len(at); i++ {
		if i == at[len(out)] {
			out = append(out, st)
		}
		res, err := ev.Tick(node, Input{State: st, Delivered: deliver(i)}, nil, Limits{})
		if err != nil {
			tb.Fatal(err)
		}
		st = res.State
	}
	return out
}

// BenchmarkTickSequence times tick 100 and tick 10,000 of a node that
// counts votes, persisting all of them or collecting decided ones, and
// of the voting leader of the corpus (voting-leader-3000: ticks 100 and
// 3,000, when it holds ~9,000 votes and ~3,000 replies; its sequence
// costs too much to set up to 10,000 on every run), each tick starting from the
// State the sequence carried into it. ns/tick100 and ns/tick10000 are
// the two ticks' costs; ratio is their quotient (1 when a tick costs
// what changed, not what the node has stored).
func BenchmarkTickSequence(b *testing.B) {
	leader, err := os.ReadFile("../../corpus/voting/base.ded")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, src string
		node      Node
		deliver   func(int) []value.Fact
		last      int // the later tick timed (reported as tick10000)
	}{
		{"persist-all", seqVotesSrc, node0("main"), seqDelivery, 10_000},
		{"gc", seqVotesGCSrc, node0("main"), seqDelivery, 10_000},
		{"voting-leader-3000", string(leader), node0("leader"), leaderDelivery, 3_000},
	} {
		b.Run(c.name, func(b *testing.B) {
			ev, err := Compile(load(b, c.src))
			if err != nil {
				b.Fatal(err)
			}
			at := []int{100, c.last}
			sts := statesBefore(b, ev, c.node, c.deliver, at...)
			var spent, cpu [2]time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for k, st := range sts {
					t0, c0 := time.Now(), cpuTime()
					if _, err := ev.Tick(c.node, Input{State: st, Delivered: c.deliver(at[k])}, nil, Limits{}); err != nil {
						b.Fatal(err)
					}
					spent[k] += time.Since(t0)
					cpu[k] += cpuTime() - c0
				}
			}
			b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "ns/tick100")
			b.ReportMetric(float64(spent[1].Nanoseconds())/float64(b.N), "ns/tick10000")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "ratio")
			b.ReportMetric(float64(cpu[0].Nanoseconds())/float64(b.N), "cpu-ns/tick100")
			b.ReportMetric(float64(cpu[1].Nanoseconds())/float64(b.N), "cpu-ns/tick10000")
		})
	}
}

// BenchmarkTickSequenceNext continues the sequences of
// BenchmarkTickSequence from the States carried into tick 100 and the
// last timed tick, one tick per iteration, every State ticked once (as a
// node ticks; BenchmarkTickSequence ticks one State again and again, as
// the checker's snapshots do). cpu-ns/tick is the mean CPU cost of
// ticks at..at+N-1. A node's tick may append to its relations in place
// (rowtip.go), which only the first tick from a State can.
// voting-leader-wide is the leader at realnet's load (wideLeaderDelivery):
// its State grows as fast as realnet's leader's, though every tick brings
// both requests and votes (realnet's often bring one kind only, the case
// TestRoomSurvivesQuietTicks covers).
func BenchmarkTickSequenceNext(b *testing.B) {
	leader, err := os.ReadFile("../../corpus/voting/base.ded")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, src string
		node      Node
		deliver   func(int) []value.Fact
		last      int
	}{
		{"persist-all", seqVotesSrc, node0("main"), seqDelivery, 10_000},
		{"gc", seqVotesGCSrc, node0("main"), seqDelivery, 10_000},
		{"voting-leader", string(leader), node0("leader"), leaderDelivery, 3_000},
		{"voting-leader-wide", string(leader), node0("leader"), wideLeaderDelivery, 6_000},
	} {
		ev, err := Compile(load(b, c.src))
		if err != nil {
			b.Fatal(err)
		}
		for _, at := range []int{100, c.last} {
			var st *State // built on the first run, for the later ones
			b.Run(fmt.Sprintf("%s/%d", c.name, at), func(b *testing.B) {
				if st == nil {
					st = statesBefore(b, ev, c.node, c.deliver, at)[0]
				}
				cur := st
				var cpu time.Duration
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					c0 := cpuTime()
					res, err := ev.Tick(c.node, Input{State: cur, Delivered: c.deliver(at + i)}, nil, Limits{})
					if err != nil {
						b.Fatal(err)
					}
					cpu += cpuTime() - c0
					cur = res.State
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/tick")
			})
		}
	}
}

// BenchmarkTickFromState runs the cases of BenchmarkTick that carry
// facts, starting from a State of the program (as the simulator does)
// instead of a FactSet.
func BenchmarkTickFromState(b *testing.B) {
	for _, c := range []benchCase{quorumCase(b, 10_000), collisionCase(b, 10_000), twoPCCase(b), votingLeaderCase(b, 10_000)} {
		b.Run(c.name, func(b *testing.B) { runStateBench(b, c) })
	}
}

// votingLeaderCase is the leader of corpus/voting/base.ded after serving
// requests/3 requests: every vote persisted (three per request, all
// answered), receiving the first vote on a new request. Its numVotes
// (`count(src)` first in the head) is over all the persisted votes.
func votingLeaderCase(tb testing.TB, votes int) benchCase {
	src, err := os.ReadFile("../../corpus/voting/base.ded")
	if err != nil {
		tb.Fatal(err)
	}
	part := func(i int) value.Addr { return value.Addr{Comp: "participant", Instance: i} }
	in := Input{Carried: FactSet{}}
	id := 0
	for ; len(in.Carried["votes"]) < votes; id++ {
		for i := range 3 {
			in.Carried["votes"] = append(in.Carried["votes"], fact("votes", part(i), id, 10+id).Tuple)
		}
		in.Carried["replied"] = append(in.Carried["replied"], fact("replied", id, 10+id).Tuple)
	}
	in.Carried = Normalize(in.Carried)
	in.Delivered = []value.Fact{fact("vote", part(0), id, 10+id)}
	return benchCase{name: fmt.Sprintf("voting-leader-%d", votes), prog: load(tb, string(src)), node: node0("leader"), in: in}
}

func runStateBench(b *testing.B, c benchCase) {
	ev, err := Compile(c.prog)
	if err != nil {
		b.Fatal(err)
	}
	st, err := ev.NewState(c.in.Carried)
	if err != nil {
		b.Fatal(err)
	}
	in := Input{State: st, Delivered: c.in.Delivered}
	runBench(b, c, func(*analysis.Program, Node, Input, Choices, Limits) (*Result, error) {
		return ev.Tick(c.node, in, nil, Limits{})
	})
}
