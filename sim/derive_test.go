package sim

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/value"
)

// derivationRun runs the hash set with two colliding values and every
// fact dumped.
func derivationRun(t *testing.T) (*Result, Config) {
	t.Helper()
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	partner := int64(2)
	for bucket(partner, 8) != bucket(1, 8) {
		partner++
	}
	var w Workload
	for i, v := range []int64{1, partner} {
		w = append(w, InputEvent{Time: int64(i) * 5, Fact: factOf("in", v), Node: addrOf("leader", 0)})
	}
	cfg := Config{Seed: 3, Workload: w, Trace: TraceOptions{Dump: []string{"*"}}}
	res, err := Run(prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, cfg
}

// firstOutput finds the tick that emitted the first output of relation rel.
func firstOutput(t *testing.T, res *Result, rel string) (value.Fact, value.Addr, int) {
	t.Helper()
	for _, e := range res.Trace.Events {
		if e.Kind != EvTick {
			continue
		}
		for _, o := range e.Outputs {
			if o.Rel == rel {
				return o, e.Node, e.Tick
			}
		}
	}
	t.Fatalf("no %s output in the run", rel)
	return value.Fact{}, value.Addr{}, 0
}

// The derivation of the second value's certificate goes back through the
// leader's persisted acks, the storage nodes' messages, their hash set and
// its collision count, to both client inputs (golden); every node's fact
// holds at its tick, every leaf is an input, static fact or a node seen
// above, and the tree is the same every time.
func TestDeriveCertificate(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	res, _ := derivationRun(t)
	var f value.Fact
	var node value.Addr
	var tick int
	for _, e := range res.Trace.Events {
		if e.Kind == EvTick {
			for _, o := range e.Outputs {
				if o.Rel == "certificate" && o.Tuple[1].I == 1 {
					f, node, tick = o, e.Node, e.Tick
				}
			}
		}
	}
	if tick == 0 {
		t.Fatal("no certificate with one collision")
	}
	d, err := Derive(prog, res, f, node, tick, DeriveLimits{})
	if err != nil {
		t.Fatal(err)
	}
	text := d.Text()
	var walk func(x *Derivation)
	inputs := 0
	walk = func(x *Derivation) {
		switch x.Kind {
		case "unexplained", "bound":
			t.Errorf("%s at %s tick %d: %s (%s)", x.Fact, x.Node, x.Tick, x.Kind, x.Note)
		case "input":
			inputs++
		case "rule", "message", "carried", "persisted":
			if len(x.Children) == 0 && !strings.Contains(x.Note, "built-ins only") {
				t.Errorf("%s at %s: %s without children", x.Fact, x.Node, x.Kind)
			}
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(d)
	if inputs != 2 {
		t.Errorf("the derivation reaches %d inputs, want both in(1) and its partner:\n%s", inputs, text)
	}
	for _, want := range []string{"message from storage[", "persisted since tick", "rule corpus/hashset/base.ded:81:3 numCollisions", "input from client 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("derivation lacks %q:\n%s", want, text)
		}
	}
	again, _ := Derive(prog, res, f, node, tick, DeriveLimits{})
	if again.Text() != text {
		t.Error("the derivation is not deterministic")
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "derive-certificate.txt"), []byte(text))
}

// The bounds cut the tree and say which bound they hit.
func TestDeriveBounds(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	res, _ := derivationRun(t)
	f, node, tick := firstOutput(t, res, "certificate")
	for _, c := range []struct {
		lim  DeriveLimits
		want string
	}{
		{DeriveLimits{MaxDepth: 2}, "depth bound 2 reached (sim.DeriveLimits.MaxDepth)"},
		{DeriveLimits{MaxNodes: 3}, "size bound 3 nodes reached (sim.DeriveLimits.MaxNodes)"},
	} {
		d, err := Derive(prog, res, f, node, tick, c.lim)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text(), c.want) {
			t.Errorf("%+v: no %q in\n%s", c.lim, c.want, d.Text())
		}
	}
	if _, err := Derive(prog, res, f, node, 999, DeriveLimits{}); err == nil {
		t.Error("a tick the trace lacks: no error")
	}
}

var long = flag.Bool("long", false, "derive a third of every tick's facts over three seeded runs of seven corpus programs (slow)")

// Every fact of every tick of seeded corpus runs (with faults) has a
// derivation without an unexplained node: the provenance search finds,
// for whatever the evaluator derived, a rule instance over the tick's
// facts, a delivery or a static fact.
func TestDeriveExplainsEveryFact(t *testing.T) {
	progs := []string{"corpus/hashset/base.ded", "corpus/hashset/fig5-cohashing.ded", "corpus/2pc/base.ded", "corpus/2pc/scalable.ded", "corpus/voting/base.ded", "corpus/voting/scalable.ded", "corpus/paxos/base.ded"}
	faults, _ := ParseFaultPlan("omission random f=1 p=0.3 until=30")
	seeds, every := uint64(1), 4 // -long: 3 seeds, every third fact
	if *long {
		seeds, every = 3, 3
	} else {
		progs = progs[:len(progs)-1] // paxos only with -long
	}
	for _, name := range progs {
		prog := loadProgram(t, name, "")
		for seed := uint64(0); seed < seeds; seed++ {
			spec := Spec{Seed: seed, Open: 3, Faults: faults, Limits: Limits{MaxTime: 400}}
			cfg, err := spec.RunConfig(prog, 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Trace = TraceOptions{Dump: []string{"*"}}
			res, err := Run(prog, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, e := range res.Trace.Events {
				if e.Kind != EvTick {
					continue
				}
				for j, f := range e.Dump {
					if j%every != int(seed) {
						continue
					}
					d, err := Derive(prog, res, f, e.Node, e.Tick, DeriveLimits{MaxNodes: 40})
					if err != nil {
						t.Fatalf("%s seed %d: %v", name, seed, err)
					}
					checked++
					var walk func(x *Derivation)
					walk = func(x *Derivation) {
						if x.Kind == "unexplained" || (x.Kind == "message" && x.Note != "") {
							t.Fatalf("%s seed %d: %s at %s tick %d: %s %s; derivation of %s:\n%s", name, seed, x.Fact, x.Node, x.Tick, x.Kind, x.Note, f, d.Text())
						}
						for _, c := range x.Children {
							walk(c)
						}
					}
					walk(d)
				}
			}
			if checked == 0 {
				t.Errorf("%s seed %d: no facts checked", name, seed)
			}
		}
	}
}
