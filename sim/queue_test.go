package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestEventQueueOrder checks the heap against a model: any interleaving of
// pushes and pops yields the events in (time, kind, node, seq) order, each
// exactly once, and the tracked fingerprint is the sum over what is queued.
func TestEventQueueOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := eventQueue{track: rapid.Bool().Draw(t, "track")}
		var model []event // what is queued, kept sorted
		for step := range rapid.IntRange(1, 200).Draw(t, "steps") {
			if len(model) > 0 && rapid.IntRange(0, 2).Draw(t, "op") == 0 {
				got := q.pop()
				want := model[0]
				model = model[1:]
				if got.seq != want.seq || got.time != want.time || got.kind != want.kind || got.node != want.node {
					t.Fatalf("step %d: popped %+v, want %+v", step, got, want)
				}
				continue
			}
			e := event{
				time: rapid.Int64Range(0, 5).Draw(t, "time"),
				kind: evKind(rapid.IntRange(int(evCrash), int(evWake)).Draw(t, "kind")),
				node: rapid.IntRange(-1, 3).Draw(t, "node"),
				msg:  int64(step),
			}
			q.push(e)
			e.seq = q.seq
			i, _ := slices.BinarySearchFunc(model, e, func(a, b event) int {
				if before(&a, &b) {
					return -1
				}
				if before(&b, &a) {
					return 1
				}
				return 0
			})
			model = slices.Insert(model, i, e)
			if len(q.items) != len(model) {
				t.Fatalf("step %d: %d queued, want %d", step, len(q.items), len(model))
			}
			if q.track {
				var sum Fingerprint
				for i := range q.items {
					sum = sum.add(eventFingerprint(&q.items[i]))
				}
				if sum != q.fp {
					t.Fatalf("step %d: fingerprint %v, want the sum %v", step, q.fp, sum)
				}
			}
		}
		for len(model) > 0 {
			if got := q.pop(); got.seq != model[0].seq {
				t.Fatalf("drain: popped seq %d, want %d", got.seq, model[0].seq)
			}
			model = model[1:]
		}
		if len(q.items) != 0 || (q.track && q.fp != (Fingerprint{})) {
			t.Fatalf("drained queue holds %d events, fingerprint %v", len(q.items), q.fp)
		}
	})
}
