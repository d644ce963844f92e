package realnet

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// OutputEvent is one output a node sent to a client, in virtual time. It
// is sim.HistoryOutput plus the node that sent it, which a recording knows
// and a simulated history does not need.
type OutputEvent struct {
	Time   int64 // virtual time: milliseconds since the first event
	Fact   value.Fact
	Node   value.Addr // the node that sent it
	Client int
}

// History is a real run's observable history in virtual time (1 unit =
// 1 ms, the unit timers use): the inputs as a sim.Workload, which the
// simulator and checker replay, and the outputs the clients received.
type History struct {
	Inputs  sim.Workload
	Outputs []OutputEvent
	// EpochMicros is the wall-clock time (Unix µs) of virtual time 0.
	EpochMicros int64
}

// LoadTrace reads every *.trace file of dir and merges them into one
// History: times become milliseconds since the earliest event (rounded
// up, so an output never moves before the input it answers).
func LoadTrace(dir string) (*History, error) {
	evs, err := readTraceEvents(dir)
	if err != nil {
		return nil, err
	}
	h := &History{}
	if len(evs) == 0 {
		return h, nil
	}
	h.EpochMicros = evs[0].us
	for _, e := range evs {
		h.EpochMicros = min(h.EpochMicros, e.us)
	}
	for _, e := range evs {
		vt := (e.us - h.EpochMicros + 999) / 1000
		if e.input != nil {
			in := *e.input
			in.Time = vt
			h.Inputs = append(h.Inputs, in)
			continue
		}
		out := *e.output
		out.Time = vt
		h.Outputs = append(h.Outputs, out)
	}
	h.Inputs.Sort()
	slices.SortStableFunc(h.Outputs, func(a, b OutputEvent) int {
		if a.Time != b.Time {
			return cmp.Compare(a.Time, b.Time)
		}
		if c := a.Fact.Compare(b.Fact); c != 0 {
			return c
		}
		return a.Client - b.Client
	})
	return h, nil
}

// traceEvent is one parsed trace line with its real time (Unix µs): an
// input or an output (the other is nil; Time fields are unset).
type traceEvent struct {
	us     int64
	input  *sim.InputEvent
	output *OutputEvent
}

// readTraceEvents parses every *.trace file of dir, in file then line order.
func readTraceEvents(dir string) ([]traceEvent, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.trace"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.trace files (record them with %s)", dir, sim.OptTraceDir)
	}
	slices.Sort(files)
	var evs []traceEvent
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for no := 1; sc.Scan(); no++ {
			text := strings.TrimSpace(sc.Text())
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			e, err := parseTraceLine(path, no, text)
			if err != nil {
				f.Close()
				return nil, err
			}
			evs = append(evs, e)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return evs, nil
}

func parseTraceLine(path string, no int, text string) (traceEvent, error) {
	where := fmt.Sprintf("%s:%d", path, no)
	at, rest, ok := strings.Cut(text, " ")
	kind, body, ok2 := strings.Cut(rest, " ")
	us, err := strconv.ParseInt(strings.TrimPrefix(at, "@"), 10, 64)
	if !ok || !ok2 || err != nil || !strings.HasPrefix(at, "@") || (kind != "in" && kind != "out") {
		return traceEvent{}, fmt.Errorf("%s: not a trace event (hint: lines read `@MICROS in FACT -> NODE client=K` or `@MICROS out FACT -> client=K from NODE`)", where)
	}
	if kind == "in" {
		// The input half is a workload line: let sim parse it.
		w, err := sim.ParseWorkload(where, "@0 "+body)
		if err != nil {
			return traceEvent{}, err
		}
		if len(w) != 1 {
			return traceEvent{}, fmt.Errorf("%s: bad input event", where)
		}
		return traceEvent{us: us, input: &w[0]}, nil
	}
	// "FACT -> client=K from NODE"
	factText, tail, ok := strings.Cut(body, " -> client=")
	clientText, nodeText, ok2 := strings.Cut(tail, " from ")
	client, err := strconv.Atoi(clientText)
	node, err2 := value.ParseAddr(nodeText)
	if !ok || !ok2 || err != nil || err2 != nil {
		return traceEvent{}, fmt.Errorf("%s: bad output event (hint: `@MICROS out FACT -> client=K from NODE`)", where)
	}
	fact, err := value.ParseFact(factText)
	if err != nil {
		return traceEvent{}, fmt.Errorf("%s: bad output fact: %v", where, err)
	}
	return traceEvent{us: us, output: &OutputEvent{Fact: fact, Node: node, Client: client}}, nil
}
