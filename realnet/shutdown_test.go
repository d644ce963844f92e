package realnet

import (
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/value"
)

// TestCloseDuringPeerHandshake closes a node while its dialer is inside a
// handshake with a peer that never answers. Close must return at once: it
// used to wait out wire.HandshakeTimeout, and a handshake completing during
// Close installed a link that nobody closed, so Close could hang for good.
func TestCloseDuringPeerHandshake(t *testing.T) {
	prog, src := loadProgram(t, "../corpus/voting/base.ded")
	cluster := &Cluster{Token: "test-token-0123456789"}
	leaderLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cluster.Nodes = append(cluster.Nodes, ClusterNode{Addr: leader0, HostPort: leaderLn.Addr().String()})

	// Silent participants: they accept and then say nothing.
	accepted := make(chan net.Conn, 8)
	var silent []net.Listener
	for i := 0; i < 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		silent = append(silent, ln)
		cluster.Nodes = append(cluster.Nodes, ClusterNode{Addr: value.Addr{Comp: "participant", Instance: i}, HostPort: ln.Addr().String()})
	}
	var wg sync.WaitGroup
	for _, ln := range silent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
	}
	defer func() {
		for _, ln := range silent {
			ln.Close()
		}
		wg.Wait()
		close(accepted)
		for c := range accepted {
			c.Close()
		}
	}()

	n, err := Start(Config{Program: prog, Source: src, Cluster: cluster, Self: leader0, Listener: leaderLn})
	require.NoError(t, err)
	require.Equal(t, leaderLn.Addr(), n.Addr(), "a node serves on the listener it was given")
	// The leader (lowest address) dials every participant; wait until one
	// dial is accepted, so its dialer sits in the handshake.
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the leader never dialled its peers")
	}
	start := time.Now()
	n.Close()
	require.Less(t, time.Since(start), wire.HandshakeTimeout/2, "Close waited for a handshake")
}
