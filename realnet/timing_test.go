package realnet

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestStatsTimeTheHops checks the node's latency accounting (Stats'
// InboxWait, TickTime, Writes): a stand-in tick takes 20 ms and answers
// each request; a second request sent while the first tick runs must be
// counted as waiting in the inbox for most of that tick, both ticks'
// time must be counted, and the registration and both answers must be
// counted as writes.
func TestStatsTimeTheHops(t *testing.T) {
	prog, src := loadProgram(t, "../corpus/voting/base.ded")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cluster := &Cluster{Token: "test-token-0123456789", Nodes: []ClusterNode{{Addr: leader0, HostPort: ln.Addr().String()}}}
	for i := 0; i < 3; i++ { // never started: the leader's dials fail quietly
		cluster.Nodes = append(cluster.Nodes, ClusterNode{Addr: value.Addr{Comp: "participant", Instance: i}, HostPort: "127.0.0.1:1"})
	}
	const tickTime = 20 * time.Millisecond
	started := make(chan struct{}, 2)
	tick := func(_ *analysis.Program, _ eval.Node, in eval.Input, _ eval.Choices, _ eval.Limits) (*eval.Result, error) {
		res := &eval.Result{}
		if len(in.Delivered) == 0 {
			return res, nil
		}
		started <- struct{}{}
		time.Sleep(tickTime)
		for _, f := range in.Delivered {
			res.Outputs = append(res.Outputs, value.Fact{Rel: "reply", Tuple: value.Tuple{f.Tuple[0], value.Int(1)}})
		}
		return res, nil
	}
	n, err := Start(Config{Program: prog, Source: src, Cluster: cluster, Self: leader0, Listener: ln, Tick: tick})
	require.NoError(t, err)
	s, err := DialSession(context.Background(), leader0, ClientConfig{Program: prog, Source: src, Cluster: cluster, Name: "1"})
	require.NoError(t, err)
	defer s.Close()
	req := func(id int64) []value.Fact {
		return []value.Fact{{Rel: "request", Tuple: value.Tuple{value.Int(id), value.Int(1)}}}
	}
	require.NoError(t, s.Send(req(1)))
	<-started // the first tick runs: the second request waits for it
	require.NoError(t, s.Send(req(2)))
	for answered := 0; answered < 2; {
		select {
		case outs := <-s.Outputs:
			answered += len(outs)
		case <-time.After(5 * time.Second):
			t.Fatal("no answer")
		}
	}
	st := n.Close()
	require.Equal(t, 2, st.Waited, "both requests came from a socket")
	require.GreaterOrEqual(t, st.InboxWait, tickTime/2, "the second request waited for most of the first tick")
	require.GreaterOrEqual(t, st.TickTime, 2*tickTime)
	require.GreaterOrEqual(t, st.Writes, 3, "the registration and two answers")
	require.Greater(t, st.WriteTime, time.Duration(0))
}
