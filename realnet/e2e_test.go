package realnet

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// testCluster runs every node of a program in this process, each with a
// real TCP listener on 127.0.0.1:0.
type testCluster struct {
	t       *testing.T
	prog    *analysis.Program
	src     []byte
	cluster *Cluster
	nodes   map[value.Addr]*Node
	stats   map[value.Addr]Stats // of closed nodes, by closeAll
	logger  *log.Logger
	trace   string
}

func loadProgram(t testing.TB, path string) (*analysis.Program, []byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	p, diags := analysis.Load(path, src)
	require.Empty(t, diags, "%v", diags)
	return p, src
}

func startTestCluster(t *testing.T, prog *analysis.Program, src []byte, traceDir string) *testCluster {
	t.Helper()
	tc := &testCluster{t: t, prog: prog, src: src, nodes: map[value.Addr]*Node{}, trace: traceDir,
		stats:  map[value.Addr]Stats{},
		logger: log.New(newFailureLog(t), "", log.Lmicroseconds)}
	tc.cluster = &Cluster{Token: "test-token-0123456789"}
	listeners := map[value.Addr]net.Listener{}
	for _, c := range prog.Components {
		for i := 0; i < c.Count; i++ {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			a := value.Addr{Comp: c.Name, Instance: i}
			listeners[a] = ln
			tc.cluster.Nodes = append(tc.cluster.Nodes, ClusterNode{Addr: a, HostPort: ln.Addr().String()})
		}
	}
	slices.SortFunc(tc.cluster.Nodes, func(a, b ClusterNode) int { return a.Addr.Compare(b.Addr) }) // Lookup binary-searches
	for _, cn := range tc.cluster.Nodes {
		tc.startNode(cn.Addr, listeners[cn.Addr])
	}
	t.Cleanup(tc.closeAll)
	return tc
}

func (tc *testCluster) startNode(a value.Addr, ln net.Listener) {
	tc.t.Helper()
	n, err := Start(Config{Program: tc.prog, Source: tc.src, Cluster: tc.cluster, Self: a,
		Listener: ln, Logger: tc.logger, TraceDir: tc.trace})
	require.NoError(tc.t, err)
	tc.nodes[a] = n
}

func (tc *testCluster) closeAll() {
	for a, n := range tc.nodes {
		tc.stats[a] = n.Close()
		delete(tc.nodes, a)
	}
}

