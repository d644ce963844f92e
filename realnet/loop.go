package realnet

import (
	"fmt"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"runtime"
	"slices"
	"time"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// timerState is one timer relation firing on this node.
type timerState struct {
	rel            string
	period, jitter int64 // milliseconds
	fired          int64 // firings so far
	next           time.Time
}

// loop is the node: wait until something is delivered, a timer is due, or
// the carried facts changed in the previous tick; then consume everything
// that arrived (up to maxBatch deliveries) in one tick and push the tick's
// sends and outputs out.
func (n *Node) loop() {
	start := time.Now()
	for _, t := range n.timers {
		t.next = n.timerDue(start, t)
	}
	var timer *time.Timer
	var items []inboxItem
	again := false // carried facts changed: tick even without deliveries
	for {
		if !again {
			var due <-chan time.Time
			if next, ok := n.nextTimer(); ok {
				if timer == nil {
					timer = time.NewTimer(time.Until(next))
				} else {
					timer.Reset(time.Until(next))
				}
				due = timer.C
			}
			n.mu.Lock()
			empty := len(n.inbox) == 0
			n.mu.Unlock()
			if empty {
				select {
				case <-n.ctx.Done():
					return
				case <-n.wake:
				case <-due:
				}
			}
			if timer != nil {
				timer.Stop()
			}
		}
		// Checked on every path: with a backlog the loop never waits.
		if n.ctx.Err() != nil {
			return
		}
		// Before taking the batch, let the goroutines that are ready to
		// run go first: they are mostly readers holding frames that
		// arrived together with the one that woke the loop (a voting
		// leader's three participants answer the same batch at about the
		// same time). Taken one at a time, each would cost a tick of its
		// own; a tick's cost is mostly fixed, so sharing one is cheaper
		// (docs/PERFORMANCE.md, "realnet: where a voting command's latency
		// goes"). With nothing else ready this returns at once.
		runtime.Gosched()
		n.mu.Lock()
		items = n.takeBatch(items)
		n.mu.Unlock()
		tickStart := time.Now()
		for _, it := range items {
			if !it.at.IsZero() { // from a socket (a self-send has no time)
				n.stats.InboxWait += tickStart.Sub(it.at)
				n.stats.Waited++
			}
		}
		// The evaluator reads Delivered during the tick only (it keeps the
		// tuples, not the slice), so one buffer serves every tick.
		delivered := n.scratchDelivered[:0]
		for _, it := range items {
			delivered = append(delivered, it.fact)
		}
		now := tickStart
		for _, t := range n.timers {
			for !t.next.After(now) {
				t.fired++
				delivered = append(delivered, value.Fact{Rel: t.rel, Tuple: value.Tuple{value.Int(t.fired)}})
				t.next = n.timerDue(start, t)
			}
		}
		again = n.runTick(items, delivered)
		n.stats.TickTime += time.Since(tickStart)
		clear(items) // drop references to delivered facts and clients
		clear(delivered)
		n.scratchDelivered = delivered[:0]
	}
}

// takeBatch moves the oldest deliveries, at most maxBatch, from the inbox
// into items (whose memory it reuses) and returns them; n.mu is held. The
// rest stay queued in arrival order, and the loop, seeing a non-empty
// inbox, ticks again without waiting.
func (n *Node) takeBatch(items []inboxItem) []inboxItem {
	if len(n.inbox) <= n.maxBatch {
		items, n.inbox = n.inbox, items[:0]
		return items
	}
	items = append(items[:0], n.inbox[:n.maxBatch]...)
	rest := copy(n.inbox, n.inbox[n.maxBatch:])
	clear(n.inbox[rest:]) // drop references to what moved
	n.inbox = n.inbox[:rest]
	return items
}

// timerDue is the time of a timer's next firing: firing k is due k periods
// after the node started, moved by up to jitter milliseconds.
func (n *Node) timerDue(start time.Time, t *timerState) time.Time {
	ms := (t.fired + 1) * t.period
	if t.jitter > 0 {
		ms += n.jitter.Int64N(2*t.jitter+1) - t.jitter
	}
	return start.Add(time.Duration(ms) * time.Millisecond)
}

func (n *Node) nextTimer() (time.Time, bool) {
	var best time.Time
	for i, t := range n.timers {
		if i == 0 || t.next.Before(best) {
			best = t.next
		}
	}
	return best, len(n.timers) > 0
}

// runTick evaluates one tick and routes its results. It reports whether
// the carried facts changed, which calls for another tick.
func (n *Node) runTick(items []inboxItem, delivered []value.Fact) bool {
	if len(delivered) == 0 && n.state.Len() == 0 && n.stats.Ticks > 0 {
		return false
	}
	for _, it := range items {
		if it.from != nil {
			n.trace.input(it.fact, it.from.name, it.at)
			if n.outputs && len(it.fact.Tuple) > 0 {
				n.routes[it.fact.Tuple[0]] = it.from
			}
		}
	}
	res, err := n.tick(n.cfg.Program, eval.Node{Addr: n.self, Topology: n.topo},
		eval.Input{State: n.state, Delivered: delivered}, nil, n.cfg.Limits)
	n.stats.Ticks++
	n.stats.Delivered += len(delivered)
	if err != nil {
		// The tick is lost (as if its deliveries were omitted); the node
		// keeps its carried facts and keeps serving.
		n.stats.TickErrors++
		n.logf("tick %d failed: %v", n.stats.Ticks, err)
		return false
	}
	for _, v := range res.Violations {
		n.logf("invariant violated: %v", v)
	}
	next := res.State
	if next == nil { // a stand-in TickFunc that makes no State: nothing carried
		next = eval.NewState(nil)
	}
	changed := !n.state.Equal(next)
	n.state = next
	n.routeSends(res.Sends)
	n.routeOutputs(res.Outputs)
	return changed
}

// routeSends batches the tick's messages per destination: one frame per
// peer per tick. Messages to self are delivered to the next tick directly.
func (n *Node) routeSends(sends []eval.Message) {
	for i := 0; i < len(sends); {
		j := i
		for j < len(sends) && sends[j].To == sends[i].To {
			j++
		}
		to := sends[i].To
		facts := n.scratchFacts[:0]
		for k := i; k < j; k++ {
			facts = append(facts, sends[k].Fact)
		}
		n.scratchFacts = facts
		i = j
		n.stats.Sent += len(facts)
		if to == n.self {
			n.deliver(facts, nil, time.Time{}) // deliver copies the facts into the inbox
			continue
		}
		p := n.peers[to]
		if p == nil {
			n.stats.DroppedSends += len(facts)
			n.logf("dropping %d messages to %v: not in the cluster file", len(facts), to)
			continue
		}
		frame, err := n.encodeFrame(wire.FrameMessages, facts)
		if err != nil {
			n.logf("dropping messages to %v: %v", to, err)
			continue
		}
		if !p.out.push(frame) {
			if n.ctx.Err() != nil {
				// Close ran during this tick and closed the outboxes: the
				// sends die with the node, as a killed process's would;
				// they are no omission of a running node. (Counted before,
				// they showed as 18-96 "dropped" at the end of every 2PC
				// bench, from the tick in flight at SIGTERM.)
				continue
			}
			n.stats.DroppedSends += len(facts)
			if d := p.out.droppedCount(); d&(d-1) == 0 { // 1st, 2nd, 4th, ... drop: logged, not flooded
				n.logf("queue to %v is full (%d MiB): dropped %d frames so far (an omission)", to, maxPeerQueue>>20, d)
			}
		}
	}
}

// encodeFrame encodes facts as one frame into the loop's scratch buffers.
// The result is valid until the next call: outbox.push copies it, so a
// tick's frames cost no allocation once the buffers have grown.
func (n *Node) encodeFrame(t wire.FrameType, facts []value.Fact) ([]byte, error) {
	payload, err := n.schema.AppendFacts(n.scratchPayload[:0], facts)
	if err != nil {
		return nil, err
	}
	n.scratchPayload = payload
	if len(payload)+1 > n.maxFrame {
		return nil, fmt.Errorf("a tick's batch of %d facts takes %d bytes, above the frame limit %d (raise %s)", len(facts), len(payload)+1, n.maxFrame, sim.OptMaxFrame)
	}
	n.scratchFrame = wire.AppendFrame(n.scratchFrame[:0], t, payload)
	return n.scratchFrame, nil
}

// maxScratchClients bounds the clients routeOutputs keeps a scratch slice
// for between ticks.
const maxScratchClients = 64

// routeOutputs sends each output fact to the client whose input had the
// same first column (the request/answer convention of docs/REALNET.md),
// or to every connected client when no input of this node matches.
func (n *Node) routeOutputs(outs []value.Fact) {
	if len(outs) == 0 {
		return
	}
	n.stats.Outputs += len(outs)
	// Scratch kept across ticks: the map's slices are truncated, not
	// dropped, so a steady load of answers allocates nothing here.
	perClient := n.scratchPerClient
	order := n.scratchOrder[:0] // first-use order: deterministic given outs
	defer func() {
		for cc, fs := range perClient {
			clear(fs)
			perClient[cc] = fs[:0]
		}
		if len(perClient) > maxScratchClients {
			clear(perClient) // clients come and go: do not keep them all
		}
		clear(order)
		n.scratchOrder = order[:0]
	}()
	var broadcast []value.Fact
	for _, f := range outs {
		var cc *clientConn
		if len(f.Tuple) > 0 {
			key := f.Tuple[0]
			if cc = n.routes[key]; cc != nil {
				delete(n.routes, key)
			}
		}
		if cc == nil {
			broadcast = append(broadcast, f)
			continue
		}
		fs := perClient[cc]
		if len(fs) == 0 {
			order = append(order, cc)
		}
		perClient[cc] = append(fs, f)
	}
	if len(broadcast) > 0 {
		n.mu.Lock()
		for cc := range n.clients {
			if !slices.Contains(order, cc) {
				order = append(order, cc)
			}
		}
		n.mu.Unlock()
		for _, cc := range order {
			perClient[cc] = append(perClient[cc], broadcast...)
		}
		if len(order) == 0 {
			n.stats.Unroutable += len(broadcast)
		}
	}
	now := time.Now()
	for _, cc := range order {
		facts := perClient[cc]
		frame, err := n.encodeFrame(wire.FrameOutput, facts)
		if err != nil {
			n.logf("dropping outputs to client %s: %v", cc.name, err)
			continue
		}
		if cc.out.push(frame) {
			for _, f := range facts {
				n.trace.output(f, cc.name, now)
			}
		}
	}
}
