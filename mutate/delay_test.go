package mutate

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

var long = flag.Bool("long", false, "check the claimed mutants of every corpus pair, also under omission faults (slow)")

func load(t *testing.T, name, src string) *analysis.Program {
	t.Helper()
	p, diags := analysis.Load(name, []byte(src))
	require.Empty(t, diags, "%s", diags.Render([]byte(src)))
	return p
}

func never(string) bool { return false }

// claims returns, by mutant name, the reasons Explain gives for the
// mutants of src (FreshIDs set, no invariant fired).
func claims(t *testing.T, name, src string) (map[string]string, []Mutant) {
	t.Helper()
	p := load(t, name, src)
	s := NewShapes(p)
	s.FreshIDs = true
	ms, err := Generate(name, []byte(src))
	require.NoError(t, err)
	out := map[string]string{}
	for _, m := range ms {
		if why, _ := s.Explain(m, never); why != "" {
			out[m.Name] = why
		}
	}
	return out, ms
}

// check runs checker.Check of the mutant named name of rew against orig.
func check(t *testing.T, orig *analysis.Program, ms []Mutant, name string, fp sim.FaultPlan, runs int) checker.Verdict {
	t.Helper()
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		mp, diags := analysis.Load("mutant.ded", m.Source)
		require.Empty(t, diags, "%s: %s", name, diags.Render(m.Source))
		rep, err := checker.Check(orig, mp, checker.Options{Runs: runs, Spec: sim.Spec{Faults: fp}, NoShrink: true, Timeout: 20 * time.Second})
		require.NoError(t, err, name)
		return rep.Verdict
	}
	t.Fatalf("no mutant %s", name)
	return checker.Unknown
}

// A ":-" made ":+" whose facts are joined with an input of the same tick
// loses the join: killed, and the delay argument must not claim it. The
// same rule feeding the output alone is claimed, and survives.
func TestDelayNotClaimedWhenKilled(t *testing.T) {
	const joined = `component a {
  .input in(k: int, v: int)
  .output out(k: int, v: int)
  mid(k, v) :- in(k, v).
  out(k, v) :- mid(k, v), in(k, _).
}
`
	const alone = `component a {
  .input in(k: int, v: int)
  .output out(k: int, v: int)
  mid(k, v) :- in(k, v).
  out(k, v) :- mid(k, v).
}
`
	got, ms := claims(t, "joined.ded", joined)
	assert.NotContains(t, got, "r1/to-next")
	orig := load(t, "joined.ded", joined)
	assert.Equal(t, checker.NotEquivalent, check(t, orig, ms, "r1/to-next", sim.FaultPlan{}, 5))

	got, ms = claims(t, "alone.ded", alone)
	assert.Contains(t, got["r1/to-next"], "equivalent by delay")
	assert.Contains(t, got["r2/to-next"], "equivalent by delay")
	orig = load(t, "alone.ded", alone)
	assert.Equal(t, checker.Equivalent, check(t, orig, ms, "r1/to-next", sim.FaultPlan{}, 5))
}

// The shapes: a delayed fact joined with a persisted one is claimed
// (sandwich), a chain read by nothing else is claimed (shift, aggregates
// included), an output read by nothing is claimed; a delayed fact joined
// with an aggregate's current count, or with a negation of a growing
// relation, is not.
func TestDelayShapes(t *testing.T) {
	const src = `.persist seen
.persist base
component a {
  .input in(k: int, v: int)
  .input b(k: int)
  .output out(k: int, v: int)
  .output out2(k: int)
  .output out3(k: int)
  .output out4(k: int)
  base(k) :- b(k).
  seen(k, v) :- in(k, v).
  got(k, v) :- seen(k, v).
  out(k, v) :- got(k, v), base(k).
  n(count(v), k) :- seen(k, v).
  two(k) :- n(c, k), (c == 2).
  out2(k) :- two(k).
  ev(k) :- in(k, _).
  out3(k) :- ev(k), !base(k).
  late(k) :- seen(k, _).
  out4(k) :- late(k), n(c, k), (c == 2).
}
`
	got, _ := claims(t, "shapes.ded", src)
	assert.Contains(t, got["r3/to-next"], "grows", "got joins seen and base, both persisted")
	assert.Contains(t, got["r6/to-next"], "only this rule derives two", "two feeds only out2")
	assert.Contains(t, got["r9/to-next"], "output", "out3 is only delivered")
	assert.NotContains(t, got, "r8/to-next", "ev is joined with a negation of a growing relation")
	assert.NotContains(t, got, "r10/to-next", "late is joined with an aggregate's current count")
	assert.NotContains(t, got, "r2/to-next", "seen feeds n, and n is joined with late")
}

