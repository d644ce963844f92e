package realnet

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// A trace is one text file per node, DIR/<comp>-<i>.trace, holding the
// node's observable events (docs/ARCHITECTURE.md, Observable history) with wall-clock times in
// microseconds since the Unix epoch:
//
//	# dsim realnet trace v1 node=leader[0] clock=unix-us
//	@1718000000000123 in request(1, 7) -> leader[0] client=3
//	@1718000000004567 out reply(1, 7) -> client=3 from leader[0]
//
// An input line is the simulator's workload line (sim.ParseWorkload) with a
// real time; its time is when the node read the input from the socket. An
// output line's time is when the node queued the answer on the client's
// socket. LoadTrace merges a directory of them into one History.

// TraceHeader starts every trace file.
const TraceHeader = "# dsim realnet trace v1"

type traceWriter struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
	// self is the node's canonical address, written into every line.
	self string
}

// TraceFileName is the file a node's events go to.
func TraceFileName(a value.Addr) string {
	return a.Comp + "-" + strconv.Itoa(a.Instance) + ".trace"
}

func openTrace(dir string, self value.Addr) (*traceWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", sim.OptTraceDir, err)
	}
	f, err := os.Create(filepath.Join(dir, TraceFileName(self)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sim.OptTraceDir, err)
	}
	tw := &traceWriter{f: f, w: bufio.NewWriterSize(f, 256<<10), self: self.String()}
	fmt.Fprintf(tw.w, "%s node=%v clock=unix-us\n", TraceHeader, self)
	return tw, nil
}

// clientNumber is the client's number in a history: its name when that is
// a decimal integer (as bench and Client name them), else 0.
func clientNumber(name string) int {
	n, err := strconv.Atoi(name)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (tw *traceWriter) input(f value.Fact, client string, at time.Time) {
	if tw == nil {
		return
	}
	tw.mu.Lock()
	fmt.Fprintf(tw.w, "@%d in %v -> %s client=%d\n", at.UnixMicro(), f, tw.self, clientNumber(client))
	tw.mu.Unlock()
}

func (tw *traceWriter) output(f value.Fact, client string, at time.Time) {
	if tw == nil {
		return
	}
	tw.mu.Lock()
	fmt.Fprintf(tw.w, "@%d out %v -> client=%d from %s\n", at.UnixMicro(), f, clientNumber(client), tw.self)
	tw.mu.Unlock()
}

func (tw *traceWriter) close() {
	if tw == nil {
		return
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.w.Flush()
	tw.f.Close()
}
