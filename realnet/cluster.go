package realnet

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Cluster is a parsed cluster file: where every node listens, and the
// shared token that authenticates peers and clients. The format (one
// directive a line, `#` comments) is documented in docs/REALNET.md:
//
//	token 5c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5
//	node leader[0]      127.0.0.1:7000
//	node participant[0] 127.0.0.1:7001
type Cluster struct {
	Token string
	Nodes []ClusterNode // sorted by address
}

// ClusterNode is one `node` line.
type ClusterNode struct {
	Addr     value.Addr
	HostPort string
	Line     int
}

// MinTokenLen is the shortest accepted token.
const MinTokenLen = 16

// ParseCluster parses a cluster file; name is used in error messages.
// Errors read name:line: message (hint: ...).
func ParseCluster(name string, src []byte) (*Cluster, error) {
	c := &Cluster{}
	tokenLine := 0
	seenAddr := map[value.Addr]int{}
	seenHP := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	errf := func(hint, format string, args ...any) error {
		msg := fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
		if hint != "" {
			msg += " (hint: " + hint + ")"
		}
		return fmt.Errorf("%s", msg)
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "token":
			if len(fields) != 2 {
				return nil, errf("write `token SECRET` with one word of at least 16 characters", "token takes exactly one value")
			}
			if tokenLine != 0 {
				return nil, errf("keep one token line", "second token (first on line %d)", tokenLine)
			}
			if len(fields[1]) < MinTokenLen {
				return nil, errf("generate one with `openssl rand -hex 16`", "token is %d characters, need at least %d", len(fields[1]), MinTokenLen)
			}
			c.Token, tokenLine = fields[1], line
		case "node":
			if len(fields) != 3 {
				return nil, errf("write `node comp[i] host:port`", "node takes a name and a host:port")
			}
			a, err := value.ParseAddr(fields[1])
			if err != nil {
				return nil, errf("node names are component instances such as leader[0]", "%v", err)
			}
			if _, _, err := net.SplitHostPort(fields[2]); err != nil {
				return nil, errf("write host:port, e.g. 127.0.0.1:7000", "bad address %q: %v", fields[2], err)
			}
			if prev, ok := seenAddr[a]; ok {
				return nil, errf("each node appears once", "node %v already listed on line %d", a, prev)
			}
			if prev, ok := seenHP[fields[2]]; ok {
				return nil, errf("give every node its own port", "%s already used on line %d", fields[2], prev)
			}
			seenAddr[a], seenHP[fields[2]] = line, line
			c.Nodes = append(c.Nodes, ClusterNode{Addr: a, HostPort: fields[2], Line: line})
		default:
			return nil, errf("directives are `token` and `node`", "unknown directive %q", fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	line++
	if tokenLine == 0 {
		return nil, errf("add a line `token SECRET`", "no token")
	}
	if len(c.Nodes) == 0 {
		return nil, errf("add `node comp[i] host:port` lines", "no nodes")
	}
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].Addr.Compare(c.Nodes[j].Addr) < 0 })
	// Instances of each component must be numbered 0..n-1.
	next := map[string]int{}
	for _, n := range c.Nodes {
		if n.Addr.Instance != next[n.Addr.Comp] {
			line = n.Line
			return nil, errf("number instances of a component 0, 1, 2, ... without gaps",
				"%v listed but %s[%d] is missing", n.Addr, n.Addr.Comp, next[n.Addr.Comp])
		}
		next[n.Addr.Comp]++
	}
	return c, nil
}

// Counts returns the instance count of each component listed.
func (c *Cluster) Counts() map[string]int {
	m := map[string]int{}
	for _, n := range c.Nodes {
		m[n.Addr.Comp]++
	}
	return m
}

// Lookup returns the node with address a.
func (c *Cluster) Lookup(a value.Addr) (ClusterNode, bool) {
	i := sort.Search(len(c.Nodes), func(i int) bool { return c.Nodes[i].Addr.Compare(a) >= 0 })
	if i < len(c.Nodes) && c.Nodes[i].Addr == a {
		return c.Nodes[i], true
	}
	return ClusterNode{}, false
}

// CheckProgram verifies that the cluster lists every component of p and no
// other: a node of an unknown component, or a component without nodes,
// would silently lose messages.
func (c *Cluster) CheckProgram(name string, p *analysis.Program) error {
	counts := c.Counts()
	for _, comp := range p.Components {
		if counts[comp.Name] == 0 {
			return fmt.Errorf("%s: no node of component %s (hint: add `node %s[0] host:port`)", name, comp.Name, comp.Name)
		}
	}
	for _, n := range c.Nodes {
		if p.Component(n.Addr.Comp) == nil {
			return fmt.Errorf("%s:%d: the program has no component %s (hint: components are %s)",
				name, n.Line, n.Addr.Comp, componentNames(p))
		}
	}
	return nil
}

func componentNames(p *analysis.Program) string {
	var names []string
	for _, c := range p.Components {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// Format renders the cluster in the file format ParseCluster reads.
func (c *Cluster) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# dsim cluster file: see docs/REALNET.md\n")
	fmt.Fprintf(&b, "token %s\n", c.Token)
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "node %s %s\n", n.Addr, n.HostPort)
	}
	return b.Bytes()
}
