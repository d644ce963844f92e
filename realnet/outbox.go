package realnet

import (
	"sync"
	"time"
)

// outbox is the bytes waiting to be written to one connection: the node
// loop appends whole frames without blocking, and the connection's writer
// goroutine takes everything queued in one swap and writes it with one
// system call. A queue above its bound drops new frames (counted): a peer
// that stays away must not grow the node's memory without bound, and a
// lost message is a fault the protocols already tolerate (omission).
//
// Buffer ownership is explicit, because the writer reads a taken buffer
// while the loop appends to the queue: take hands the queued bytes to the
// writer, which owns them until it gives them back with recycle; only then
// may the outbox append into that memory again. (An earlier version
// swapped in a caller-supplied spare on every take, even an empty one, so
// the buffer being written could become the queue again: frames queued
// during a write overwrote bytes not yet sent, which lost or corrupted
// messages under CPU load. TestOutboxTakenBytesStayIntact pins this.)
type outbox struct {
	mu      sync.Mutex
	buf     []byte    // queued frames
	since   time.Time // when the first of them was queued (Stats.OutboxWait)
	free    []byte    // a recycled buffer the writer no longer reads, or nil
	max     int
	dropped int
	closed  bool
	kick    chan struct{} // capacity 1: "there is something to write"
}

func newOutbox(max int) *outbox {
	return &outbox{max: max, kick: make(chan struct{}, 1)}
}

// push queues one encoded frame; false when it was dropped because the
// queue is closed or would exceed its bound.
func (o *outbox) push(frame []byte) bool {
	o.mu.Lock()
	if o.closed || len(o.buf)+len(frame) > o.max {
		o.dropped++
		o.mu.Unlock()
		return false
	}
	if len(o.buf) == 0 {
		o.since = time.Now()
	}
	o.buf = append(o.buf, frame...)
	o.mu.Unlock()
	o.signal()
	return true
}

func (o *outbox) signal() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// take returns everything queued (nil when nothing is) and hands its
// memory to the caller until recycle.
func (o *outbox) take() []byte {
	b, _ := o.takeTimed()
	return b
}

// takeTimed is take that also returns when the oldest of the taken frames
// was queued.
func (o *outbox) takeTimed() ([]byte, time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) == 0 {
		return nil, time.Time{}
	}
	out := o.buf
	o.buf, o.free = o.free, nil
	return out, o.since
}

// maxRecycled keeps a burst from pinning a huge buffer forever.
const maxRecycled = 1 << 20

// recycle gives back a buffer returned by take once it is fully written.
func (o *outbox) recycle(b []byte) {
	o.mu.Lock()
	if o.free == nil && cap(b) <= maxRecycled {
		o.free = b[:0]
	}
	o.mu.Unlock()
}

// close drops what is queued and refuses further frames.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.buf, o.free = nil, nil
	o.mu.Unlock()
	o.signal()
}

func (o *outbox) isClosed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed
}

func (o *outbox) droppedCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}
