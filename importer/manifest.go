package importer

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Manifest is a deployment manifest (docs/IMPORT.md): what the Rust glue of
// the artifact's roles supplied.
type Manifest struct {
	Name    string           `toml:"name"`
	Roles   map[string]*Role `toml:"roles"`
	Async   map[string]any   `toml:"async"`
	Client  *Client          `toml:"client"`
	Outputs []string         `toml:"outputs"`

	routes map[string]route // Async, checked
	order  []string         // role names in manifest order (component order)
	file   string           // manifest path, for diagnostics
	keys   keyPositions     // where each entry is written
}

// route is one [async] entry: the role that receives a relation, and the
// name the receiving role reads it under (the artifact wires ports, so a
// leader's p1a may arrive as an acceptor's p1aU).
type route struct {
	to, as string
}

// Role is one [roles.NAME] table.
type Role struct {
	Source  string         `toml:"source"`
	Count   int64          `toml:"count"`
	Refines string         `toml:"refines"`
	Tick    string         `toml:"tick"`
	EDB     map[string]any `toml:"edb"`
	Timers  map[string]any `toml:"timers"`
}

// Client is the [client] table: which relations carry client requests and
// replies.
type Client struct {
	Request  string `toml:"request"`
	Tag      int    `toml:"tag"`
	ID       int    `toml:"id"`
	Input    string `toml:"input"`
	Reply    string `toml:"reply"`
	Output   string `toml:"output"`
	ReplyTag *bool  `toml:"reply_tag"`
}

// knownKeys lists the entries of each table, for the hint of an unknown one.
var knownKeys = map[string]string{
	"":       "name, outputs, [roles.NAME], [async], [client]",
	"roles.": "source, count, refines, tick, [roles.NAME.edb], [roles.NAME.timers]",
	"client": "request, tag, id, input, reply, output, reply_tag",
}

