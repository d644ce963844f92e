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

// BenchRun is what a closed-loop run observed: the samples of its
// measured window (see sessionRun for which answers count) and what was
// in flight when it closed. The command turns it into percentiles.
type BenchRun struct {
	Duration  time.Duration // the measured window
	Latencies []float64     // milliseconds, one per answer read in the window
	Windows   []float64     // answers read in each whole second of the window
	// Unanswered counts the requests in flight at the cut-off (sent, not
	// answered before it): one per closed-loop client.
	Unanswered int
	// Lost counts those of them still unanswered Grace after the cut-off.
	Lost  int
	Grace time.Duration
}

// RunBench drives cfg.Clients closed-loop clients: each sends one command
// and sends its next one when the answer (an output whose first column is
// the command's id) arrives. Clients share a few connections (sessions) so
// that the load generator itself stays cheap.
func RunBench(ctx context.Context, cfg BenchConfig) (*BenchRun, error) {
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
	if len(entries) == 0 {
		return nil, fmt.Errorf("the cluster has no node of component %s, where %s enters", rel.InputComponent, rel.Name)
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
				r.close()
			}
			return nil, err
		}
		runs[i] = newSessionRun(s, rel, int64(i+1)<<40)
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
			errs[i] = r.run(ctx, measureFrom, end, DrainGrace, &answered)
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
	res := &BenchRun{Duration: cfg.Duration, Grace: DrainGrace,
		Windows: make([]float64, max(1, int(cfg.Duration/time.Second)))}
	for i, r := range runs {
		r.close()
		if errs[i] != nil {
			return nil, errs[i]
		}
		res.Latencies = append(res.Latencies, r.latencies...)
		for _, t := range r.doneAt {
			if w := int(t / time.Second); w < len(res.Windows) {
				res.Windows[w]++
			}
		}
		res.Unanswered += r.unanswered
		res.Lost += len(r.pending)
	}
	return res, nil
}
