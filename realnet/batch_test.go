package realnet

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestTickBatchIsBounded sends one input frame of 10 requests to a node
// whose MaxBatch is 3: its ticks must consume 3, 3, 3 and 1 of them, in
// arrival order, without any further arrival to wake it (the backlog alone
// makes it tick again). The tick is a stand-in that records what it was
// given and derives nothing, so no other delivery can interleave.
func TestTickBatchIsBounded(t *testing.T) {
	prog, src := loadProgram(t, "../corpus/voting/base.ded")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cluster := &Cluster{Token: "test-token-0123456789", Nodes: []ClusterNode{{Addr: leader0, HostPort: ln.Addr().String()}}}
	for i := 0; i < 3; i++ { // never started: the leader's dials fail quietly
		cluster.Nodes = append(cluster.Nodes, ClusterNode{Addr: value.Addr{Comp: "participant", Instance: i}, HostPort: "127.0.0.1:1"})
	}
	var mu sync.Mutex
	var batches [][]int64
	tick := func(_ *analysis.Program, _ eval.Node, in eval.Input, _ eval.Choices, _ eval.Limits) (*eval.Result, error) {
		if len(in.Delivered) > 0 {
			ids := make([]int64, len(in.Delivered))
			for i, f := range in.Delivered {
				ids[i] = f.Tuple[0].I
			}
			mu.Lock()
			batches = append(batches, ids)
			mu.Unlock()
		}
		return &eval.Result{}, nil
	}
	n, err := Start(Config{Program: prog, Source: src, Cluster: cluster, Self: leader0, Listener: ln, MaxBatch: 3, Tick: tick})
	require.NoError(t, err)
	defer n.Close()
	s, err := DialSession(context.Background(), leader0, ClientConfig{Program: prog, Source: src, Cluster: cluster, Name: "1"})
	require.NoError(t, err)
	defer s.Close()
	var reqs []value.Fact
	for id := int64(1); id <= 10; id++ {
		reqs = append(reqs, value.Fact{Rel: "request", Tuple: value.Tuple{value.Int(id), value.Int(1)}})
	}
	require.NoError(t, s.Send(reqs))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, b := range batches {
			total += len(b)
		}
		return total == 10
	}, 5*time.Second, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, [][]int64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10}}, batches)
}

// TestTakeBatchKeepsTheRestInOrder checks takeBatch on its own: what it
// leaves queued is the unconsumed suffix, whatever the items buffer held.
func TestTakeBatchKeepsTheRestInOrder(t *testing.T) {
	item := func(i int64) inboxItem {
		return inboxItem{fact: value.Fact{Rel: "r", Tuple: value.Tuple{value.Int(i)}}}
	}
	n := &Node{maxBatch: 2}
	for i := int64(0); i < 5; i++ {
		n.inbox = append(n.inbox, item(i))
	}
	items := []inboxItem{item(99)} // stale content of the reused buffer
	var got []int64
	for len(n.inbox) > 0 {
		items = n.takeBatch(items)
		require.LessOrEqual(t, len(items), 2)
		for _, it := range items {
			got = append(got, it.fact.Tuple[0].I)
		}
	}
	require.Equal(t, []int64{0, 1, 2, 3, 4}, got)
}
