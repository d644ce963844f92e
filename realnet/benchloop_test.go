package realnet

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// fakeRun is a sessionRun over channels instead of sockets, with a clock
// the test moves: sent collects every command the loop sends.
type fakeRun struct {
	*sessionRun
	outs  chan []value.Fact
	sent  chan []value.Fact
	done  chan error
	clock atomic.Int64 // nanoseconds since t0
	t0    time.Time
}

func newFakeRun(clients int) *fakeRun {
	rel := &analysis.Relation{Name: "request", Input: true,
		Columns: []analysis.Column{{Name: "id", Type: value.KindInt}, {Name: "p", Type: value.KindInt}}}
	f := &fakeRun{outs: make(chan []value.Fact, 16), sent: make(chan []value.Fact, 16), done: make(chan error, 1), t0: time.Unix(1000, 0)}
	f.sessionRun = &sessionRun{
		send:  func(b []value.Fact) error { f.sent <- append([]value.Fact(nil), b...); return nil },
		close: func() {},
		outs:  f.outs, errc: make(chan error),
		now: func() time.Time { return f.t0.Add(time.Duration(f.clock.Load())) },
		rel: rel, clients: clients, base: 1 << 40, pending: map[int64]time.Time{}}
	return f
}

func (f *fakeRun) at(d time.Duration) { f.clock.Store(int64(d)) }

// answer is the output answering every command of batch.
func answer(batch []value.Fact) []value.Fact {
	var out []value.Fact
	for _, c := range batch {
		out = append(out, value.Fact{Rel: "reply", Tuple: value.Tuple{c.Tuple[0]}})
	}
	return out
}

// TestBenchLateAnswersStayUnanswered pins the cut-off: answers read after
// the measured window closed are neither commands of the window nor
// removed from "in flight at the cut-off". The loop used to treat a batch
// it read after the end as in the window whenever select picked the batch
// before the stop timer (a coin toss when both were ready), so runs
// reported anything from 0 to the client count as unanswered.
func TestBenchLateAnswersStayUnanswered(t *testing.T) {
	for range 20 { // the old loop passed each try with probability 1/2
		f := newFakeRun(4)
		// The answers to the four first commands are already queued when
		// the loop starts, and the window ends at once: the stop timer and
		// the batch are ready together.
		var ids []value.Fact
		for i := int64(1); i <= 4; i++ {
			ids = append(ids, value.Fact{Tuple: value.Tuple{value.Int(f.base + i)}})
		}
		f.outs <- answer(ids)
		f.startAt(0, 0)
		require.NoError(t, <-f.done)
		assert.Equal(t, 4, f.unanswered, "in flight at the cut-off")
		assert.Empty(t, f.pending, "answered during the grace period: not lost")
		assert.Empty(t, f.latencies, "no command read inside the window")
	}
}

// TestBenchCountsByAnswerTime pins which answers the figures count: those
// read inside [measureFrom, end), whenever their request was sent (a
// request sent in the warm-up and answered in the window counts; one
// answered in the warm-up does not), with their latencies.
func TestBenchCountsByAnswerTime(t *testing.T) {
	f := newFakeRun(2)
	// The stop timer runs on the real clock: an hour of fake warm-up
	// leaves the cut-off to the fake clock read with each batch.
	measureFrom, end := time.Hour, time.Hour+2*time.Second
	go f.startAt(measureFrom, end)
	first := <-f.sent // ids 1, 2 sent at 0

	f.at(30 * time.Minute) // warm-up: answer id 1
	f.outs <- answer(first[:1])
	third := <-f.sent // id 3 sent at 30 min

	f.at(measureFrom + 200*time.Millisecond) // window: answer id 2 (sent in the warm-up) and id 3
	f.outs <- append(answer(first[1:]), answer(third)...)
	more := <-f.sent // ids 4, 5
	require.Len(t, more, 2)

	f.at(measureFrom + 1500*time.Millisecond) // window: answer id 4 twice (a repeat is ignored)
	f.outs <- append(answer(more[:1]), answer(more[:1])...)
	<-f.sent // id 6

	f.at(end) // the end itself is outside the window: id 5 is late
	f.outs <- answer(more[1:])
	require.NoError(t, <-f.done)

	assert.Equal(t, []float64{3600200, 1800200, 1300}, f.latencies, "ids 2, 3, 4 in ms")
	assert.Equal(t, []time.Duration{200 * time.Millisecond, 200 * time.Millisecond, 1500 * time.Millisecond}, f.doneAt)
	assert.Equal(t, 2, f.unanswered, "ids 5 and 6")
	assert.Len(t, f.pending, 1, "id 6 was never answered: lost")
}

// startAt runs the loop with the window [measureFrom, end) from t0 and a
// short grace, reporting its error on f.done.
func (f *fakeRun) startAt(measureFrom, end time.Duration) {
	var answered atomic.Int64
	f.done <- f.run(context.Background(), f.t0.Add(measureFrom), f.t0.Add(end), 20*time.Millisecond, &answered)
}
