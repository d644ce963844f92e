package realnet

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// DrainGrace is how long a bench keeps reading answers after the measured
// window closes, to tell requests that were merely in flight at the
// cut-off (answered late, not counted) from requests that were never
// answered (BenchResult.Lost).
const DrainGrace = time.Second

// sessionRun is the closed loop of the clients sharing one session, and
// its bookkeeping. What counts is decided by the time an answer is read,
// and only by that: an answer read in [measureFrom, end) is a command of
// the measured window (with its latency, whenever its request was sent);
// one read before is warm-up; one read at or after end is not counted and
// its request is in flight at the cut-off.
type sessionRun struct {
	send  func([]value.Fact) error
	close func()
	outs  <-chan []value.Fact
	errc  <-chan error
	now   func() time.Time // time.Now; a fake clock in tests

	rel     *analysis.Relation
	clients int
	base    int64 // ids of this session: base + sequence number
	seq     int64
	pending map[int64]time.Time // sent, not answered yet

	latencies  []float64       // milliseconds, answers read in the measured window
	doneAt     []time.Duration // those answers' read times since the window began
	unanswered int             // pending when the window closed
}

func newSessionRun(s *Session, rel *analysis.Relation, base int64) *sessionRun {
	return &sessionRun{send: s.Send, close: s.Close, outs: s.Outputs, errc: s.Err(), now: time.Now,
		rel: rel, base: base, pending: map[int64]time.Time{}}
}

func (r *sessionRun) next(now time.Time, batch []value.Fact) []value.Fact {
	r.seq++
	id := r.base + r.seq
	r.pending[id] = now
	return append(batch, command(r.rel, id))
}

// run drives the loop until end, then drains answers for up to grace
// without sending more; afterwards r.pending holds the requests never
// answered. answered counts every answer (warm-up included) for progress.
//
// The cut-off is decided by the clock read with each output batch, not by
// which select case fires first: when the stop timer and a batch of
// answers are both ready, select picks at random, and an earlier version
// consumed such late answers as if in the window (deleting them from
// pending without counting them), so "unanswered" varied from 0 to the
// client count between runs.
func (r *sessionRun) run(ctx context.Context, measureFrom, end time.Time, grace time.Duration, answered *atomic.Int64) error {
	var batch []value.Fact
	now := r.now()
	for i := 0; i < r.clients; i++ {
		batch = r.next(now, batch)
	}
	if err := r.send(batch); err != nil {
		return err
	}
	stop := time.NewTimer(end.Sub(now))
	defer stop.Stop()
	inWindow := true
	for inWindow {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop.C:
			r.unanswered = len(r.pending)
			inWindow = false
		case err := <-r.errc:
			return fmt.Errorf("bench client %d: %w", r.base>>40, err)
		case outs := <-r.outs:
			now := r.now()
			if !now.Before(end) {
				r.unanswered = len(r.pending)
				r.take(outs, answered)
				inWindow = false
				break
			}
			batch = batch[:0]
			for _, sent := range r.take(outs, answered) {
				if !now.Before(measureFrom) {
					r.latencies = append(r.latencies, float64(now.Sub(sent).Microseconds())/1000)
					r.doneAt = append(r.doneAt, now.Sub(measureFrom))
				}
				batch = r.next(now, batch)
			}
			if len(batch) > 0 {
				if err := r.send(batch); err != nil {
					return err
				}
			}
		}
	}
	return r.drain(ctx, grace, answered)
}

// drain reads answers to the requests in flight at the cut-off for up to
// grace, uncounted, so that what remains pending was never answered.
func (r *sessionRun) drain(ctx context.Context, grace time.Duration, answered *atomic.Int64) error {
	t := time.NewTimer(grace)
	defer t.Stop()
	for len(r.pending) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case <-r.errc:
			return nil // the window's figures stand; what is pending stays lost
		case outs := <-r.outs:
			r.take(outs, answered)
		}
	}
	return nil
}

// take removes from pending the requests outs answers (an output whose
// first column is the id) and returns their send times.
func (r *sessionRun) take(outs []value.Fact, answered *atomic.Int64) []time.Time {
	var sent []time.Time
	for _, f := range outs {
		if len(f.Tuple) == 0 || f.Tuple[0].K != value.KindInt {
			continue
		}
		t, ok := r.pending[f.Tuple[0].I]
		if !ok {
			continue // another session's answer, or a repeat
		}
		delete(r.pending, f.Tuple[0].I)
		answered.Add(1)
		sent = append(sent, t)
	}
	return sent
}
