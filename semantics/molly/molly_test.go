package molly

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

func load(t *testing.T, files ...string) *Program {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, "testdata/"+f)
	}
	p, srcs, diags := Load(paths, Options{})
	if len(diags) > 0 {
		t.Fatalf("%s", srcs.Render(diags))
	}
	return p
}

func explore(t *testing.T, b sim.SyncBounds, files ...string) *sim.SyncReport {
	t.Helper()
	p := load(t, files...)
	rep, err := sim.ExploreSync(sim.SyncTarget{Located: p.Located}, sim.SyncOptions{Bounds: b})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBroadcastFailsUnderOmission(t *testing.T) {
	rep := explore(t, sim.SyncBounds{EOT: 4, EFF: 2}, "bcast.ded", "agreement.ded")
	if rep.Verdict != sim.SyncCounterexample {
		t.Fatalf("want a counterexample:\n%s", rep.Text())
	}
	f := rep.Failure
	if len(f.Losses) != 1 || f.Losses[0].From != "n1" || f.Losses[0].Time != 1 || len(f.Crashes) != 0 {
		t.Fatalf("want one lost message from n1 in round 1:\n%s", rep.Text())
	}
	if v := f.Violations[0].Fact.String(); v != `pre_without_post("n1", "update")` {
		t.Fatalf("violation %s", v)
	}
}

func TestRetrySurvivesOmissionNotCrash(t *testing.T) {
	rep := explore(t, sim.SyncBounds{EOT: 5, EFF: 3}, "retry.ded", "agreement.ded")
	if rep.Verdict != sim.SyncCertified {
		t.Fatalf("retries should survive losses before EFF:\n%s", rep.Text())
	}
	rep = explore(t, sim.SyncBounds{EOT: 5, EFF: 3, Crashes: 1}, "retry.ded", "agreement.ded")
	if rep.Verdict != sim.SyncCounterexample {
		t.Fatalf("the sender's crash after a loss should break agreement:\n%s", rep.Text())
	}
	f := rep.Failure
	if len(f.Crashes) != 1 || f.Crashes[0].Node != "n1" || len(f.Losses) != 1 || f.Losses[0].From != "n1" {
		t.Fatalf("want n1 crashing after losing one copy:\n%s", rep.Text())
	}
}

func Test2PCWithoutTimeoutBlocks(t *testing.T) {
	rep := explore(t, sim.SyncBounds{EOT: 7, EFF: 4}, "2pc.ded")
	if rep.Verdict != sim.SyncCounterexample {
		t.Fatalf("a lost vote should block 2PC without a timeout:\n%s", rep.Text())
	}
	if f := rep.Failure; len(f.Losses) != 1 || len(f.Crashes) != 0 {
		t.Fatalf("want a single lost message:\n%s", rep.Text())
	}
}

func Test2PCTimeout(t *testing.T) {
	rep := explore(t, sim.SyncBounds{EOT: 7, EFF: 4}, "2pc_timeout.ded")
	if rep.Verdict != sim.SyncCertified {
		t.Fatalf("the timeout should survive lost messages:\n%s", rep.Text())
	}
	rep = explore(t, sim.SyncBounds{EOT: 7, EFF: 4, Crashes: 1}, "2pc_timeout.ded")
	if rep.Verdict != sim.SyncCounterexample {
		t.Fatalf("a crashed coordinator should block 2PC:\n%s", rep.Text())
	}
	if f := rep.Failure; len(f.Crashes) != 1 || f.Crashes[0].Node != "c" || len(f.Losses) != 0 {
		t.Fatalf("want the coordinator's crash alone:\n%s", rep.Text())
	}
}

func TestIncludeResolvedFromIncludingFile(t *testing.T) {
	p := load(t, "2pc_timeout.ded")
	if len(p.Files) != 2 || !strings.HasSuffix(p.Files[1], "testdata/2pc.ded") {
		t.Fatalf("files %v", p.Files)
	}
	if got := strings.Join(p.Located.Locations, ","); got != "c,p1,p2" {
		t.Fatalf("inferred nodes %s", got)
	}
}

func TestDetect(t *testing.T) {
	for src, want := range map[string]bool{
		"p(X) :- q(X);\n":                     true,
		"log(N, P)@next :- log(N, P)\n":       true,
		"m(N)@async :- q(N)\n":                true,
		"p(x) :- q(x).\n":                     false,
		"# a; b\np(x) :- q(x).\n":             false,
		"s(\"a;b\").\n":                       false,
		".input in `source_stream(x); y`\n":   false,
		"// c; d\n/* e; f */ p(x) :- q(x).\n": false,
		"m@next(x) :~ q(x).\n":                true,
		"c(\"@next\").\n":                     false,
	} {
		if got := Detect([]byte(src)); got != want {
			t.Errorf("Detect(%q) = %v, want %v", src, got, want)
		}
	}
}

// TestRoundOfDerivedRelation: a body atom r(...)@N over a derived r reads
// r's facts of round N (from round N+1 on).
func TestRoundOfDerivedRelation(t *testing.T) {
	p, errs := loadSrc(`seed("a", 1)@1;
val(N, V) :- seed(N, V);
val(N, V + 1)@next :- val(N, V), V < 9;
second(N, V) :- val(N, V)@2;
z("a", 5)@1;
z(N, V)@next :- z(N, V);
first(N, V) :- z(N, V)@1;
`)
	if errs != "" {
		t.Fatal(errs)
	}
	for eot, want := range map[int64]string{1: "[]", 2: "[]", 3: `[("a", 2)]`, 5: `[("a", 2)]`} {
		r, err := sim.RunSync(sim.SyncTarget{Located: p.Located}, sim.SyncBounds{EOT: eot}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(r.Facts[0]["second"]); got != want {
			t.Errorf("EOT %d: second = %s, want %s", eot, got, want)
		}
		// z's round-1 facts are given: readable from round 1 on.
		if got := fmt.Sprint(r.Facts[0]["first"]); got != `[("a", 5)]` {
			t.Errorf("EOT %d: first = %s", eot, got)
		}
	}
}

// TestTooManyChannelsIsUnknown: a round with more lossy channels than the
// search branches over ends Unknown, naming the bound, not certified.
func TestTooManyChannelsIsUnknown(t *testing.T) {
	var src strings.Builder
	nodes := []string{"a", "b", "c", "d", "e"}
	for _, n := range nodes {
		for _, m := range nodes {
			if n != m {
				fmt.Fprintf(&src, "peer(%q, %q)@1;\n", n, m)
			}
		}
	}
	src.WriteString("peer(N, M)@next :- peer(N, M);\nping(M, N)@async :- peer(N, M);\npre(N, M) :- ping(N, M);\npost(N, M) :- ping(N, M);\n")
	p, errs := loadSrc(src.String())
	if errs != "" {
		t.Fatal(errs)
	}
	rep, err := sim.ExploreSync(sim.SyncTarget{Located: p.Located}, sim.SyncOptions{Bounds: sim.SyncBounds{EOT: 3, EFF: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != sim.SyncUnknown || !strings.Contains(rep.Bound, "20 channels") {
		t.Fatalf("want Unknown at the channel bound:\n%s", rep.Text())
	}
}

func TestGoodSpec(t *testing.T) {
	p := load(t, "good.ded")
	if !p.GoodSpec || p.HasSpec {
		t.Fatalf("good.ded: GoodSpec %v, HasSpec %v", p.GoodSpec, p.HasSpec)
	}
	b := sim.SyncBounds{EOT: 4, EFF: 2}
	if err := p.SetGoodBaseline(b.EOT); err != nil {
		t.Fatal(err)
	}
	rep, err := sim.ExploreSync(sim.SyncTarget{Located: p.Located}, sim.SyncOptions{Bounds: b})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != sim.SyncCounterexample || rep.Failure.Violations[0].Fact.String() != `good_missing("n2", "update")` {
		t.Fatalf("want the lost copy's good fact missing:\n%s", rep.Text())
	}
	// The baseline is recomputed, not accumulated, for another EOT.
	if err := p.SetGoodBaseline(3); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range p.Located.Facts {
		if f.Fact.Rel == GoodExpected {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d expected good facts, want 3 (one per node)", n)
	}
	q, errs := loadSrc("p(\"a\")@1;\ngood(X) :- p(X), X == \"b\";\n")
	if errs != "" {
		t.Fatal(errs)
	}
	if err := q.SetGoodBaseline(3); err == nil || !strings.Contains(err.Error(), "good is empty") {
		t.Fatalf("want an error for an empty good, got %v", err)
	}
}

// TestClockRelation: clock(From, To, R) holds in round R+1 for every
// channel whose messages of round R arrived, and for every node's channel
// to itself; a lost channel or a crashed sender is missing from it.
func TestClockRelation(t *testing.T) {
	p, errs := loadSrc(`peer("a", "b")@1;
peer("b", "a")@1;
peer(N, M)@next :- peer(N, M);
seen(F, T, R) :- clock(F, T, R);
seen(F, T, R)@next :- seen(F, T, R);
`)
	if errs != "" {
		t.Fatal(errs)
	}
	if p.Located.ClockRel == "" {
		t.Fatal("the program reads clock but ClockRel is not set")
	}
	r, err := sim.RunSync(sim.SyncTarget{Located: p.Located}, sim.SyncBounds{EOT: 3, EFF: 3},
		[]sim.SyncCrash{{Node: "b", Time: 2}}, []sim.SyncLoss{{From: "a", To: "b", Time: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[("a", "a", 1) ("a", "a", 2) ("a", "b", 2) ("b", "a", 1) ("b", "b", 1) ("b", "b", 2)]`
	if got := fmt.Sprint(r.Facts[0]["seen"]); got != want {
		t.Fatalf("seen = %s\nwant   %s", got, want)
	}
}
