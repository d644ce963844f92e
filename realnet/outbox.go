package realnet

import "sync"

// outbox is the bytes waiting to be written to one connection: the node
// loop appends whole frames without blocking, and the connection's writer
// goroutine takes everything queued in one swap and writes it with one
// system call. A queue above its bound drops new frames (counted): a peer
// that stays away must not grow the node's memory without bound, and a
// lost message is a fault the protocols already tolerate (omission).
type outbox struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	dropped int
	closed  bool
	kick    chan struct{} // capacity 1: "there is something to write"
}

func newOutbox(max int) *outbox {
	return &outbox{max: max, kick: make(chan struct{}, 1)}
}

// push queues one encoded frame; false when it was dropped.
func (o *outbox) push(frame []byte) bool {
	o.mu.Lock()
	if o.closed || len(o.buf)+len(frame) > o.max {
		o.dropped++
		o.mu.Unlock()
		return false
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

// take returns everything queued and gives spare (emptied) back for reuse.
func (o *outbox) take(spare []byte) []byte {
	o.mu.Lock()
	out := o.buf
	o.buf = spare[:0]
	o.mu.Unlock()
	return out
}

// close drops what is queued and refuses further frames.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.buf = nil
	o.mu.Unlock()
	o.signal()
}

func (o *outbox) droppedCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}
