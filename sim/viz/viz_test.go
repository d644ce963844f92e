package viz

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// timerSrc has a timer, a self-send and a bounded counter, so that its
// diagram holds timer marks and in-flight messages when the run stops at
// the time limit.
const timerSrc = `
.decl ping(n: int)
component pinger {
  .timer beat 5
  ping@p(n) :~ beat(n), ponger(p).
}
component ponger[2] {
  .output pong(n: int)
  pong(n) :- ping(n).
}
`

// traceCase is one small run whose diagram the tests check.
type traceCase struct {
	name     string
	prog     string // a corpus program, or a name for src
	src      string
	seed     uint64
	requests int
	faults   string
	dump     []string
	maxTime  int64
}

var traceCases = []traceCase{
	{name: "hashset-2req", prog: "corpus/hashset/base.ded", seed: 1, requests: 2, dump: []string{"*"}},
	{name: "hashset-faults", prog: "corpus/hashset/base.ded", seed: 4, requests: 2,
		faults: "omission storage[1] p=0.6 until=40; crash storage[2] at=6"},
	{name: "timer", prog: "timer.ded", src: timerSrc, seed: 2, maxTime: 11},
}

// fataler is what runCase needs of testing.T and rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func runCase(t fataler, c traceCase) *sim.Trace {
	t.Helper()
	src := []byte(c.src)
	if c.src == "" {
		var err error
		if src, err = corpus.Open(c.prog); err != nil {
			t.Fatal(err)
		}
	}
	prog, diags := analysis.Load(c.prog, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	cfg := sim.Config{Seed: c.seed, Trace: sim.TraceOptions{Dump: c.dump}}
	cfg.Limits.MaxTime = c.maxTime
	if c.requests > 0 {
		cfg.Closed = &sim.ClosedLoop{Clients: 1, Requests: c.requests}
	}
	if c.faults != "" {
		plan, err := sim.ParseFaultPlan(c.faults)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Faults = plan
	}
	res, err := sim.Run(prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res.Trace
}

func buildCase(t fataler, c traceCase) (*sim.Trace, *Diagram) {
	t.Helper()
	tr := runCase(t, c)
	d, err := Build(tr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr, d
}

// checkGolden compares got with testdata/name, or rewrites it with -rewrite.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestGoldenModelAndASCII(t *testing.T) {
	for _, c := range traceCases {
		t.Run(c.name, func(t *testing.T) {
			_, d := buildCase(t, c)
			model, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.name+".model.json", append(model, '\n'))
			var b bytes.Buffer
			if err := WriteASCII(&b, d); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.name+".ascii.txt", b.Bytes())
		})
	}
}

func cmpDiff(want, got any) string { return cmp.Diff(want, got) }
