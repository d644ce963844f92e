package rewrites

import (
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
)

// prog analyses a test program written inline.
func prog(t *testing.T, src string) *analysis.Program {
	t.Helper()
	p, diags := analysis.Load("t.ded", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("test program does not vet:\n%s", diags.Render([]byte(src)))
	}
	return p
}

// split returns the rules of comp deriving the relations in c2 (C2) and the
// rest (C1).
func split(t *testing.T, p *analysis.Program, comp string, c2 ...string) (c1r, c2r []*analysis.Rule) {
	t.Helper()
	c := p.Component(comp)
	if c == nil {
		t.Fatalf("no component %s", comp)
	}
	for _, r := range c.Rules {
		if contains(c2, r.Head.Rel) {
			c2r = append(c2r, r)
		} else {
			c1r = append(c1r, r)
		}
	}
	return c1r, c2r
}

const leaderSrc = `
component leader {
  .input in(id: int)
  .input ack(id: int)
  .output done(id: int)
  .output echo(id: int)

  seen(id) :- in(id).
  .persist seen
  echo(id) :- in(id).
  acks(id) :- ack(id).
  .persist acks
  done(id) :- acks(id), seen(id).
}
`

// §2.4 vocabulary of a rule subset, and §3.1 independence in both
// directions.
func TestVocabAndIndependence(t *testing.T) {
	p := prog(t, leaderSrc)
	_, c2 := split(t, p, "leader", "acks", "done")
	v := VocabOf(p, c2)
	if got := strings.Join(v.Inputs, ","); got != "ack,seen" {
		t.Errorf("inputs of C2 = %s, want ack,seen", got)
	}
	if got := strings.Join(v.Outputs, ","); got != "done" {
		t.Errorf("outputs of C2 = %s, want done", got)
	}
	cases := []struct {
		c2          []string
		c1IndepOfC2 bool
		c2IndepOfC1 bool
		mutual      bool
		witnessRel  string
	}{
		{[]string{"acks", "done"}, true, false, false, "seen"}, // C2 reads seen (C1's)
		{[]string{"echo"}, true, true, false, "in"},            // both read in
		{[]string{"seen"}, false, true, false, "seen"},         // C1's done reads seen
		{[]string{"acks"}, false, true, false, "acks"},
	}
	for _, tc := range cases {
		c1, c2 := split(t, p, "leader", tc.c2...)
		ok1, _ := Independent(p, c1, c2)
		ok2, _ := Independent(p, c2, c1)
		okm, d := MutuallyIndependent(p, c1, c2)
		if ok1 != tc.c1IndepOfC2 || ok2 != tc.c2IndepOfC1 || okm != tc.mutual {
			t.Errorf("C2=%v: C1 indep %v C2 indep %v mutual %v; want %v %v %v", tc.c2, ok1, ok2, okm, tc.c1IndepOfC2, tc.c2IndepOfC1, tc.mutual)
		}
		if !okm && d.Relation != tc.witnessRel {
			t.Errorf("C2=%v: witness %s, want %s", tc.c2, d.Relation, tc.witnessRel)
		}
	}
	p2 := prog(t, `component c {
  .input a(x: int)
  .input b(x: int)
  .output oa(x: int)
  .output ob(x: int)
  oa(x) :- a(x).
  ob(x) :- b(x).
}`)
	c1, c2r := split(t, p2, "c", "ob")
	if ok, d := MutuallyIndependent(p2, c1, c2r); !ok {
		t.Errorf("disjoint rules are mutually independent; witness %+v", d)
	}
}

