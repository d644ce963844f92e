package importer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// The glue forms a manifest can give: block-numbered partition IDs, a
// block's first ID, a timer source, the tick input, rows of several
// columns, a kept .output, refines, and a role-local relation whose name
// another role uses with other columns.
const glueRole = "datalog!(r#\"\n" +
	".input myParts `repeat_iter(parts.clone())`\n" +
	".input start `repeat_iter([(my_id * m,),])`\n" +
	".input every `source_stream(interval) -> map(|_| ())`\n" +
	".input tick `repeat_iter_external(vec![()]) -> map(|_| (context.current_tick() as u32,))`\n" +
	".input pairs `repeat_iter(pairs.clone())`\n" +
	".output seen `for_each(|x| println!(\"{:?}\", x))`\n" +
	"seen(0, p) :- myParts(p)\n" +
	"seen(1, s) :- start(s)\n" +
	"seen(2, t) :- tick(t), (t == 3)\n" +
	"seen(3, 0) :- every()\n" +
	"seen(4, a + b) :- pairs(a, b)\n" +
	"\"#)\n"

const otherRole = "datalog!(r#\"\n" +
	".input n `repeat_iter([(3,),])`\n" +
	"seen(x) :- n(x)\n" +
	"\"#)\n"

const glueManifest = `
[roles.parts]
source = "parts.rs"
count = 2
refines = "store"
tick = "tick"

[roles.parts.edb]
myParts = { is = "block", size = 2 }
start = { is = "block_start", size = 2 }
pairs = [[1, 2], [3, 4]]

[roles.parts.timers]
every = { period = 5, jitter = 1 }

[roles.other]
source = "other.rs"

[roles.other.edb]
n = 3
`

func TestGlueForms(t *testing.T) {
	manifest := "outputs = [\"seen\"]\n" + glueManifest
	res, err := Import("m.toml", memFS(map[string]string{"m.toml": manifest, "parts.rs": glueRole, "other.rs": otherRole}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	text := string(res.Program)
	for _, want := range []string{
		"component parts[2] refines store {",
		"myParts__at(parts[0], 0).", "myParts__at(parts[0], 1).", "myParts__at(parts[1], 2).", "myParts__at(parts[1], 3).",
		"start__at(parts[0], 0).", "start__at(parts[1], 2).",
		".timer every__timer 5 jitter 1",
		"every() :- every__timer(_).",
		"tick(0) :- !tick__started().",
		// The other role's seen has one column: it is renamed there.
		"other_seen(x) :- n(x).",
	} {
		require.Contains(t, text, want)
	}
	prog, diags := analysis.Load("glue.ded", res.Program)
	require.Empty(t, diags, "%s", diags.Render(res.Program))
	run, rerr := sim.Run(prog, sim.Config{Seed: 1, Limits: sim.Limits{MaxTime: 12}})
	require.NoError(t, rerr)
	var got []string
	for _, f := range run.History.OutputFacts() {
		got = append(got, f.String())
	}
	require.Equal(t, "seen(0, 0) seen(0, 1) seen(0, 2) seen(0, 3) seen(1, 0) seen(1, 2) seen(2, 3) seen(3, 0) seen(4, 3) seen(4, 7)",
		strings.Join(got, " "))

	// Without outputs = ["seen"], seen is local: nothing reaches a client.
	res, err = Import("m.toml", memFS(map[string]string{"m.toml": glueManifest, "parts.rs": glueRole, "other.rs": otherRole}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	require.NotContains(t, string(res.Program), ".output")
}

// With reply_tag (the default), the reply carries the client tag first,
// which is the request id, so the simulator's clients match answers.
func TestReplyTag(t *testing.T) {
	res, err := Import("m.toml", memFS(map[string]string{"m.toml": pingManifest, pingRole: pingSrc}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	prog, diags := analysis.Load("ping.ded", res.Program)
	require.Empty(t, diags)
	run, rerr := sim.Run(prog, sim.Config{Seed: 3, Closed: &sim.ClosedLoop{Clients: 1, Requests: 3}})
	require.NoError(t, rerr)
	var got, want []string
	for _, f := range run.History.OutputFacts() {
		got = append(got, f.String())
	}
	var ids []int64
	for _, in := range run.History.Inputs {
		ids = append(ids, in.Fact.Tuple[0].I)
	}
	slices.Sort(ids)
	for _, id := range ids {
		want = append(want, fmt.Sprintf("reply(%d, %d)", id, id))
	}
	// Three requests, each answered with its id (the closed loop sends
	// the next one only after the answer to the previous).
	require.Len(t, want, 3)
	require.Equal(t, strings.Join(want, " "), strings.Join(got, " "))
}

// Without a tag, the request relation's columns are the request's, id
// first.
func TestRequestWithoutTag(t *testing.T) {
	manifest := strings.Replace(pingManifest, "tag = 1\n", "", 1)
	res, err := Import("m.toml", memFS(map[string]string{"m.toml": manifest, pingRole: pingSrc}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	require.Contains(t, string(res.Program), "clientIn(c1, c2) :- request(c1, c2).")
}

// The artifact wires ports, so a relation may arrive under another name:
// { to = ROLE, as = NAME } renames it in the sending rules.
func TestAsyncAs(t *testing.T) {
	sender := "datalog!(r#\"\n.input peers `x`\n.input in\n.async p1a `x`\np1a@p(x) :~ in(x), peers(p)\n\"#)\n"
	receiver := "datalog!(r#\"\n.async p1aU `y`\n.output got `z`\ngot(x) :- p1aU(x)\np1a(x, x) :- p1aU(x)\n\"#)\n"
	manifest := "outputs = [\"got\"]\n[roles.leader]\nsource = \"l.rs\"\n[roles.leader.edb]\npeers = { is = \"ids\", of = \"acceptor\" }\n" +
		"[roles.acceptor]\nsource = \"a.rs\"\ncount = 2\n[async]\np1a = { to = \"acceptor\", as = \"p1aU\" }\n[client]\nrequest = \"in\"\n"
	res, err := Import("m.toml", memFS(map[string]string{"m.toml": manifest, "l.rs": sender, "a.rs": receiver}), "")
	if err != nil {
		t.Fatal(err.Render())
	}
	// The acceptor's own p1a has two columns: no clash with the channel.
	require.Contains(t, string(res.Program), "p1aU@acceptor[p](x) :~ in(x), peers(p).")
	require.Contains(t, string(res.Program), "p1a(x, x) :- p1aU(x).")

	bad := strings.Replace(manifest, `as = "p1aU"`, `as = "p1aU", by = 1`, 1)
	_, err = Import("m.toml", memFS(map[string]string{"m.toml": bad, "l.rs": sender, "a.rs": receiver}), "")
	require.NotNil(t, err)
	require.Equal(t, "m.toml:10:39: unknown entry by in async relation p1a", err.Diags[0].Error())
}
