package importer

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// memFS is a ReadFile over in-memory files.
func memFS(files map[string]string) ReadFile {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: %w", name, os.ErrNotExist)
	}
}

const pingRole = "a.rs"
const pingSrc = `fn main() {
    let df = datalog!(r#"
.input peers ` + "`repeat_iter(peers.clone())`" + `
.async ping ` + "`null::<(u32,i64,)>()`" + `
.async clientIn ` + "`null::<(u32,i64,)>()`" + `
.async clientOut ` + "`null::<(i64,)>()`" + `
ping@p(c, id) :~ clientIn(c, id), peers(p)
clientOut@c(id) :~ ping(c, id)
"#);
}
`

const pingManifest = `[roles.a]
source = "a.rs"
count = 2

[roles.a.edb]
peers = [0, 1]

[async]
ping = "a"

[client]
request = "clientIn"
tag = 1
reply = "clientOut"
`

// TestManifestErrors: every inconsistency is an error at the entry or the
// role-file line it is about, with a hint, and no program.
func TestManifestErrors(t *testing.T) {
	tests := []struct {
		name     string
		manifest string // edit of pingManifest: old => new, or a whole manifest
		role     string // replaces pingSrc when set
		want     string // first line of the first diagnostic
		hint     string // part of its hint
	}{
		{"reserved role name", "[roles.a] => [roles.hash]\nsource = \"a.rs\"\n[roles.a]", "", "m.toml:1:2: role name hash is reserved", "built-in"},
		{"toml syntax", "count = 2 => count = = 2", "", "m.toml:3:", "TOML"},
		{"unknown role entry", "count = 2 => cuont = 2", "", "m.toml:3:1: unknown manifest entry roles.a.cuont", "source, count, refines"},
		{"unknown top-level entry", "[async] => [asnyc]", "", "m.toml:8:2: unknown manifest entry asnyc", "[roles.NAME]"},
		{"count out of range", "count = 2 => count = 0", "", "m.toml:3:9: role a has count 0", "between 1 and"},
		{"count of the wrong type", "count = 2 => count = \"2\"", "", "m.toml:3:9: roles.a.count: incompatible types", "counts and periods are integers"},
		{"no source", "source = \"a.rs\" => ", "", "m.toml:1:2: role a has no source", "source ="},
		{"missing role file", "source = \"a.rs\" => source = \"b.rs\"", "", "m.toml:2:10: cannot read role a", "relative to the manifest"},
		{"async to an unknown role", "ping = \"a\" => ping = \"b\"", "", "m.toml:9:8: async relation ping goes to role \"b\", which the manifest does not declare", "the roles are a"},
		{"async relation nobody sends", "ping = \"a\" => ping = \"a\"\npong = \"a\"", "", "m.toml:10:1: no role sends pong with @", "rel@dest"},
		{"async relation without destination", "ping = \"a\" => ", "", "a.rs:7:6: the manifest does not say which role receives ping", "under [async]"},
		{"EDB input without value", "peers = [0, 1] => ", "", "a.rs:3:8: EDB input peers of role a has no value in the manifest", "[roles.a.edb]"},
		{"EDB value of the wrong arity", "peers = [0, 1] => peers = [[0, 1]]", "", "m.toml:6:9: edb peers of role a: the value has 2 column(s), but peers has 1", "rows of 1"},
		{"EDB relation the role lacks", "peers = [0, 1] => peers = [0, 1]\nnodes = 3", "", "m.toml:7:1: role a has no relation nodes", "peers"},
		{"EDB form unknown", "peers = [0, 1] => peers = { is = \"every\" }", "", "m.toml:6:11: edb peers of role a: is = \"every\" is not a form", "the forms are"},
		{"EDB form of an unknown role", "peers = [0, 1] => peers = { is = \"ids\", of = \"b\" }", "", "m.toml:6:23: edb peers of role a: of = \"b\" names no role", "the forms"},
		{"EDB block without size", "peers = [0, 1] => peers = { is = \"block\" }", "", "m.toml:6:9: edb peers of role a: { is = \"block\" } needs size", "the forms"},
		{"request nobody reads", "request = \"clientIn\" => request = \"req\"", "", "m.toml:12:11: no role reads request relation req", "clientIn"},
		{"tag out of range", "tag = 1 => tag = 5", "", "m.toml:13:7: tag column 5 is out of range", "2 columns"},
		{"tag zero", "tag = 1 => tag = 0", "", "m.toml:13:7: tag column 0 is out of range", "tag counts from 1"},
		{"output named like a relation", "reply = \"clientOut\" => reply = \"clientOut\"\noutput = \"ping\"", "", "m.toml:15:10: output relation ping is already a relation of role a", "no role file uses"},
		{"unknown client entry", "tag = 1 => tag = 1\ntags = 2", "", "m.toml:14:1: unknown manifest entry client.tags", "request, tag"},
		{"timer of the wrong shape", "peers = [0, 1] => peers = [0, 1]\n[roles.a.timers]\nping = \"fast\"", "", "m.toml:8:8: timer ping of role a:", "PERIOD"},
		{"role file without datalog!", "", "fn main() {}\n", "a.rs:1:1: no datalog! macro in a.rs", "datalog!(r#"},
		{"role file syntax error", "", "datalog!(r#\"\nout(x) :- in(x) in(y)\n\"#)\n", "a.rs:2:17: unexpected identifier \"in\" after body literal", ""},
		{"role file analysis error", "", "datalog!(r#\"\nout(x, y) :- in(x)\n\"#)\n", "a.rs:2:8: head variable y is not bound by the body", ""},
		{"unterminated raw string", "", "let df = datalog!(r#\"\nout(x) :- in(x)\n", "a.rs:1:19: raw string of datalog! is not terminated", "\"#"},
		{"role file with components", "", "datalog!(r#\"\ncomponent b { out(x) :- in(x). }\n\"#)\n", "a.rs:2:1: role file declares component b", "one role"},
	}
	var got []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest := pingManifest
			if old, repl, ok := strings.Cut(tt.manifest, " => "); ok {
				require.Contains(t, manifest, old)
				manifest = strings.Replace(manifest, old, repl, 1)
			}
			role := pingSrc
			if tt.role != "" {
				role = tt.role
			}
			res, err := Import("m.toml", memFS(map[string]string{"m.toml": manifest, pingRole: role}), "")
			require.Nil(t, res)
			require.NotNil(t, err, "no error for\n%s", manifest)
			d := err.Diags[0]
			got = append(got, d.Error())
			require.True(t, strings.HasPrefix(d.Error(), tt.want), "got %q\nwant prefix %q\n%s", d.Error(), tt.want, err.Render())
			require.Contains(t, d.Hint, tt.hint)
			// Rendering shows the offending line with a caret.
			require.Contains(t, err.Render(), "^")
		})
	}
	// docs/IMPORT.md's error catalogue shows messages these cases produce.
	doc, err := os.ReadFile("../docs/IMPORT.md")
	require.NoError(t, err)
	text := string(doc)
	section := text[strings.Index(text, "## Errors\n"):strings.Index(text, "## Example\n")]
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		rows++
		msg := strings.SplitN(strings.TrimPrefix(line, "| `"), "` |", 2)[0]
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, msg)
		}
		require.True(t, found, "docs/IMPORT.md lists %q, which no case produces", msg)
	}
	require.GreaterOrEqual(t, rows, 10)
}

func TestPingImports(t *testing.T) {
	res, err := Import("m.toml", memFS(map[string]string{"m.toml": pingManifest, pingRole: pingSrc}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	require.Contains(t, string(res.Program), "ping@a[p](c, id) :~ clientIn(c, id), peers(p).")
	require.Contains(t, string(res.Program), "reply(c, id) :- ping(c, id).")
}
