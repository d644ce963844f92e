package viz

import (
	"bytes"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/sim"
)

// TestDiagramProperties draws random runs of the running example (random
// seeds, requests, omission, crash and duplication) and checks that the
// diagram accounts for every event of the trace and is well ordered.
func TestDiagramProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := traceCase{name: "random", prog: "corpus/hashset/base.ded",
			seed:     rapid.Uint64Range(0, 1_000_000).Draw(rt, "seed"),
			requests: rapid.IntRange(1, 3).Draw(rt, "requests"),
			faults: fmt.Sprintf("omission storage[%d] p=0.%d until=40; crash storage[%d] at=%d; duplicate p=0.%d until=40",
				rapid.IntRange(0, 2).Draw(rt, "omitted"), rapid.IntRange(0, 9).Draw(rt, "p"),
				rapid.IntRange(0, 2).Draw(rt, "crashed"), rapid.IntRange(0, 20).Draw(rt, "crashAt"),
				rapid.IntRange(0, 5).Draw(rt, "dup")),
			maxTime: int64(rapid.IntRange(3, 60).Draw(rt, "maxTime")),
		}
		tr, d := buildCase(rt, c)
		k := map[sim.EventKind]int{}
		fated := map[int64]bool{}
		for _, e := range tr.Events {
			k[e.Kind]++
			if e.Kind == sim.EvDeliver || e.Kind == sim.EvDrop {
				fated[e.Msg] = true
			}
		}
		inflight := 0
		for _, e := range tr.Events {
			if e.Kind == sim.EvSend && !fated[e.Msg] {
				inflight++
			}
		}
		checks := []struct {
			what      string
			got, want int
		}{
			{"message arrows", d.Count(ArrowMessage), k[sim.EvDeliver]},
			{"drop arrows", d.Count(ArrowDrop), k[sim.EvDrop]},
			{"in-flight arrows", d.Count(ArrowInFlight), inflight},
			{"input arrows", d.Count(ArrowInput), k[sim.EvInput]},
			{"output arrows", d.Count(ArrowOutput), k[sim.EvOutput]},
			{"ticks", len(d.Ticks), k[sim.EvTick]},
			{"marks", len(d.Marks), k[sim.EvCrash] + k[sim.EvTimer] + k[sim.EvViolation]},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				rt.Fatalf("%s: %d in the diagram, %d in the trace", ch.what, ch.got, ch.want)
			}
		}
		for i := 1; i < len(d.Times); i++ {
			if d.Times[i] <= d.Times[i-1] {
				rt.Fatalf("rows not strictly ascending: %v", d.Times)
			}
		}
		for _, a := range d.Arrows {
			if a.StartRow > a.EndRow || d.Times[a.StartRow] != a.Start || d.Times[a.EndRow] != a.End {
				rt.Fatalf("arrow %s goes up or sits on the wrong rows: %+v", a.ID, a)
			}
			if a.Kind != ArrowInput && a.Kind != ArrowOutput && (d.Lanes[a.From].Kind != LaneNode || d.Lanes[a.To].Kind != LaneNode) {
				rt.Fatalf("message %s does not join two nodes: %+v", a.ID, a)
			}
		}
		var b1, b2 bytes.Buffer
		if err := WriteASCII(&b1, d); err != nil {
			rt.Fatal(err)
		}
		if err := WriteASCII(&b2, d); err != nil {
			rt.Fatal(err)
		}
		if b1.String() != b2.String() {
			rt.Fatal("two ASCII renderings differ")
		}
	})
}
