package realnet

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// TestClusterErrorsArePositioned: every cluster-file error is a
// diagnostic at the offending word (line and column), so that serve
// renders it with the line and a caret; a port that is not a number
// from 1 to 65535 is refused when the file is read (it used to be
// accepted, and the node retried dialling "lookup tcp/70x01" forever).
func TestClusterErrorsArePositioned(t *testing.T) {
	const tok = "token 5c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5\n"
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{tok + "node a[0]   127.0.0.1:70x01\n", 2, 13, `port "70x01" is not a number`},
		{tok + "node a[0] 127.0.0.1:0\n", 2, 11, `port "0" is not a number`},
		{tok + "node a[0] 127.0.0.1:65536\n", 2, 11, `port "65536"`},
		{tok + "node a[0] localhost\n", 2, 11, "missing port"},
		{tok + "  node a[x] 127.0.0.1:7000\n", 2, 8, "a[x]"},
		{tok + "node a[0] 127.0.0.1:7000 extra\n", 2, 26, "node takes a name and a host:port"},
		{tok + "node a[0] 127.0.0.1:7000\nnode a[0] 127.0.0.1:7001\n", 3, 6, "already listed on line 2"},
		{tok + "node a[0] 127.0.0.1:7000\nnode a[1] 127.0.0.1:7000\n", 3, 11, "already used on line 2"},
		{tok + "node a[0] 127.0.0.1:7000\n\tnode a[2] 127.0.0.1:7001\n", 3, 7, "a[1] is missing"},
		{tok + "nodes a[0] 127.0.0.1:7000\n", 2, 1, `unknown directive "nodes"`},
		{"token short\n", 1, 7, "token is 5 characters"},
		{tok + tok, 2, 1, "second token"},
		{"node a[0] 127.0.0.1:7000\n", 2, 1, "no token"},
	} {
		_, err := ParseCluster("c.txt", []byte(tc.src))
		var d syntax.Diagnostic
		require.True(t, errors.As(err, &d), "%q: %v", tc.src, err)
		assert.Equal(t, syntax.Pos{Line: tc.line, Col: tc.col}, d.Pos, "%q: %v", tc.src, err)
		assert.Contains(t, d.Msg, tc.msg, "%q", tc.src)
		assert.NotEmpty(t, d.Hint, "%q", tc.src)
	}
	c, err := ParseCluster("c.txt", []byte(tok+"node a[0] 127.0.0.1:7000 # comment\n"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7000", c.Nodes[0].HostPort)
}

// TestClusterCountWarnings: a cluster that lists fewer (or more) instances
// of a component than the program gives it is still run with the file's
// counts, but says so, at the component's last node line; a cluster that
// matches the program says nothing.
func TestClusterCountWarnings(t *testing.T) {
	const tok = "token 5c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5\n"
	prog, diags := analysis.Load("p.ded", []byte("component a[3] {\n  x(1).\n}\ncomponent b {\n  y(1).\n}\n"))
	require.Empty(t, diags)
	for _, tc := range []struct {
		nodes string
		want  []string
	}{
		{"node a[0] h:1\nnode a[1] h:2\nnode a[2] h:3\nnode b[0] h:4\n", nil},
		{"node a[0] h:1\nnode a[1] h:2\nnode b[0] h:4\n", []string{"c.txt:3:6: warning: the program gives a 3 instance(s) but this file lists 2, and the run uses the file's count (a[2] is not listed)"}},
		{"node a[0] h:1\nnode b[0] h:4\n", []string{"c.txt:2:6: warning: the program gives a 3 instance(s) but this file lists 1, and the run uses the file's count (a[1] to a[2] are not listed)"}},
		{"node a[0] h:1\nnode a[1] h:2\nnode a[2] h:3\nnode b[0] h:4\nnode b[1] h:5\n", []string{"c.txt:6:6: warning: the program gives b 1 instance(s) but this file lists 2, and the run uses the file's count (the file lists more)"}},
	} {
		c, err := ParseCluster("c.txt", []byte(tok+tc.nodes))
		require.NoError(t, err)
		got := c.CountWarnings("c.txt", prog)
		require.Len(t, got, len(tc.want), "%q: %v", tc.nodes, got)
		for i, w := range tc.want {
			assert.True(t, strings.HasPrefix(got[i], w), "got %q\nwant prefix %q", got[i], w)
			assert.Contains(t, got[i], "hint: ")
		}
	}
}