// A guard by the full row is claimed whatever the workload; a guard by
// key needs fresh ids, and its mutant is killed when a key is retried
// with another payload.
func TestSuppressionClaims(t *testing.T) {
	const src = `.persist replied
component a {
  .input in(id: int, v: int)
  .output reply(id: int, v: int)
  reply(id, v) :- in(id, v), !replied(id, _).
  replied(id, v) :+ reply(id, v).
}
`
	got, ms := claims(t, "guard.ded", src)
	require.Contains(t, got["r1/drop-lit2"], "fresh id")
	assert.Contains(t, got["r2/delete"], "set semantics")
	p := load(t, "guard.ded", src)
	s := NewShapes(p) // FreshIDs unset: the key argument is off
	for _, m := range ms {
		if m.Name == "r1/drop-lit2" {
			why, _ := s.Explain(m, never)
			assert.Empty(t, why)
		}
	}
	// With retries of an id under another payload the mutant is
	// observable: the key argument must stay off under --repeats.
	rp, err := sim.ParseRepeats("retry=60")
	require.NoError(t, err)
	for _, m := range ms {
		if m.Name != "r1/drop-lit2" {
			continue
		}
		mp, diags := analysis.Load("mutant.ded", m.Source)
		require.Empty(t, diags)
		rep, err := checker.Check(p, mp, checker.Options{Runs: 20, Spec: sim.Spec{Repeats: rp}, NoShrink: true})
		require.NoError(t, err)
		assert.Equal(t, checker.NotEquivalent, rep.Verdict)
	}

	const full = `.persist replied
component a {
  .input in(id: int, v: int)
  .output reply(id: int, v: int)
  reply(id, v) :- in(id, v), !replied(id, v).
  replied(id, v) :+ reply(id, v).
}
`
	pf := load(t, "full.ded", full)
	sf := NewShapes(pf)
	msf, err := Generate("full.ded", []byte(full))
	require.NoError(t, err)
	for _, m := range msf {
		if m.Name == "r1/drop-lit2" {
			why, _ := sf.Explain(m, never)
			assert.Contains(t, why, "set semantics")
			assert.NotContains(t, why, "fresh id")
		}
	}
}

// Every mutant of a corpus pair that Explain claims equivalent is not
// killed by dsim check's default runs (fault-free; with -long also under
// omission faults, and every pair). A claim on a killed mutant fails.
func TestClaimsNotKilledOnCorpus(t *testing.T) {
	pairs := [][2]string{
		{"micro/functional/before.ded", "micro/functional/after.ded"},
		{"micro/mutually-independent/before.ded", "micro/mutually-independent/after.ded"},
		{"micro/cohashing/before.ded", "micro/cohashing/after.ded"},
		{"voting/base.ded", "voting/scalable.ded"},
	}
	if *long {
		pairs = append(pairs, [][2]string{
			{"micro/monotonic/before.ded", "micro/monotonic/after.ded"},
			{"micro/dependencies/before.ded", "micro/dependencies/after.ded"},
			{"hashset/base.ded", "hashset/fig2-mutually-independent.ded"},
			{"hashset/base.ded", "hashset/fig3-monotonic.ded"},
			{"hashset/base.ded", "hashset/fig4-functional.ded"},
			{"hashset/base.ded", "hashset/fig5-cohashing.ded"},
			{"hashset/base.ded", "hashset/fig6-dependencies.ded"},
			{"2pc/base.ded", "2pc/scalable.ded"},
			{"micro/partial/before.ded", "micro/partial/after.ded"},
		}...)
	}
	plans := []sim.FaultPlan{{}}
	if *long {
		fp, err := sim.ParseFaultPlan("omission random f=1 p=0.3 until=20")
		require.NoError(t, err)
		plans = append(plans, fp)
	}
	total := 0
	for _, pr := range pairs {
		t.Run(strings.ReplaceAll(pr[1], "/", "_"), func(t *testing.T) {
			osrc, err := corpus.Open(pr[0])
			require.NoError(t, err)
			rsrc, err := corpus.Open(pr[1])
			require.NoError(t, err)
			orig := load(t, pr[0], string(osrc))
			got, ms := claims(t, pr[1], string(rsrc))
			for _, m := range ms {
				if got[m.Name] == "" {
					continue
				}
				total++
				for _, fp := range plans {
					assert.NotEqual(t, checker.NotEquivalent, check(t, orig, ms, m.Name, fp, 5), "%s is claimed (%s) but killed", m.Name, got[m.Name])
				}
			}
		})
	}
	t.Logf("%d claimed mutants checked", total)
	assert.Positive(t, total)
}

