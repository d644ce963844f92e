package realnet

import (
	"context"
	"errors"
	"fmt"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"github.com/dsim-project/dsim/semantics/analysis"
	"net"
	"time"

	"github.com/dsim-project/dsim/semantics/value"
)

// Client is one client connection to a node: it sends input facts and
// receives the output facts the node routes to it.
type Client struct {
	conn   net.Conn
	fr     *wire.FrameReader
	schema *wire.Schema
	buf    []byte
}

// ClientConfig says how to reach and authenticate to a cluster: the
// program and cluster file the nodes were started with (the handshake
// compares their fingerprint, and facts travel typed by the program).
type ClientConfig struct {
	Program *analysis.Program
	Source  []byte
	Cluster *Cluster
	// Name identifies the client in logs and traces; a decimal number
	// names the client of that number in recorded histories.
	Name     string
	MaxFrame int
}

// Dial connects to the node at hostport and authenticates.
func Dial(ctx context.Context, hostport string, cfg ClientConfig) (*Client, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	fr := wire.NewFrameReader(conn, cfg.MaxFrame)
	fp := wire.Fingerprint(cfg.Source, cfg.Cluster.Counts())
	remote, err := wire.Handshake(conn, fr, cfg.Cluster.Token, wire.RoleClient, cfg.Name, fp)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("connecting to %s: %w", hostport, err)
	}
	if remote.Role != wire.RolePeer {
		conn.Close()
		return nil, fmt.Errorf("connecting to %s: it is not a node", hostport)
	}
	cl := &Client{conn: conn, fr: fr, schema: wire.NewSchema(cfg.Program)}
	// Wait for the node's empty "registered" batch, so that no output sent
	// after Dial returns can miss this client.
	_ = conn.SetReadDeadline(time.Now().Add(wire.HandshakeTimeout))
	facts, err := cl.Recv()
	_ = conn.SetReadDeadline(time.Time{})
	if err != nil || len(facts) != 0 {
		conn.Close()
		return nil, fmt.Errorf("connecting to %s: no registration from the node: %v", hostport, err)
	}
	return cl, nil
}

// Send sends facts in one input frame.
func (c *Client) Send(facts []value.Fact) error {
	payload, err := c.schema.AppendFacts(c.buf[:0], facts)
	if err != nil {
		return err
	}
	frame := wire.AppendFrame(make([]byte, 0, len(payload)+8), wire.FrameInput, payload)
	c.buf = payload
	_, err = c.conn.Write(frame)
	return err
}

// Recv waits for the next output frame.
func (c *Client) Recv() ([]value.Fact, error) {
	for {
		t, payload, err := c.fr.Read()
		if err != nil {
			return nil, err
		}
		switch t {
		case wire.FrameOutput:
			return c.schema.DecodeFacts(payload)
		case wire.FrameError:
			return nil, errors.New("node closed the connection: " + string(payload))
		default:
			return nil, fmt.Errorf("%w: unexpected %v frame from a node", wire.ErrMalformed, t)
		}
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
