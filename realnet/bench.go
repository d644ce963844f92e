package realnet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// BenchConfig describes a closed-loop run against a running cluster.
type BenchConfig struct {
	Name     string // program name, for the report
	Program  *analysis.Program
	Source   []byte
	Cluster  *Cluster
	Clients  int
	Duration time.Duration // measured
	Warmup   time.Duration // run but not measured
	// Progress, when set, is called about every 200ms with the time since
	// the start and the commands answered so far.
	Progress func(elapsed time.Duration, answered int64)
}

// Commands carry the request id in the input's first column (an int) and
// a payload in the others: 16 bytes for the corpus's request(id, payload).

// BenchInput picks the program's client input relation: the first .input
// (by name) whose first column is an int.
func BenchInput(p *analysis.Program) (*analysis.Relation, error) {
	for _, r := range p.Relations {
		if r.Input && len(r.Columns) > 0 && r.Columns[0].Type == value.KindInt {
			for _, c := range r.Columns[1:] {
				if c.Type == value.KindAddr {
					return nil, fmt.Errorf("input %s has an addr column; bench generates int and string payloads only", r.Name)
				}
			}
			return r, nil
		}
	}
	return nil, errors.New("the program has no .input relation whose first column is an int request id (bench needs one; see docs/REALNET.md)")
}

func command(rel *analysis.Relation, id int64) value.Fact {
	t := make(value.Tuple, len(rel.Columns))
	t[0] = value.Int(id)
	for i := 1; i < len(t); i++ {
		if rel.Columns[i].Type == value.KindString {
			t[i] = value.Str("p" + strconv.FormatInt(id%1000, 10))
		} else {
			t[i] = value.Int(id%1000 + 1)
		}
	}
	return value.Fact{Rel: rel.Name, Tuple: t}
}

// RunBench drives cfg.Clients closed-loop clients: each sends one command
// and sends its next one when the answer (an output whose first column is
// the command's id) arrives. Clients share a few connections (sessions) so
// that the load generator itself stays cheap.
func RunBench(ctx context.Context, cfg BenchConfig) (*BenchResult, error) {
	rel, err := BenchInput(cfg.Program)
	if err != nil {
		return nil, err
	}
	var entries []value.Addr
	for _, n := range cfg.Cluster.Nodes {
		if n.Addr.Comp == rel.InputComponent {
			entries = append(entries, n.Addr)
		}
	}
	if cfg.Clients < 1 {
		return nil, fmt.Errorf("%s must be at least 1", sim.OptBenchClients)
	}
	nSessions := min(cfg.Clients, 4*len(entries))
	runs := make([]*sessionRun, nSessions)
	for i := range runs {
		s, err := DialSession(ctx, entries[i%len(entries)], ClientConfig{
			Program: cfg.Program, Source: cfg.Source, Cluster: cfg.Cluster, Name: strconv.Itoa(i + 1)})
		if err != nil {
			for _, r := range runs[:i] {
				r.s.Close()
			}
			return nil, err
		}
		runs[i] = &sessionRun{s: s, rel: rel, base: int64(i+1) << 40, pending: map[int64]time.Time{}}
	}
	for c := 0; c < cfg.Clients; c++ {
		runs[c%nSessions].clients++
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	var answered atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, nSessions)
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.run(ctx, measureFrom, end, &answered)
		}()
	}
	if cfg.Progress != nil {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		tick := time.NewTicker(200 * time.Millisecond)
	loop:
		for {
			select {
			case <-done:
				break loop
			case <-tick.C:
				cfg.Progress(time.Since(start), answered.Load())
			}
		}
		tick.Stop()
	}
	wg.Wait()
	res := &BenchResult{Program: cfg.Name, Clients: cfg.Clients, Seconds: cfg.Duration.Seconds()}
	var lat []float64
	windows := make([]float64, max(1, int(cfg.Duration/time.Second)))
	for i, r := range runs {
		r.s.Close()
		if errs[i] != nil {
			return nil, errs[i]
		}
		lat = append(lat, r.latencies...)
		for _, t := range r.doneAt {
			if w := int(t / time.Second); w < len(windows) {
				windows[w]++
			}
		}
		res.Unanswered += len(r.pending)
	}
	summarize(res, lat, windows)
	return res, nil
}

// sessionRun is the closed loop of the clients sharing one session.
type sessionRun struct {
	s         *Session
	rel       *analysis.Relation
	clients   int
	base      int64 // ids of this session: base + sequence number
	seq       int64
	pending   map[int64]time.Time
	latencies []float64       // milliseconds, measured window only
	doneAt    []time.Duration // answer times since the measured window began
}

func (r *sessionRun) next(now time.Time, batch []value.Fact) []value.Fact {
	r.seq++
	id := r.base + r.seq
	r.pending[id] = now
	return append(batch, command(r.rel, id))
}

func (r *sessionRun) run(ctx context.Context, measureFrom, end time.Time, answered *atomic.Int64) error {
	var batch []value.Fact
	now := time.Now()
	for i := 0; i < r.clients; i++ {
		batch = r.next(now, batch)
	}
	if err := r.s.Send(batch); err != nil {
		return err
	}
	stop := time.NewTimer(time.Until(end))
	defer stop.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop.C:
			return nil
		case err := <-r.s.Err():
			return fmt.Errorf("bench client %d: %w", r.base>>40, err)
		case outs := <-r.s.Outputs:
			now := time.Now()
			batch = batch[:0]
			for _, f := range outs {
				if len(f.Tuple) == 0 || f.Tuple[0].K != value.KindInt {
					continue
				}
				sent, ok := r.pending[f.Tuple[0].I]
				if !ok {
					continue // another session's answer, or a repeat
				}
				delete(r.pending, f.Tuple[0].I)
				answered.Add(1)
				if !sent.Before(measureFrom) && now.Before(end) {
					r.latencies = append(r.latencies, float64(now.Sub(sent).Microseconds())/1000)
					r.doneAt = append(r.doneAt, now.Sub(measureFrom))
				}
				if now.Before(end) {
					batch = r.next(now, batch)
				}
			}
			if len(batch) > 0 {
				if err := r.s.Send(batch); err != nil {
					return err
				}
			}
		}
	}
}