// A count compared with a fixed lower bound only ever becomes true: a
// delayed fact feeding it is claimed. A bound read from a growing
// relation, or an equality, is not.
func TestDelayThreshold(t *testing.T) {
	const src = `.persist acks
.persist acks2
.persist limit
.persist base
component a {
  .input in(k: int, v: int)
  .input lim(n: int)
  .input b(k: int)
  .output out(k: int)
  .output out2(k: int)
  need(2).
  limit(n) :- lim(n).
  base(k) :- b(k).
  acks(k, v) :- in(k, v).
  n(count(v), k) :- acks(k, v).
  out(k) :- n(c, k), need(m), (c >= m), base(k).
  acks2(k, v) :- in(k, v).
  m(count(v), k) :- acks2(k, v).
  out2(k) :- m(c, k), limit(x), (c >= x).
}
`
	got, _ := claims(t, "threshold.ded", src)
	assert.Contains(t, got["r3/to-next"], "acks grows")
	assert.Contains(t, got["r4/to-next"], "n grows")
	assert.NotContains(t, got, "r6/to-next", "acks2 feeds a count whose bound comes from a growing relation")
}

// A guard whose head is no output is claimed when its repeats only reach
// persisted relations and relations joined with constants; not when a
// repeat meets a count of one tick's rows.
func TestSuppressionRepeatsDownstream(t *testing.T) {
	const harmless = `.persist seen
.persist got
component a {
  .input in(id: int, v: int)
  .output out(id: int, v: int)
  fresh(id, v) :- in(id, v), !seen(id, v).
  seen(id, v) :+ fresh(id, v).
  fwd@b[0](id, v) :~ fresh(id, v).
}
component b {
  got(id, v) :- fwd(id, v).
  out(id, v) :- got(id, v).
}
`
	got, _ := claims(t, "harmless.ded", harmless)
	assert.Contains(t, got["r1/drop-lit2"], "set semantics")
	const counted = `.persist seen
component a {
  .input in(id: int, v: int)
  .output out(n: int)
  fresh(id, v) :- in(id, v), !seen(id, v).
  seen(id, v) :+ fresh(id, v).
  fwd@b[0](id, v) :~ fresh(id, v).
}
component b {
  out(count(id)) :- fwd(id, _).
}
`
	got, _ = claims(t, "counted.ded", counted)
	assert.NotContains(t, got, "r1/drop-lit2", "a repeat changes a tick's count")
}

// An edge guard (a :+ copy of a body relation) stops only a row's
// repeats in later ticks; a ":-" copy, which blocks the row in its own
// tick, is no such guard.
func TestEdgeGuard(t *testing.T) {
	const edge = `.persist seen
.persist log
component a {
  .input in(id: int)
  .output out(id: int)
  seen(id) :- in(id).
  once(id) :+ seen(id), !log(id).
  log(id) :+ seen(id).
  out(id) :- once(id).
}
`
	once := func(p *analysis.Program) *analysis.Rule {
		for _, r := range p.Rules {
			if r.Head.Rel == "once" {
				return r
			}
		}
		t.Fatal("no rule once")
		return nil
	}
	p := load(t, "edge.ded", edge)
	s := NewShapes(p)
	r := once(p)
	assert.True(t, s.Suppresses(r, r.Body[1]))
	got, _ := claims(t, "edge.ded", edge)
	assert.Contains(t, got["r2/drop-lit2"], "set semantics")

	sync := strings.Replace(edge, "log(id) :+ seen(id).", "log(id) :- seen(id).", 1)
	p = load(t, "sync.ded", sync)
	s = NewShapes(p)
	r = once(p)
	assert.False(t, s.Suppresses(r, r.Body[1]))
}

// Reachability per component follows an async rule to the components
// reading its message: a routing rule reaches the output computed there.
func TestLocalReasonFollowsMessages(t *testing.T) {
	const src = `component a {
  .input in(k: int)
  fwd@b[0](k) :~ in(k).
  cnt(count(k)) :- in(k).
}
component b {
  .output out(k: int)
  out(k) :- fwd(k).
  cnt(count(k)) :- fwd(k).
}
`
	p := load(t, "route.ded", src)
	s := NewShapes(p)
	for _, r := range p.Rules {
		why, _, _ := s.LocalReason(r)
		switch {
		case r.Head.Rel == "fwd" || r.Head.Rel == "out":
			assert.Empty(t, why, "%s reaches out", r.Head.Rel)
		case r.Component == "a" && r.Head.Rel == "cnt":
			assert.Contains(t, why, "no output depends on cnt at a", "a's cnt is not b's")
		}
	}
}