// waitLinks waits until every node has a link to every peer, so that a
// test's clock starts with the cluster up rather than racing its startup.
func (tc *testCluster) waitLinks(timeout time.Duration) {
	tc.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		down := 0
		for _, n := range tc.nodes {
			for _, p := range n.peers {
				if p.current() == nil {
					down++
				}
			}
		}
		if down == 0 {
			return
		}
		if time.Now().After(deadline) {
			tc.t.Fatalf("%d peer links still down after %v", down, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// requireNoOmissions checks the stats of the closed nodes: on a healthy
// cluster no message may be dropped, no link write fail, no tick fail.
func (tc *testCluster) requireNoOmissions() {
	tc.t.Helper()
	require.NotEmpty(tc.t, tc.stats, "closeAll first")
	for a, st := range tc.stats {
		require.Zero(tc.t, st.DroppedSends, "%v dropped sends", a)
		require.Zero(tc.t, st.LinkWriteFailures, "%v lost writes on a link", a)
		require.Zero(tc.t, st.TickErrors, "%v tick errors", a)
	}
}

func (tc *testCluster) clientConfig(name string) ClientConfig {
	return ClientConfig{Program: tc.prog, Source: tc.src, Cluster: tc.cluster, Name: name}
}

func (tc *testCluster) session(name string, entry value.Addr) *Session {
	tc.t.Helper()
	s, err := DialSession(context.Background(), entry, tc.clientConfig(name))
	require.NoError(tc.t, err)
	tc.t.Cleanup(s.Close)
	return s
}

// failureLog collects the nodes' log lines and prints them only if the
// test failed, so a passing run stays quiet. Node goroutines may still log
// while the cluster shuts down; writing to a buffer (not t.Logf) keeps that
// from racing with the end of the test.
type failureLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// newFailureLog must be called before the cluster registers its own
// cleanup, so that the dump runs after every node has stopped.
func newFailureLog(t *testing.T) *failureLog {
	l := &failureLog{}
	t.Cleanup(func() {
		if t.Failed() {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Logf("node logs:\n%s", l.buf.String())
		}
	})
	return l
}

func (l *failureLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// closedLoop runs one closed-loop client: send request(id, payload), wait
// for the output whose first column is id, repeat, at least minRequests
// times and then until the deadline. It returns how many requests were
// answered. A request still unanswered after unanswered is reported: on a
// healthy cluster it means a lost message, not a slow machine (answers
// take milliseconds; the bound only has to outlast scheduling stalls).
func closedLoop(s *Session, rel string, client, minRequests int, until time.Time) (int, error) {
	const unanswered = 5 * time.Second
	answered := 0
	timeout := time.NewTimer(unanswered)
	defer timeout.Stop()
	for seq := 1; seq <= minRequests || time.Now().Before(until); seq++ {
		id := int64(client)<<32 | int64(seq)
		if err := s.Send([]value.Fact{{Rel: rel, Tuple: value.Tuple{value.Int(id), value.Int(int64(seq))}}}); err != nil {
			return answered, err
		}
		timeout.Reset(unanswered)
		for got := false; !got; {
			var outs []value.Fact
			select {
			case outs = <-s.Outputs:
			case err := <-s.Err():
				return answered, fmt.Errorf("request %d unanswered: %w", id, err)
			case <-timeout.C:
				return answered, fmt.Errorf("request %d unanswered after %v (%d answered before)", id, unanswered, answered)
			}
			for _, f := range outs {
				if f.Tuple[0] == value.Int(id) {
					got = true
				}
			}
		}
		answered++
	}
	return answered, nil
}

// TestEndToEndCorpus runs base and scalable voting and 2PC with three
// closed-loop clients: every request must be answered, and no node may
// drop a message, lose a link write or fail a tick.
func TestEndToEndCorpus(t *testing.T) {
	for _, tt := range []struct{ path string }{
		{"../corpus/voting/base.ded"},
		{"../corpus/2pc/base.ded"},
		{"../corpus/voting/scalable.ded"},
		{"../corpus/2pc/scalable.ded"},
	} {
		t.Run(filepath.Base(filepath.Dir(tt.path))+"/"+filepath.Base(tt.path), func(t *testing.T) {
			prog, src := loadProgram(t, tt.path)
			tc := startTestCluster(t, prog, src, "")
			in, err := BenchInput(prog)
			require.NoError(t, err)
			entry := value.Addr{Comp: in.InputComponent}
			tc.waitLinks(30 * time.Second)
			sessions := make([]*Session, 3)
			for i := range sessions {
				sessions[i] = tc.session(fmt.Sprint(i+1), entry)
			}
			until := time.Now().Add(time.Second)
			var wg sync.WaitGroup
			counts := make([]int, len(sessions))
			errs := make([]error, len(sessions))
			for i, s := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					counts[i], errs[i] = closedLoop(s, "request", i+1, 20, until)
				}()
			}
			wg.Wait()
			for i := range counts {
				require.NoError(t, errs[i], "client %d", i+1)
				require.GreaterOrEqual(t, counts[i], 20, "client %d", i+1)
			}
			for _, s := range sessions {
				s.Close()
			}
			tc.closeAll()
			tc.requireNoOmissions()
		})
	}
}

// TestTraceRecordsHistory runs base voting with --trace and loads the
// trace back: every answered request appears as an input and an output,
// and no output precedes its input.
func TestTraceRecordsHistory(t *testing.T) {
	prog, src := loadProgram(t, "../corpus/voting/base.ded")
	dir := t.TempDir()
	tc := startTestCluster(t, prog, src, dir)
	sess := tc.session("4", leader0)
	for id := int64(1); id <= 20; id++ {
		require.NoError(t, ask(sess, id, 5*time.Second))
	}
	tc.closeAll() // flushes the trace files
	h, err := LoadTrace(dir)
	require.NoError(t, err)
	require.Len(t, h.Inputs, 20)
	require.Len(t, h.Outputs, 20)
	inAt := map[int64]int64{}
	for _, e := range h.Inputs {
		require.Equal(t, leader0, e.Node)
		require.Equal(t, 4, e.Client)
		inAt[e.Fact.Tuple[0].I] = e.Time
	}
	for _, o := range h.Outputs {
		require.Equal(t, "reply", o.Fact.Rel)
		require.Equal(t, 4, o.Client)
		at, ok := inAt[o.Fact.Tuple[0].I]
		require.True(t, ok, "output %v answers no input", o.Fact)
		require.LessOrEqual(t, at, o.Time)
	}
}
