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