// §3.2 monotonicity with the report's relaxations (App. A.2).
func TestMonotonic(t *testing.T) {
	cases := []struct {
		name, src string
		c2        []string
		want      bool
		rel       string // the witness relation when not monotonic
	}{
		{"persisted join", `component c {
  .input a(x: int)
  .input b(x: int)
  .output both(x: int)
  pa(x) :- a(x).
  .persist pa
  pb(x) :- b(x).
  .persist pb
  both(x) :- pa(x), pb(x).
}`, []string{"both"}, true, ""},
		{"unpersisted join", `component c {
  .input a(x: int)
  .input b(x: int)
  .output both(x: int)
  pa(x) :- a(x).
  pb(x) :- b(x).
  both(x) :- pa(x), pb(x).
}`, []string{"both"}, false, "pa"},
		{"logically persisted (relaxation 1)", `component c {
  .input a(x: int)
  .input b(x: int)
  .output both(x: int)
  pa(x) :- a(x).
  .persist pa
  qa(x) :- pa(x).
  pb(x) :- b(x).
  .persist pb
  both(x) :- qa(x), pb(x).
}`, []string{"both"}, true, ""},
		{"threshold over count (relaxation 2)", `component c {
  .input a(id: int, src: int)
  .output quorum(id: int)
  acks(id, s) :- a(id, s).
  .persist acks
  n(count(s), id) :- acks(id, s).
  quorum(id) :- n(k, id), (k >= 2).
}`, []string{"n", "quorum"}, true, ""},
		{"equality over count", `component c {
  .input a(id: int, src: int)
  .output quorum(id: int)
  acks(id, s) :- a(id, s).
  .persist acks
  n(count(s), id) :- acks(id, s).
  quorum(id) :- n(k, id), (k == 2).
}`, []string{"n", "quorum"}, false, "n"},
		{"min is not monotone", `component c {
  .input a(x: int)
  .output low(x: int)
  pa(x) :- a(x).
  .persist pa
  low(min(x)) :- pa(x).
}`, []string{"low"}, false, "low"},
		// The report's relaxation 3 is not applied: a GC condition is a
		// claim the engine cannot check (TestRelaxationControls shows a
		// counterexample), so it negates.
		{"persistence with a GC condition (relaxation 3, not applied)", `component c {
  .input a(x: int)
  .input gc(x: int)
  .output seen(x: int)
  pa(x) :- a(x).
  pa(x) :+ pa(x), !gc(x).
  seen(x) :- pa(x).
}`, []string{"pa", "seen"}, false, "gc"},
		{"a persisted input of C1 with a GC condition is not persisted", `component c {
  .input a(x: int)
  .input b(x: int)
  .input gc(x: int)
  .output both(x: int)
  pa(x) :- a(x).
  pa(x) :+ pa(x), !gc(x).
  pb(x) :- b(x).
  .persist pb
  both(x) :- pa(x), pb(x).
}`, []string{"both"}, false, "pa"},
		{"negation", `component c {
  .input a(x: int)
  .output fresh(x: int)
  pa(x) :- a(x).
  .persist pa
  fresh(x) :- a(x), !pa(x).
}`, []string{"fresh"}, false, "pa"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := prog(t, tc.src)
			_, c2 := split(t, p, "c", tc.c2...)
			ok, v := IsMonotonic(p, p.Component("c"), c2)
			if ok != tc.want {
				t.Fatalf("IsMonotonic = %v (%+v), want %v", ok, v, tc.want)
			}
			if !ok && v.Relation != tc.rel {
				t.Errorf("witness %s (%s), want %s", v.Relation, v.Reason, tc.rel)
			}
		})
	}
}

// §3.3 functional components: no negation or aggregation, one IDB relation
// per body, no state.
func TestFunctional(t *testing.T) {
	p := prog(t, `component c {
  .input a(x: int)
  .input b(x: int)
  .output m(x: int, y: int)
  .output j(x: int)
  .output n(x: int)
  .output g(k: int)
  .output s(x: int)
  m(x, y) :- a(x), y = sign(x).
  j(x) :- a(x), b(x).
  n(x) :- a(x), !b(x).
  g(count(x)) :- a(x).
  s(x) :+ a(x).
}`)
	for rel, want := range map[string]bool{"m": true, "j": false, "n": false, "g": false, "s": false} {
		_, c2 := split(t, p, "c", rel)
		if ok, v := IsFunctional(p, c2); ok != want {
			t.Errorf("%s: IsFunctional = %v (%+v), want %v", rel, ok, v, want)
		}
	}
}

