package realnet

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dsim/semantics/analysis"
	"dsim/semantics/value"
)

// testCluster runs every node of a program in this process, each with a
// real TCP listener on 127.0.0.1:0.
type testCluster struct {
	t       *testing.T
	prog    *analysis.Program
	src     []byte
	cluster *Cluster
	nodes   map[value.Addr]*Node
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
		logger: log.New(testWriter{t}, "", log.Lmicroseconds)}
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
	sortNodes(tc.cluster.Nodes)
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
		n.Close()
		delete(tc.nodes, a)
	}
}

func (tc *testCluster) clientConfig(name string) ClientConfig {
	return ClientConfig{Token: tc.cluster.Token, Fingerprint: Fingerprint(tc.src, tc.cluster.Counts()),
		Schema: NewSchema(tc.prog), Name: name}
}

func (tc *testCluster) session(name string, entry value.Addr) *Session {
	tc.t.Helper()
	s, err := DialSession(context.Background(), tc.prog, tc.cluster, entry, tc.clientConfig(name))
	require.NoError(tc.t, err)
	tc.t.Cleanup(s.Close)
	return s
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("%s", b)
	return len(b), nil
}

// closedLoop runs one closed-loop client: send request(id, payload), wait
// for the output whose first column is id, repeat. It returns how many
// requests were answered.
func closedLoop(t *testing.T, s *Session, rel string, client int, until time.Time) (int, error) {
	answered := 0
	for seq := 1; time.Now().Before(until); seq++ {
		id := int64(client)<<32 | int64(seq)
		if err := s.Send([]value.Fact{{Rel: rel, Tuple: value.Tuple{value.Int(id), value.Int(int64(seq))}}}); err != nil {
			return answered, err
		}
		for got := false; !got; {
			var outs []value.Fact
			select {
			case outs = <-s.Outputs:
			case err := <-s.Err():
				return answered, fmt.Errorf("request %d unanswered: %w", id, err)
			case <-time.After(5 * time.Second):
				return answered, fmt.Errorf("request %d unanswered after 5s", id)
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
			until := time.Now().Add(1500 * time.Millisecond)
			var wg sync.WaitGroup
			counts := make([]int, 3)
			errs := make([]error, 3)
			for i := range counts {
				c := tc.session(fmt.Sprint(i+1), entry)
				wg.Add(1)
				go func() {
					defer wg.Done()
					counts[i], errs[i] = closedLoop(t, c, "request", i+1, until)
				}()
			}
			wg.Wait()
			for i := range counts {
				require.NoError(t, errs[i], "client %d", i+1)
				require.Greater(t, counts[i], 0, "client %d answered requests", i+1)
			}
			t.Logf("answered per client: %v", counts)
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
