package sim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// A fact a choose() rule derived names the recorded choice that picked
// its row, in the tree, its text and its JSON; the pick is the one the
// run's schedule holds, and a different seed that picks another row says
// so. A rule without choose() names none.
func TestDeriveNamesTheChoice(t *testing.T) {
	const src = `component a {
  .input in(k: int, v: int)
  .output out(k: int, v: int)
  .output all(k: int, v: int)
  pick(k, choose(v)) :- in(k, v).
  out(k, v) :- pick(k, v).
  all(k, v) :- in(k, v).
}
`
	prog := loadProgram(t, "choose.ded", src)
	var w Workload
	for _, v := range []int64{10, 20, 30} {
		w = append(w, InputEvent{Time: 0, Fact: value.Fact{Rel: "in", Tuple: value.Tuple{value.Int(1), value.Int(v)}}, Node: addrOf("a", 0)})
	}
	picks := map[string]bool{}
	for seed := uint64(0); seed < 8; seed++ {
		res, err := Run(prog, Config{Seed: seed, Workload: w, Trace: TraceOptions{Dump: []string{"*"}}})
		if err != nil {
			t.Fatal(err)
		}
		f, node, tick := firstOutput(t, res, "out")
		d, err := Derive(prog, res, f, node, tick, DeriveLimits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Children) != 1 || d.Children[0].Fact.Rel != "pick" {
			t.Fatalf("seed %d: out is not derived from pick:\n%s", seed, d.Text())
		}
		pick := d.Children[0]
		if !strings.HasPrefix(pick.Choice, "choose a[0] tick=1 ") || !strings.Contains(pick.Choice, " n=3 => ") {
			t.Fatalf("seed %d: pick's choice %q", seed, pick.Choice)
		}
		recorded := false
		for _, p := range res.Schedule.pins() {
			recorded = recorded || p.Key+" => "+p.Decision == pick.Choice
		}
		if !recorded {
			t.Fatalf("seed %d: %q is not a choice of the run's schedule", seed, pick.Choice)
		}
		picks[pick.Choice[strings.LastIndex(pick.Choice, "=> "):]+" "+pick.Fact.String()] = true
		if !strings.Contains(d.Text(), "; chosen by "+pick.Choice) {
			t.Fatalf("seed %d: the text does not name the choice:\n%s", seed, d.Text())
		}
		js, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(js), `"choice":"choose a[0] tick=1 `) {
			t.Fatalf("seed %d: the JSON does not name the choice: %s", seed, js)
		}
		if d.Choice != "" {
			t.Fatalf("seed %d: out (no choose) names a choice: %q", seed, d.Choice)
		}
	}
	// Each pick index goes with one chosen value, and the seeds chose
	// more than one row.
	byPick := map[string]string{}
	for k := range picks {
		p, fact, _ := strings.Cut(k, " pick")
		if prev, ok := byPick[p]; ok && prev != fact {
			t.Fatalf("pick %s chose %s and %s", p, prev, fact)
		}
		byPick[p] = fact
	}
	if len(byPick) < 2 {
		t.Fatalf("8 seeds picked one row only: %v", picks)
	}
}