// App. A.4 existence and no-change dependencies, and the state machine test.
func TestStateMachine(t *testing.T) {
	p := prog(t, `component c {
  .input a(x: int)
  .output out(x: int)
  .output tick(x: int)
  now(x) :- a(x).
  log(x) :- a(x).
  .persist log
  out(x) :- now(x), log(x).
  tick(x) :+ now(x).
}`)
	d := StateDependencies(p, p.Component("c").Rules)
	if got := strings.Join(d.Existence, ","); got != "now,out" {
		t.Errorf("existence = %s, want now,out", got)
	}
	if got := strings.Join(d.NoChange, ","); got != "log" {
		t.Errorf("no-change = %s, want log", got)
	}
	if ok, v := IsStateMachine(p, p.Component("c").Rules); ok || v.Relation != "tick" {
		t.Errorf("a next-tick output breaks the state machine test; got %v %+v", ok, v)
	}
	_, c2 := split(t, p, "c", "now", "log", "out")
	if ok, v := IsStateMachine(p, c2); !ok {
		t.Errorf("without tick it is a state machine; got %+v", v)
	}
}

// App. B.2.1 functional dependencies: declared on hash, inherited through
// a next-tick rule and a persistence rule, intersected over rules (mixed
// has none: b gives no FD). An equality w = v is inferred in the direction
// the rule defines it only.
func TestInferFDs(t *testing.T) {
	p := prog(t, `component c {
  .input a(v: int)
  .input b(v: int, h: int)
  hashed(v, h) :- a(v), h = hash(v) % 8.
  stored(h, v) :+ hashed(v, h).
  .persist stored
  mixed(v, h) :- hashed(v, h).
  mixed(v, h) :- b(v, h).
  twice(v, w) :- a(v), w = v.
}`)
	var got []string
	for _, fd := range InferFDs(p) {
		got = append(got, fd.String(p))
	}
	want := []string{"hashed: v -> h = hash(v) % 8", "stored: v -> h = hash(v) % 8", "twice: v -> w = v"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("FDs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// §4.1 co-hashing and §4.2 dependencies on the running example's storage
// nodes (Figs 5 and 6).
func TestPolicies(t *testing.T) {
	src, err := os.ReadFile("../corpus/hashset/fig4-functional.ded")
	if err != nil {
		t.Fatal(err)
	}
	p := prog(t, string(src))
	cases := []struct {
		comp string
		deps bool
		want string // "" = no policy
	}{
		{"proxy", false, "acksFwd(v), proxyAcks(v)"},
		{"broadcaster", false, "signedFwd(v)"},
		{"storage", false, ""},
		{"storage", true, "collisions(h), hashed(h), hashset(h), numCollisions(x2), toStorage(hash(v) % 8)"},
	}
	for _, tc := range cases {
		pol, c := FindPolicy(p, p.Component(tc.comp), tc.deps, nil)
		got := ""
		if c == nil {
			got = policyText(p, pol)
		}
		if got != tc.want {
			t.Errorf("%s deps=%v: policy %q (%+v), want %q", tc.comp, tc.deps, got, c, tc.want)
		}
	}
	// A pinned key that no rule agrees with leaves no policy.
	if _, c := FindPolicy(p, p.Component("proxy"), false, Policy{"acksFwd": {Col: 0}}); c == nil {
		t.Error("pinning acksFwd to its src column should leave no policy")
	}
}

// §4.3 partial partitioning: the micro-protocol's replicas must replicate
// the ballot and can partition the rest.
func TestPartialPlan(t *testing.T) {
	src, err := os.ReadFile("../corpus/micro/partial/before.ded")
	if err != nil {
		t.Fatal(err)
	}
	p := prog(t, string(src))
	if _, c := FindPolicy(p, p.Component("replica"), true, nil); c == nil {
		t.Fatal("the replicas should not be partitionable outright")
	}
	pp := PartialPlan(p, p.Component("replica"))
	if pp == nil || !contains(pp.Replicated, "ballots") || contains(pp.Replicated, "toReplica") {
		t.Fatalf("PartialPlan = %+v, want ballots replicated and toReplica partitioned", pp)
	}
}
