package realnet

import (
	"context"
	"errors"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
)

// peer is this node's link to one other node. There is one connection per
// pair of nodes: the node with the lower address dials, the higher one
// accepts (so two nodes never race to open two links). The dialer
// redials with capped exponential backoff whenever the link drops, which
// is how a restarted node rejoins.
type peer struct {
	n        *Node
	addr     value.Addr
	hostport string
	dials    bool
	out      *outbox

	mu   sync.Mutex
	conn net.Conn

	writeFailures atomic.Int64 // writes lost with a failing link
}

const (
	minBackoff = 20 * time.Millisecond
	maxBackoff = time.Second
	// maxPeerQueue bounds the bytes queued for one peer while it is slow or
	// away; beyond it messages are dropped (an omission).
	maxPeerQueue = 64 << 20
)

func (p *peer) current() net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conn
}

// setConn installs a fresh link, closing any previous one (a peer that
// restarted dials again before we noticed its old link died). It refuses
// (closes c and returns false) once the node is closing: Close cancels
// the context before it closes the current links under p.mu, so a
// handshake that completes during Close cannot install a link nobody
// closes, whose reader would then keep Close waiting forever.
func (p *peer) setConn(c net.Conn) bool {
	p.mu.Lock()
	if p.n.ctx != nil && p.n.ctx.Err() != nil {
		p.mu.Unlock()
		c.Close()
		return false
	}
	old := p.conn
	p.conn = c
	p.mu.Unlock()
	if old != nil {
		old.Close()
	}
	p.out.signal()
	return true
}

// dropConn closes c and forgets it if it is still the current link.
func (p *peer) dropConn(c net.Conn) {
	p.mu.Lock()
	if p.conn == c {
		p.conn = nil
	}
	p.mu.Unlock()
	c.Close()
}

// writer sends whatever the node loop queued, whenever a link is up.
// Frames queued while no link is up stay queued (within the outbox bound)
// and go out on the next link, in order.
func (p *peer) writer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.out.kick:
		}
		for {
			c := p.current()
			if c == nil {
				break // setConn kicks us again
			}
			data, since := p.out.takeTimed()
			if data == nil {
				break
			}
			_, err := p.n.timedWrite(c, data, since)
			p.out.recycle(data)
			if err != nil {
				// The bytes in flight are lost: an omission, which the
				// protocols tolerate; the dialer reconnects.
				if p.n.ctx == nil || p.n.ctx.Err() == nil {
					p.writeFailures.Add(1)
					p.n.logf("link to %v: write: %v", p.addr, err)
				}
				p.dropConn(c)
				break
			}
		}
	}
}

// dialLoop keeps a link to a higher-addressed peer up until ctx ends.
func (p *peer) dialLoop(ctx context.Context) {
	backoff := minBackoff
	quietFailures := false
	d := net.Dialer{Timeout: 2 * time.Second}
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", p.hostport)
		if err == nil {
			fr := wire.NewFrameReader(c, p.n.maxFrame)
			var remote wire.Hello
			stop := context.AfterFunc(ctx, func() { c.Close() }) // Close need not wait out the handshake
			remote, err = wire.Handshake(c, fr, p.n.cfg.Cluster.Token, wire.RolePeer, p.n.self.String(), p.n.fp)
			stop()
			if err == nil && (remote.Role != wire.RolePeer || remote.Name != p.addr.String()) {
				err = errors.New("answered as " + remote.Name + ", not " + p.addr.String())
			}
			if err != nil {
				c.Close()
			} else {
				p.n.logf("link to %v up (dialled)", p.addr)
				backoff, quietFailures = minBackoff, false
				if p.setConn(c) {
					p.n.readPeer(p, c, fr)
				}
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		if !quietFailures {
			p.n.logf("link to %v: %v (retrying with backoff up to %v)", p.addr, err, maxBackoff)
			quietFailures = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// readPeer delivers the peer's message batches until the link fails or
// breaks the protocol; then it closes the link. A batch is decoded whole
// before any of it is delivered, so a bad frame never half-applies.
func (n *Node) readPeer(p *peer, c net.Conn, fr *wire.FrameReader) {
	for {
		t, payload, err := fr.Read()
		if err == nil {
			switch t {
			case wire.FrameMessages:
				var facts []value.Fact
				facts, err = n.schema.DecodeFacts(payload)
				if err == nil {
					err = n.checkMessages(facts)
				}
				if err == nil {
					n.deliver(facts, nil, time.Now())
					continue
				}
			case wire.FrameError:
				err = errors.New("peer reported: " + string(payload))
			default:
				err = errors.New("unexpected " + t.String() + " frame from a peer")
			}
		}
		if n.ctx.Err() == nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				n.logf("link to %v closed", p.addr)
			} else {
				n.logf("closing link to %v: %v", p.addr, err)
				sendError(c, err)
			}
		}
		p.dropConn(c)
		return
	}
}

// sendError tells the other side why we close, best effort.
func sendError(c net.Conn, err error) {
	msg := err.Error()
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write(wire.AppendFrame(nil, wire.FrameError, []byte(msg)))
}
