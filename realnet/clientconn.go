package realnet

import (
	"errors"
	"fmt"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"io"
	"net"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
)

// clientConn is one connected client: it sends input frames and receives
// output frames.
type clientConn struct {
	name string
	conn net.Conn
	out  *outbox
}

// maxClientQueue bounds the output bytes queued for one slow client.
const maxClientQueue = 16 << 20

// serveClient reads a client's inputs until it leaves or misbehaves.
func (n *Node) serveClient(c net.Conn, fr *wire.FrameReader, name string) {
	cc := &clientConn{name: name, conn: c, out: newOutbox(maxClientQueue)}
	n.mu.Lock()
	if n.ctx.Err() != nil {
		// Close already closed the clients it knew; this one would
		// otherwise stay open and keep Close waiting.
		n.mu.Unlock()
		c.Close()
		return
	}
	n.clients[cc] = true
	n.mu.Unlock()
	// An empty output batch tells the client it is registered: outputs
	// broadcast from now on reach it (Dial waits for this).
	cc.out.push(wire.AppendFrame(nil, wire.FrameOutput, []byte{0}))
	done := make(chan struct{})
	go func() { defer close(done); cc.writer(n) }()
	defer func() {
		n.mu.Lock()
		delete(n.clients, cc)
		n.mu.Unlock()
		cc.out.close()
		c.Close()
		<-done
	}()
	for {
		t, payload, err := fr.Read()
		if err == nil {
			switch t {
			case wire.FrameInput:
				var facts []value.Fact
				facts, err = n.schema.DecodeFacts(payload)
				if err == nil {
					err = n.checkInputs(facts)
				}
				if err == nil {
					n.deliver(facts, cc, time.Now())
					continue
				}
			default:
				err = fmt.Errorf("%w: unexpected %v frame from a client", wire.ErrMalformed, t)
			}
		}
		if n.ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			n.logf("closing client %s: %v", name, err)
			sendError(c, err)
		}
		return
	}
}

func (n *Node) checkInputs(facts []value.Fact) error {
	for _, f := range facts {
		if !n.inputs[f.Rel] {
			return fmt.Errorf("%w: %s is not an input of component %s", wire.ErrMalformed, f.Rel, n.self.Comp)
		}
	}
	return nil
}

func (cc *clientConn) writer(n *Node) {
	for range cc.out.kick {
		data, since := cc.out.takeTimed()
		if data == nil {
			if cc.out.isClosed() {
				return
			}
			continue
		}
		_, err := n.timedWrite(cc.conn, data, since)
		cc.out.recycle(data)
		if err != nil {
			cc.conn.Close()
			return
		}
	}
}

// timedWrite writes data, queued since since, to c and adds the wait and
// the write to the node's writer timings (Stats.OutboxWait, WriteTime).
func (n *Node) timedWrite(c net.Conn, data []byte, since time.Time) (int, error) {
	start := time.Now()
	k, err := c.Write(data)
	n.outboxWait.Add(int64(start.Sub(since)))
	n.writeTime.Add(int64(time.Since(start)))
	n.writes.Add(1)
	return k, err
}
