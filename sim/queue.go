package sim

import (
	"container/heap"

	"dsim/semantics/value"
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
	reason string
}

// eventQueue is a min-heap ordered by (time, kind, node, seq): a total,
// deterministic order.
type eventQueue struct {
	items []event
	seq   uint64
}

func (q *eventQueue) Len() int { return len(q.items) }

func (q *eventQueue) Less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
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

func (q *eventQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }

func (q *eventQueue) Push(x any) { q.items = append(q.items, x.(event)) }

func (q *eventQueue) Pop() any {
	n := len(q.items) - 1
	e := q.items[n]
	q.items[n] = event{}
	q.items = q.items[:n]
	return e
}

// push adds an event, stamping its sequence number.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	heap.Push(q, e)
}

// pop removes the earliest event.
func (q *eventQueue) pop() event { return heap.Pop(q).(event) }

// peekTime returns the time of the earliest event; ok is false when empty.
func (q *eventQueue) peekTime() (int64, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return q.items[0].time, true
}