// parseManifest decodes a manifest and checks its shape (not yet against
// the role files).
func parseManifest(name string, src []byte) (*Manifest, syntax.Diagnostics) {
	m := &Manifest{file: name, keys: scanKeys(src)}
	md, err := toml.Decode(string(src), m)
	if err != nil {
		return nil, syntax.Diagnostics{m.decodeError(err)}
	}
	var diags syntax.Diagnostics
	errorf := func(pos syntax.Pos, hint, format string, args ...any) {
		diags = append(diags, syntax.Diagnostic{File: name, Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
	}
	for _, k := range md.Undecoded() {
		path := []string(k)
		if len(path) >= 3 && path[0] == "roles" && (path[2] == "edb" || path[2] == "timers") ||
			len(path) >= 2 && path[0] == "async" {
			continue // free-form tables, checked below or against the role files
		}
		table := ""
		switch {
		case len(path) >= 2 && path[0] == "roles":
			table = "roles."
		case len(path) >= 2 && path[0] == "client":
			table = "client"
		}
		errorf(m.keys.lookup(path...), "the entries here are "+knownKeys[table]+" (docs/IMPORT.md)",
			"unknown manifest entry %s", k.String())
	}
	if len(m.Roles) == 0 {
		errorf(syntax.Pos{Line: 1, Col: 1}, "declare each role as a table: [roles.leader] with source = \"leader.rs\"",
			"the manifest names no roles")
	}
	for name, r := range m.Roles {
		m.order = append(m.order, name)
		at := func(k ...string) syntax.Pos { return m.keys.lookup(append([]string{"roles", name}, k...)...) }
		if !isIdentName(name) {
			errorf(at(), "role names become component names: letters, digits and _", "role name %q is not an identifier", name)
		}
		if analysis.LookupBuiltin(name) != nil || name == "component" || name == "refines" {
			errorf(at(), "rename the role; a component cannot be named like a built-in or a keyword", "role name %s is reserved", name)
		}
		if r == nil {
			continue
		}
		if r.Source == "" {
			errorf(at(), "write source = \"ROLE.rs\" (or an extracted .dl file), relative to the manifest", "role %s has no source", name)
		}
		switch {
		case !m.keys.has("roles", name, "count"):
			r.Count = 1
		case r.Count < 1 || r.Count > value.MaxInstances:
			errorf(m.keys.value("roles", name, "count"), fmt.Sprintf("write a count between 1 and %d", value.MaxInstances),
				"role %s has count %d", name, r.Count)
		}
		if r.Refines != "" && !isIdentName(r.Refines) {
			errorf(m.keys.value("roles", name, "refines"), "name the original program's component this role stands for",
				"refines %q is not a component name", r.Refines)
		}
	}
	sort.Slice(m.order, func(i, j int) bool {
		return posLess(m.keys.lookup("roles", m.order[i]), m.keys.lookup("roles", m.order[j]), m.order[i], m.order[j])
	})
	m.routes = map[string]route{}
	for rel, v := range m.Async {
		rt := route{as: rel}
		switch v := v.(type) {
		case string:
			rt.to = v
		case map[string]any:
			for k := range v {
				if k != "to" && k != "as" {
					errorf(m.keys.lookup("async", rel, k), `write rel = "ROLE" or rel = { to = "ROLE", as = "receivedName" }`,
						"unknown entry %s in async relation %s", k, rel)
				}
			}
			to, _ := v["to"].(string)
			rt.to = to
			if as, ok := v["as"].(string); ok {
				if !isIdentName(as) {
					errorf(m.keys.lookup("async", rel, "as"), "as names the relation the receiving role reads", "as %q is not a relation name", as)
				}
				rt.as = as
			}
		}
		if rt.to == "" {
			errorf(m.keys.value("async", rel), `write rel = "ROLE" or rel = { to = "ROLE", as = "receivedName" }`,
				"async relation %s names no receiving role", rel)
			continue
		}
		if m.Roles[rt.to] == nil {
			errorf(m.keys.value("async", rel), "the roles are "+strings.Join(m.order, ", "),
				"async relation %s goes to role %q, which the manifest does not declare", rel, rt.to)
		}
		m.routes[rel] = rt
	}
	diags.Sort()
	return m, diags
}

func posLess(p, q syntax.Pos, a, b string) bool {
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	if p.Col != q.Col {
		return p.Col < q.Col
	}
	return a < b
}

func (kp keyPositions) has(path ...string) bool {
	_, ok := kp[joinKey(path)]
	return ok
}

// decodeError turns a TOML error into a positioned diagnostic.
func (m *Manifest) decodeError(err error) syntax.Diagnostic {
	d := syntax.Diagnostic{File: m.file, Pos: syntax.Pos{Line: 1, Col: 1}, Msg: err.Error(),
		Hint: "the manifest is TOML; see docs/IMPORT.md for its entries"}
	var pe toml.ParseError
	var ppe *toml.ParseError
	if errors.As(err, &ppe) && ppe != nil {
		pe = *ppe
	}
	if pe.Message != "" || errors.As(err, &pe) {
		d.Msg = pe.Message
		if pe.Position.Line > 0 {
			d.Pos = syntax.Pos{Line: pe.Position.Line, Col: max(pe.Position.Col, 1)}
		}
		if pe.LastKey != "" {
			if p := m.keys.value(strings.Split(pe.LastKey, ".")...); p.Line == d.Pos.Line || pe.Position.Line == 0 {
				d.Pos = p
			}
		}
		if pe.Usage != "" {
			d.Hint = pe.Usage
		}
		return d
	}
	// A type mismatch is a plain error naming the key it is about.
	if k := lastKeyError.FindStringSubmatch(err.Error()); k != nil {
		d.Pos = m.keys.value(strings.Split(k[1], ".")...)
		d.Msg = fmt.Sprintf("%s: %s", k[1], k[2])
		d.Hint = "give the entry the type docs/IMPORT.md lists (counts and periods are integers, names are strings)"
	}
	return d
}

// lastKeyError matches the decoder's `toml: line N (last key "K"): msg`.
var lastKeyError = regexp.MustCompile(`^toml: (?:line \d+ )?\(last key "([^"]+)"\): (.*)$`)

func isIdentName(s string) bool {
	if s == "" || s == "_" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
