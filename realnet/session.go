package realnet

import (
	"context"
	"sort"
	"sync"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Session is one logical client of a cluster: it sends inputs to one entry
// node and listens on every node that can emit outputs, since after a
// rewrite the answer may come from a different component (a collector)
// than the one the request entered (a leader).
type Session struct {
	entry *Client
	conns []*Client
	// Outputs receives every output frame from any node; closed when the
	// first connection fails (its error is in Err).
	Outputs chan []value.Fact
	errc    chan error
	done    chan struct{}
	once    sync.Once
}

// OutputNodes lists the nodes whose component derives an .output relation,
// sorted.
func OutputNodes(p *analysis.Program, c *Cluster) []value.Addr {
	emits := map[string]bool{}
	for _, comp := range p.Components {
		for _, h := range comp.Heads {
			if r := p.Relation(h); r != nil && r.Output {
				emits[comp.Name] = true
			}
		}
	}
	var out []value.Addr
	for _, n := range c.Nodes {
		if emits[n.Addr.Comp] {
			out = append(out, n.Addr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Compare(out[j]) < 0 })
	return out
}

// DialSession connects to entry and to every output node of cfg's cluster.
func DialSession(ctx context.Context, entry value.Addr, cfg ClientConfig) (*Session, error) {
	p, c := cfg.Program, cfg.Cluster
	s := &Session{Outputs: make(chan []value.Fact, 64), errc: make(chan error, 1), done: make(chan struct{})}
	targets := []value.Addr{entry}
	for _, a := range OutputNodes(p, c) {
		if a != entry {
			targets = append(targets, a)
		}
	}
	for _, a := range targets {
		cn, ok := c.Lookup(a)
		if !ok {
			s.Close()
			return nil, &missingNodeError{a}
		}
		cl, err := Dial(ctx, cn.HostPort, cfg)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.conns = append(s.conns, cl)
	}
	s.entry = s.conns[0]
	for _, cl := range s.conns {
		go s.pump(cl)
	}
	return s, nil
}

type missingNodeError struct{ a value.Addr }

func (e *missingNodeError) Error() string { return "no node " + e.a.String() + " in the cluster" }

func (s *Session) pump(cl *Client) {
	for {
		facts, err := cl.Recv()
		if err != nil {
			select {
			case s.errc <- err:
			default:
			}
			return
		}
		select {
		case s.Outputs <- facts:
		case <-s.done:
			return
		}
	}
}

// Send sends inputs to the entry node.
func (s *Session) Send(facts []value.Fact) error { return s.entry.Send(facts) }

// Err returns the first receive error, if any happened yet.
func (s *Session) Err() <-chan error { return s.errc }

// Close closes every connection.
func (s *Session) Close() {
	s.once.Do(func() { close(s.done) })
	for _, cl := range s.conns {
		cl.Close()
	}
}
