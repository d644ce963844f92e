package sim

import (
	"github.com/dsim-project/dsim/semantics/value"
)

// evKind orders events that happen at the same virtual time. Crashes come
// first (a node that crashes at v neither receives nor ticks at v); output
// arrivals come before inputs so that a closed-loop client's next request,
// sent the moment an answer arrives, is delivered in the same instant.
type evKind uint8

const (
	evCrash evKind = iota
	evOutput
	evInput
	evTimer
	evDeliver
	evWake
)

// event is one entry of the world's queue.
type event struct {
	time int64
	kind evKind
	node int    // receiving node index (-1 for a client)
	seq  uint64 // insertion order: the last tie-breaker

	fact   value.Fact
	msg    int64 // message id (evDeliver), output id (evOutput), input id (evInput)
	from   int   // sending node (evDeliver, evOutput)
	sentAt int64 // virtual send time (evDeliver, evOutput)
	dup    bool  // the duplicate copy of a message
	client int   // evOutput, evInput
	n      int64 // timer firing number (evTimer)

	fp Fingerprint // eventFingerprint, when the queue tracks fingerprints
}

// eventQueue is a binary min-heap ordered by (time, kind, node, seq): a
// total, deterministic order. It is hand-written rather than built on
// container/heap so that events are not boxed into interfaces on every
// push and pop (the queue is the simulator's hottest path).
type eventQueue struct {
	items []event
	seq   uint64

	// track: keep fp, the commutative sum of the events' fingerprints
	// (Moment.Fingerprint); off for runs nobody fingerprints.
	track bool
	fp    Fingerprint
}

// before is the queue's order: (time, kind, node, seq).
func before(a, b *event) bool {
	if a.time != b.time {
		return a.time < b.time
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	if a.node != b.node {
		return a.node < b.node
	}
	return a.seq < b.seq
}

// push adds an event, stamping its sequence number.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	if q.track {
		e.fp = eventFingerprint(&e)
		q.fp = q.fp.add(e.fp)
	}
	// Sift up with a hole: parents move down into it and e is written
	// once at the end (an event is 136 bytes, so a swap per level would
	// copy three times as much).
	q.items = append(q.items, event{})
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !before(&e, &q.items[parent]) {
			break
		}
		q.items[i] = q.items[parent]
		i = parent
	}
	q.items[i] = e
}

// pop removes the earliest event.
func (q *eventQueue) pop() event {
	top := q.items[0]
	q.fp = q.fp.sub(top.fp)
	last := len(q.items) - 1
	x := q.items[last]
	q.items[last] = event{}
	q.items = q.items[:last]
	if last == 0 {
		return top
	}
	// Sift x down from the root with a hole, as in push.
	i := 0
	for {
		m := 2*i + 1
		if m >= last {
			break
		}
		if r := m + 1; r < last && before(&q.items[r], &q.items[m]) {
			m = r
		}
		if !before(&q.items[m], &x) {
			break
		}
		q.items[i] = q.items[m]
		i = m
	}
	q.items[i] = x
	return top
}

// peekTime returns the time of the earliest event; ok is false when empty.
func (q *eventQueue) peekTime() (int64, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return q.items[0].time, true
}
