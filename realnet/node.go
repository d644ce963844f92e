package realnet

import (
	"context"
	"errors"
	"fmt"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"log"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// TickFunc is the signature of eval.Tick; tests may substitute a stand-in.
type TickFunc func(p *analysis.Program, node eval.Node, in eval.Input, ch eval.Choices, lim eval.Limits) (*eval.Result, error)

// DefaultMaxFrame bounds a frame a node or client reads when no MaxFrame is
// set: 4 MiB, far above any tick's batch of the corpus.
const DefaultMaxFrame = wire.DefaultMaxFrame

// DefaultMaxBatch bounds the deliveries one tick consumes when no MaxBatch
// is set. Batching everything that arrived into one tick is a legal
// schedule (docs/REALNET.md, "Runtime") and what makes a loaded node
// cheap per command; the bound keeps one tick's cost and latency, and its
// facts (eval.Limits.MaxFacts: a tick over it fails and loses its whole
// batch), bounded after a backlog. Under the corpus's benchmarks at 64
// clients a tick takes 20-40 deliveries, far below it.
const DefaultMaxBatch = 4096

// Config describes one node.
type Config struct {
	Program *analysis.Program
	Source  []byte // program source, hashed into the fingerprint peers compare
	Cluster *Cluster
	Self    value.Addr

	// Listener, when set, is used instead of listening on the cluster
	// file's port (tests pass 127.0.0.1:0 listeners). Listen overrides the
	// bind address otherwise; by default a node binds 127.0.0.1 and the
	// port its cluster line names.
	Listener net.Listener
	Listen   string

	MaxFrame int // 0: DefaultMaxFrame
	// MaxBatch bounds the deliveries (messages and client inputs) one
	// tick consumes; the rest wait, in arrival order, for the next tick,
	// which starts at once. 0: DefaultMaxBatch. Due timer firings are
	// added on top (a node has few timers).
	MaxBatch int
	Limits   eval.Limits // per-tick bounds
	Tick     TickFunc    // nil: an evaluator compiled from Program
	TraceDir string      // "": no trace
	Logger   *log.Logger // nil: no logging
}

// Node is one running node: its listener, peer links, client connections
// and the loop that ticks.
type Node struct {
	cfg      Config
	self     value.Addr
	comp     *analysis.Component
	schema   *wire.Schema
	fp       [32]byte
	topo     eval.Topology
	maxFrame int
	maxBatch int
	tick     TickFunc
	ln       net.Listener

	peers   map[value.Addr]*peer // fixed at start; read without locking
	msgRels map[string]bool      // relations some async rule sends
	inputs  map[string]bool      // client inputs entering this component
	outputs bool                 // this component derives some .output relation
	timers  []*timerState
	trace   *traceWriter
	jitter  *rand.Rand

	mu      sync.Mutex
	inbox   []inboxItem
	clients map[*clientConn]bool
	wake    chan struct{}

	// Owned by the loop goroutine.
	state  *eval.State                 // carried into the next tick (nil: nothing)
	routes map[value.Value]*clientConn // first column of a pending input -> its client
	stats  Stats
	// Scratch buffers of routeSends and encodeFrame, reused every tick.
	scratchFacts                 []value.Fact
	scratchPayload, scratchFrame []byte
	scratchDelivered             []value.Fact // the tick's Input.Delivered
	scratchPerClient             map[*clientConn][]value.Fact
	scratchOrder                 []*clientConn

	// Writer timings of every peer and client connection (Stats), added
	// by the writer goroutines.
	outboxWait, writeTime, writes atomic.Int64

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// inboxItem is one delivered fact; from is the client that sent an input.
type inboxItem struct {
	fact value.Fact
	from *clientConn
	at   time.Time // receive time of client inputs (for the trace)
}

// Stats counts a node's work; Close returns them. On a healthy cluster
// DroppedSends, LinkWriteFailures and TickErrors stay zero: anything else
// is an omission the tests must not see.
type Stats struct {
	Ticks, TickErrors        int
	Delivered, Sent, Outputs int
	// DroppedSends counts messages dropped because the destination is not
	// in the cluster file or its queue was full (see maxPeerQueue).
	DroppedSends int
	// LinkWriteFailures counts writes to a peer that failed; the bytes of
	// such a write (one or more whole frames) are lost.
	LinkWriteFailures int
	Unroutable        int

	// Where a delivery's time goes inside the node (wall clock, for
	// finding the hop that adds latency; docs/REALNET.md, "Runtime"):
	// InboxWait sums, over the Waited deliveries from sockets, the time
	// from the frame being decoded to the start of the tick that consumed
	// it; TickTime sums the ticks' own wall time (evaluation and routing);
	// OutboxWait sums, over the Writes system calls to peers and clients,
	// the time from the first frame queued for that write to the write's
	// start (the writer goroutine's wake-up), and WriteTime the writes.
	InboxWait, TickTime, OutboxWait, WriteTime time.Duration
	Waited, Writes                             int
}

// Start validates cfg, binds the node's port and starts its goroutines.
func Start(cfg Config) (*Node, error) {
	if cfg.Program == nil || cfg.Cluster == nil {
		return nil, errors.New("realnet: Config needs a Program and a Cluster")
	}
	me, ok := cfg.Cluster.Lookup(cfg.Self)
	if !ok {
		return nil, fmt.Errorf("node %v is not in the cluster file (hint: add `node %v host:port`)", cfg.Self, cfg.Self)
	}
	comp := cfg.Program.Component(cfg.Self.Comp)
	if comp == nil {
		return nil, fmt.Errorf("the program has no component %s (hint: components are %s)", cfg.Self.Comp, componentNames(cfg.Program))
	}
	n := &Node{
		cfg: cfg, self: cfg.Self, comp: comp,
		schema:   wire.NewSchema(cfg.Program),
		fp:       wire.Fingerprint(cfg.Source, cfg.Cluster.Counts()),
		topo:     eval.Topology{Counts: cfg.Cluster.Counts()},
		maxFrame: cfg.MaxFrame,
		maxBatch: cfg.MaxBatch,
		tick:     cfg.Tick,
		peers:    map[value.Addr]*peer{},
		msgRels:  map[string]bool{},
		inputs:   map[string]bool{},
		clients:  map[*clientConn]bool{},
		wake:     make(chan struct{}, 1),
		routes:   map[value.Value]*clientConn{},

		scratchPerClient: map[*clientConn][]value.Fact{},
		jitter:           rand.New(rand.NewPCG(uint64(len(cfg.Self.Comp)), uint64(cfg.Self.Instance))),
	}
	if n.maxFrame <= 0 {
		n.maxFrame = DefaultMaxFrame
	}
	if n.maxBatch <= 0 {
		n.maxBatch = DefaultMaxBatch
	}
	if n.tick == nil {
		ev, err := eval.Compile(cfg.Program)
		if err != nil {
			return nil, err
		}
		n.tick = func(_ *analysis.Program, node eval.Node, in eval.Input, ch eval.Choices, lim eval.Limits) (*eval.Result, error) {
			return ev.Tick(node, in, ch, lim)
		}
	}
	for _, r := range cfg.Program.Rules {
		if r.Kind == analysis.Async {
			n.msgRels[r.Head.Rel] = true
		}
	}
	for _, name := range comp.ClientInputs {
		n.inputs[name] = true
	}
	for _, h := range comp.Heads {
		if r := cfg.Program.Relation(h); r != nil && r.Output {
			n.outputs = true
		}
	}
	for _, name := range comp.Timers {
		if r := cfg.Program.Relation(name); r != nil && r.Timer != nil {
			n.timers = append(n.timers, &timerState{rel: name, period: r.Timer.Period, jitter: r.Timer.Jitter})
		}
	}
	for _, cn := range cfg.Cluster.Nodes {
		if cn.Addr == cfg.Self {
			continue
		}
		n.peers[cn.Addr] = &peer{n: n, addr: cn.Addr, hostport: cn.HostPort,
			dials: cfg.Self.Compare(cn.Addr) < 0, out: newOutbox(maxPeerQueue)}
	}
	if cfg.TraceDir != "" {
		tw, err := openTrace(cfg.TraceDir, cfg.Self)
		if err != nil {
			return nil, err
		}
		n.trace = tw
	}
	n.ln = cfg.Listener
	if n.ln == nil {
		bind := cfg.Listen
		if bind == "" {
			_, port, _ := net.SplitHostPort(me.HostPort)
			bind = net.JoinHostPort("127.0.0.1", port)
		}
		ln, err := net.Listen("tcp", bind)
		if err != nil {
			n.trace.close()
			return nil, fmt.Errorf("node %v: %w", cfg.Self, err)
		}
		n.ln = ln
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.wg.Add(2)
	go func() { defer n.wg.Done(); n.acceptLoop() }()
	go func() { defer n.wg.Done(); n.loop() }()
	for _, p := range n.peers {
		p := p
		n.wg.Add(1)
		go func() { defer n.wg.Done(); p.writer(n.ctx) }()
		if p.dials {
			n.wg.Add(1)
			go func() { defer n.wg.Done(); p.dialLoop(n.ctx) }()
		}
	}
	n.logf("serving on %v", n.ln.Addr())
	return n, nil
}

// Addr is the address the node listens on.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Close stops the node: it closes its listener and every connection and
// drops its state, as a killed process would.
func (n *Node) Close() Stats {
	n.cancel() // first: setConn and serveClient refuse new connections from now on
	n.ln.Close()
	for _, p := range n.peers {
		if c := p.current(); c != nil {
			c.Close()
		}
		p.out.close()
	}
	n.mu.Lock()
	for cc := range n.clients {
		cc.conn.Close()
	}
	n.mu.Unlock()
	n.wg.Wait()
	n.trace.close()
	for _, p := range n.peers {
		n.stats.LinkWriteFailures += int(p.writeFailures.Load())
	}
	n.stats.OutboxWait = time.Duration(n.outboxWait.Load())
	n.stats.WriteTime = time.Duration(n.writeTime.Load())
	n.stats.Writes = int(n.writes.Load())
	return n.stats
}

func (n *Node) logf(format string, args ...any) {
	if n.cfg.Logger != nil {
		n.cfg.Logger.Printf("%v: "+format, append([]any{n.self}, args...)...)
	}
}

// deliver queues facts for the next tick and wakes the loop.
func (n *Node) deliver(facts []value.Fact, from *clientConn, at time.Time) {
	n.mu.Lock()
	for _, f := range facts {
		n.inbox = append(n.inbox, inboxItem{fact: f, from: from, at: at})
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *Node) checkMessages(facts []value.Fact) error {
	for _, f := range facts {
		if !n.msgRels[f.Rel] {
			return fmt.Errorf("%w: %s is not a relation any rule sends", wire.ErrMalformed, f.Rel)
		}
	}
	return nil
}

func (n *Node) acceptLoop() {
	for {
		c, err := n.ln.Accept()
		if err != nil {
			if n.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				n.logf("accept: %v", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.serveConn(c) }()
	}
}

// serveConn authenticates an accepted connection and hands it to the peer
// or client logic. Anything unexpected closes just this connection.
func (n *Node) serveConn(c net.Conn) {
	fr := wire.NewFrameReader(c, n.maxFrame)
	stop := context.AfterFunc(n.ctx, func() { c.Close() }) // Close need not wait out the handshake
	remote, err := wire.Handshake(c, fr, n.cfg.Cluster.Token, wire.RolePeer, n.self.String(), n.fp)
	stop()
	if err != nil {
		n.logf("refusing connection from %v: %v", c.RemoteAddr(), err)
		sendError(c, err)
		c.Close()
		return
	}
	switch remote.Role {
	case wire.RolePeer:
		a, err := value.ParseAddr(remote.Name)
		p := n.peers[a]
		switch {
		case err != nil || p == nil:
			err = fmt.Errorf("unknown peer %q (not in the cluster file)", remote.Name)
		case p.dials:
			err = fmt.Errorf("peer %v dialled, but the lower address dials (%v dials it)", a, n.self)
		}
		if err != nil {
			n.logf("refusing connection from %v: %v", c.RemoteAddr(), err)
			sendError(c, err)
			c.Close()
			return
		}
		if p.setConn(c) {
			n.logf("link to %v up (accepted)", a)
			n.readPeer(p, c, fr)
		}
	case wire.RoleClient:
		n.serveClient(c, fr, remote.Name)
	}
}
