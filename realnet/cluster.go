package realnet

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
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
	src   []byte        // the parsed text, for CheckProgram's positions
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
// An error is a syntax.Diagnostic (name:line:col, the offending word, a
// hint), so that commands render it with the line and a caret like a
// program's diagnostics.
func ParseCluster(name string, src []byte) (*Cluster, error) {
	c := &Cluster{src: src}
	tokenLine := 0
	seenAddr := map[value.Addr]int{}
	seenHP := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	errAt := func(col int, hint, format string, args ...any) error {
		return syntax.Diagnostic{File: name, Pos: syntax.Pos{Line: line, Col: col}, Msg: fmt.Sprintf(format, args...), Hint: hint}
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := splitFields(text)
		if len(fields) == 0 {
			continue
		}
		errf := func(f int, hint, format string, args ...any) error {
			return errAt(fields[min(f, len(fields)-1)].col, hint, format, args...)
		}
		switch fields[0].text {
		case "token":
			if len(fields) != 2 {
				return nil, errf(2, "write `token SECRET` with one word of at least 16 characters", "token takes exactly one value")
			}
			if tokenLine != 0 {
				return nil, errf(0, "keep one token line", "second token (first on line %d)", tokenLine)
			}
			if len(fields[1].text) < MinTokenLen {
				return nil, errf(1, "generate one with `openssl rand -hex 16`", "token is %d characters, need at least %d", len(fields[1].text), MinTokenLen)
			}
			c.Token, tokenLine = fields[1].text, line
		case "node":
			if len(fields) != 3 {
				return nil, errf(min(len(fields), 3), "write `node comp[i] host:port`", "node takes a name and a host:port")
			}
			a, err := value.ParseAddr(fields[1].text)
			if err != nil {
				return nil, errf(1, "node names are component instances such as leader[0]", "%v", err)
			}
			hp := fields[2].text
			if err := checkHostPort(hp); err != nil {
				return nil, errf(2, "write host:port with a port from 1 to 65535, e.g. 127.0.0.1:7000", "bad address %q: %v", hp, err)
			}
			if prev, ok := seenAddr[a]; ok {
				return nil, errf(1, "each node appears once", "node %v already listed on line %d", a, prev)
			}
			if prev, ok := seenHP[hp]; ok {
				return nil, errf(2, "give every node its own port", "%s already used on line %d", hp, prev)
			}
			seenAddr[a], seenHP[hp] = line, line
			c.Nodes = append(c.Nodes, ClusterNode{Addr: a, HostPort: hp, Line: line})
		default:
			return nil, errf(0, "directives are `token` and `node`", "unknown directive %q", fields[0].text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errAt(1, "", "%v", err)
	}
	line++
	if tokenLine == 0 {
		return nil, errAt(1, "add a line `token SECRET`", "no token")
	}
	if len(c.Nodes) == 0 {
		return nil, errAt(1, "add `node comp[i] host:port` lines", "no nodes")
	}
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].Addr.Compare(c.Nodes[j].Addr) < 0 })
	// Instances of each component must be numbered 0..n-1.
	next := map[string]int{}
	for _, n := range c.Nodes {
		if n.Addr.Instance != next[n.Addr.Comp] {
			line = n.Line
			return nil, errAt(nodeNameCol(src, n.Line), "number instances of a component 0, 1, 2, ... without gaps",
				"%v listed but %s[%d] is missing", n.Addr, n.Addr.Comp, next[n.Addr.Comp])
		}
		next[n.Addr.Comp]++
	}
	return c, nil
}

// field is one blank-separated word of a cluster line and its 1-based
// column (in bytes, as syntax positions are).
type field struct {
	text string
	col  int
}

func splitFields(line string) []field {
	var out []field
	start := -1
	for i := 0; i <= len(line); i++ {
		blank := i == len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\r'
		switch {
		case blank && start >= 0:
			out = append(out, field{line[start:i], start + 1})
			start = -1
		case !blank && start < 0:
			start = i
		}
	}
	return out
}

// checkHostPort accepts host:port with a numeric port in 1..65535 (a
// service name or port 0 would only fail later, when a peer dials).
func checkHostPort(hp string) error {
	_, port, err := net.SplitHostPort(hp)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// nodeNameCol is the column of the node name on line (1-based) of src.
func nodeNameCol(src []byte, line int) int {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return 1
	}
	if f := splitFields(lines[line-1]); len(f) > 1 {
		return f[1].col
	}
	return 1
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
	last := 0
	for _, n := range c.Nodes {
		last = max(last, n.Line)
	}
	for _, comp := range p.Components {
		if counts[comp.Name] == 0 {
			// Nothing in the file is wrong: point after the last node line.
			return syntax.Diagnostic{File: name, Pos: syntax.Pos{Line: last + 1, Col: 1},
				Msg: "no node of component " + comp.Name, Hint: "add `node " + comp.Name + "[0] host:port`"}
		}
	}
	for _, n := range c.Nodes {
		if p.Component(n.Addr.Comp) == nil {
			return syntax.Diagnostic{File: name, Pos: syntax.Pos{Line: n.Line, Col: nodeNameCol(c.src, n.Line)},
				Msg: "the program has no component " + n.Addr.Comp, Hint: "components are " + componentNames(p)}
		}
	}
	return nil
}

// CountWarnings names each component whose instance count in the cluster
// differs from the count its program gives it (`component c[3]`; 1
// without a count). The run
// takes its counts from the file (so a cluster may scale a program on
// purpose), but a missing last line would otherwise shrink the run
// without a word. One warning per component, in the program's order,
// positioned at the component's last node line.
func (c *Cluster) CountWarnings(name string, p *analysis.Program) []string {
	counts := c.Counts()
	lastLine := map[string]int{}
	for _, n := range c.Nodes {
		lastLine[n.Addr.Comp] = max(lastLine[n.Addr.Comp], n.Line)
	}
	var out []string
	for _, comp := range p.Components {
		listed, ok := counts[comp.Name]
		if !ok || listed == comp.Count {
			continue
		}
		line := lastLine[comp.Name]
		what := fmt.Sprintf("%s[%d] to %s[%d] are not listed", comp.Name, listed, comp.Name, comp.Count-1)
		if listed == comp.Count-1 {
			what = fmt.Sprintf("%s[%d] is not listed", comp.Name, listed)
		}
		if listed > comp.Count {
			what = "the file lists more"
		}
		out = append(out, fmt.Sprintf("%s:%d:%d: warning: the program gives %s %d instance(s) but this file lists %d, and the run uses the file's count (%s); hint: list every instance, or change the count in the program",
			name, line, nodeNameCol(c.src, line), comp.Name, comp.Count, listed, what))
	}
	return out
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
