package sim

import (
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// Coverage counts the rules a run exercised: with colliding values the
// hash set's collision rules fire, its invariants are evaluated and never
// fire, and its async rules count messages, losses included.
func TestCoverageCountsRules(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	faults, _ := ParseFaultPlan("omission storage[1] p=0.5 until=100")
	partner := int64(2)
	for bucket(partner, 8) != bucket(1, 8) {
		partner++
	}
	var w Workload
	for i, v := range []int64{1, partner} {
		w = append(w, InputEvent{Time: int64(i) * 5, Fact: factOf("in", v), Node: addrOf("leader", 0)})
	}
	res, err := Run(prog, Config{Seed: 3, Workload: w, Faults: faults, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Coverage
	if c == nil {
		t.Fatal("no coverage")
	}
	byHead := map[string]RuleCoverage{}
	for _, r := range prog.Rules {
		x := byHead[r.Head.Rel]
		rc := c.Rules[r.ID]
		x.Fired, x.Evaluated, x.Sent, x.Lost = x.Fired+rc.Fired, x.Evaluated+rc.Evaluated, x.Sent+rc.Sent, x.Lost+rc.Lost
		byHead[r.Head.Rel] = x
	}
	if byHead["collisions"].Fired == 0 {
		t.Errorf("collisions never fired for two values in one bucket: %+v", byHead["collisions"])
	}
	if b := byHead["bad_forged_ack"]; b.Fired != 0 || b.Evaluated == 0 {
		t.Errorf("invariant bad_forged_ack: %+v, want evaluated and never fired", b)
	}
	if s := byHead["toStorage"]; s.Sent != 6 || s.Lost == 0 {
		t.Errorf("toStorage: %+v, want 6 sent, some lost to storage[1]'s omissions", s)
	}
	fired, total, never := c.Summary(prog)
	if fired == 0 || fired > total || len(never) != total-fired {
		t.Errorf("summary %d of %d, never %v", fired, total, never)
	}
	text := c.Text(prog)
	if !strings.Contains(text, "rules fired (invariant rules not counted)") || !strings.Contains(text, "invariant") {
		t.Errorf("text:\n%s", text)
	}
	// Off by default.
	res, _ = Run(prog, Config{Seed: 3, Workload: w})
	if res.Coverage != nil {
		t.Error("coverage collected without Config.Coverage")
	}
}

func factOf(rel string, v int64) value.Fact {
	return value.Fact{Rel: rel, Tuple: value.Tuple{value.Int(v)}}
}

func addrOf(comp string, i int) value.Addr { return value.Addr{Comp: comp, Instance: i} }

// Explore sums coverage over its runs: a rule fires in at least as many
// ticks over 5 runs as in the first alone.
func TestExploreSumsCoverage(t *testing.T) {
	prog := loadProgram(t, "corpus/voting/base.ded", "")
	one, err := Explore(prog, ExploreOptions{Runs: 1, Spec: Spec{Seed: 2, Closed: 2}, Coverage: true, Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	five, err := Explore(prog, ExploreOptions{Runs: 5, Spec: Spec{Seed: 2, Closed: 2}, Coverage: true, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if one.Coverage == nil || five.Coverage == nil || five.Coverage.Runs != 5 {
		t.Fatalf("coverage %v / %v, want summed over 5 runs", one.Coverage, five.Coverage)
	}
	more := false
	for id, r := range five.Coverage.Rules {
		if r.Fired < one.Coverage.Rules[id].Fired {
			t.Fatalf("rule %d fired %d times over 5 runs, %d in the first", id, r.Fired, one.Coverage.Rules[id].Fired)
		}
		more = more || r.Fired > one.Coverage.Rules[id].Fired
	}
	if !more {
		t.Fatal("four more runs fired no rule more often")
	}
	if rep, _ := Explore(prog, ExploreOptions{Runs: 2, Spec: Spec{Seed: 2, Closed: 2}}); rep.Coverage != nil {
		t.Fatal("coverage without ExploreOptions.Coverage")
	}
}

// With CoverageDetail the body-level counts come too: on the hash set with
// two colliding values, numCollisions' aggregate groups both values of a
// bucket, the invariants are checked against data, and the detail does
// not change the rule counts or the run.
func TestCoverageDetail(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	vals := []int64{1}
	for v := int64(2); len(vals) < 3; v++ {
		if bucket(v, 8) == bucket(1, 8) {
			vals = append(vals, v)
		}
	}
	var w Workload
	for i, v := range vals {
		w = append(w, InputEvent{Time: int64(i) * 5, Fact: factOf("in", v), Node: addrOf("leader", 0)})
	}
	plain, err := Run(prog, Config{Seed: 3, Workload: w, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(prog, Config{Seed: 3, Workload: w, Coverage: true, CoverageDetail: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Coverage.Detail || !res.Coverage.Detail {
		t.Fatalf("Detail: %v without, %v with CoverageDetail", plain.Coverage.Detail, res.Coverage.Detail)
	}
	for i, rc := range res.Coverage.Rules {
		p := plain.Coverage.Rules[i]
		if rc.Fired != p.Fired || rc.Evaluated != p.Evaluated || rc.Sent != p.Sent {
			t.Errorf("rule %d: detail changed the counts: %+v vs %+v", i, rc, p)
		}
		if rc.Fired > rc.Matched {
			t.Errorf("rule %s fired in %d ticks but matched in only %d", RuleName(prog, prog.Rules[i]), rc.Fired, rc.Matched)
		}
		if len(rc.Blocked) != negations(prog.Rules[i]) {
			t.Errorf("rule %d: %d blocked counts for %d negations", i, len(rc.Blocked), negations(prog.Rules[i]))
		}
	}
	if plain.History.String() != res.History.String() {
		t.Error("detail changed the run's history")
	}
	largest := 0
	for _, r := range prog.Rules {
		if r.Head.Rel == "numCollisions" && r.Head.HasAggregate {
			largest = max(largest, res.Coverage.Rules[r.ID].LargestGroup)
		}
	}
	if largest != 2 {
		t.Errorf("numCollisions' largest group %d, want 2 (the third of three colliding values sees the other two)", largest)
	}
	invs := res.Coverage.Invariants(prog)
	if len(invs) != 2 {
		t.Fatalf("invariants %+v", invs)
	}
	// bad_forged_ack looks at every ack; bad_cert_and_inconsistent joins
	// certificate with inconsistent, which this schedule never derives, so
	// it was never checked against data.
	want := map[string]bool{"bad_forged_ack": true, "bad_cert_and_inconsistent": false}
	for _, inv := range invs {
		if inv.Evaluated == 0 || (inv.Reached > 0) != want[inv.Relation] || inv.Violated != 0 {
			t.Errorf("invariant %+v: want evaluated, checked against data %v, never violated", inv, want[inv.Relation])
		}
	}
	text := res.Coverage.Text(prog)
	for _, want := range []string{"matched", "largest group", "invariant bad_forged_ack: evaluated in", "checked against data in", "bad_cert_and_inconsistent: evaluated in 11 ticks, never checked against data", "!collisions@82:40 blocked 6"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}
