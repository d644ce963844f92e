package sim

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// traceBuild is what a traced world uses to build its tick events cheaply:
// the tick lists (Consumed, Produced, Outputs) are carved from shared
// chunks of facts instead of one allocation each, and the sorting and
// diffing run in scratch buffers. The lists it hands out are capped
// (cap == len), so an append by a trace's reader can never write into a
// neighbour. A clone starts with an empty traceBuild: the chunk's free
// tail and the scratch buffers belong to one world (a snapshot's resumed
// copies may run concurrently).
type traceBuild struct {
	chunk   []value.Fact // free tail of the current chunk
	scratch []value.Fact
	rels    []string
}

// traceChunk is the facts of one chunk (40 bytes each): a 2PC run's trace
// holds ~90 facts in its tick lists.
const traceChunk = 256

// keep copies fs into the chunk and returns the copy, capped. Like
// slices.Clone it returns nil for nil and an empty non-nil slice for an
// empty one, so that traces read exactly as before.
func (tb *traceBuild) keep(fs []value.Fact) []value.Fact {
	if len(fs) == 0 {
		if fs == nil {
			return nil
		}
		return []value.Fact{}
	}
	if len(fs) > len(tb.chunk) {
		tb.chunk = make([]value.Fact, max(traceChunk, len(fs)))
	}
	out := tb.chunk[:len(fs):len(fs)]
	copy(out, fs)
	tb.chunk = tb.chunk[len(fs):]
	return out
}

// consumed is sortedDistinct(fs), kept in the chunk.
func (tb *traceBuild) consumed(fs []value.Fact) []value.Fact {
	if len(fs) == 0 {
		return nil
	}
	s := append(tb.scratch[:0], fs...)
	slices.SortFunc(s, value.Fact.Compare)
	s = slices.CompactFunc(s, func(a, b value.Fact) bool { return a.Compare(b) == 0 })
	out := tb.keep(s)
	clear(s) // the scratch must not keep a run's tuples alive
	tb.scratch = s[:0]
	return out
}

// produced is factSetDiff(a, b), kept in the chunk (nil when empty).
func (tb *traceBuild) produced(a, b eval.FactSet) []value.Fact {
	rels := tb.rels[:0]
	for r, ts := range a {
		if len(ts) > 0 {
			rels = append(rels, r)
		}
	}
	slices.Sort(rels)
	s := appendFactSetDiff(tb.scratch[:0], a, b, rels)
	var out []value.Fact
	if len(s) > 0 {
		out = tb.keep(s)
	}
	clear(s)
	tb.scratch = s[:0]
	clear(rels)
	tb.rels = rels[:0]
	return out
}

// tracePresize is the events a traced run's trace starts with room for,
// per request of its workload (a 2PC run of 5 requests records ~130
// events), and at most.
const (
	traceEventsPerRequest = 24
	maxTracePresize       = 1024
)
