package realnet

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"dsim/semantics/value"
	"dsim/sim"
)

// OutputEvent is one output a node sent to a client. sim has no output
// event type of its own yet; this mirrors DESIGN §4 (relation, tuple,
// client, time) and should be replaced by sim's when it lands.
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
	files, err := filepath.Glob(filepath.Join(dir, "*.trace"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.trace files (record them with `dsim serve --trace DIR`)", dir)
	}
	slices.Sort(files)
	type raw struct {
		us   int64
		in   bool
		line string // the event after "@T in " / "@T out "
		file string
		no   int
	}
	var evs []raw
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
			at, rest, ok := strings.Cut(text, " ")
			kind, body, ok2 := strings.Cut(rest, " ")
			us, err := strconv.ParseInt(strings.TrimPrefix(at, "@"), 10, 64)
			if !ok || !ok2 || err != nil || !strings.HasPrefix(at, "@") || (kind != "in" && kind != "out") {
				f.Close()
				return nil, fmt.Errorf("%s:%d: not a trace event (hint: lines read `@MICROS in FACT -> NODE client=K` or `@MICROS out FACT -> client=K from NODE`)", path, no)
			}
			evs = append(evs, raw{us: us, in: kind == "in", line: body, file: path, no: no})
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
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
		if e.in {
			// The input half is a workload line: let sim parse it.
			w, err := sim.ParseWorkload(fmt.Sprintf("%s:%d", e.file, e.no), fmt.Sprintf("@%d %s", vt, e.line))
			if err != nil {
				return nil, err
			}
			h.Inputs = append(h.Inputs, w...)
			continue
		}
		// "FACT -> client=K from NODE": parse the fact through the same
		// workload parser by rewriting it as an input line.
		factText, tail, ok := strings.Cut(e.line, " -> client=")
		clientText, nodeText, ok2 := strings.Cut(tail, " from ")
		client, err := strconv.Atoi(clientText)
		node, err2 := ParseAddr(nodeText)
		if !ok || !ok2 || err != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: bad output event (hint: `@MICROS out FACT -> client=K from NODE`)", e.file, e.no)
		}
		w, err := sim.ParseWorkload(fmt.Sprintf("%s:%d", e.file, e.no), fmt.Sprintf("@%d %s -> %s", vt, factText, nodeText))
		if err != nil || len(w) != 1 {
			return nil, fmt.Errorf("%s:%d: bad output fact: %v", e.file, e.no, err)
		}
		h.Outputs = append(h.Outputs, OutputEvent{Time: vt, Fact: w[0].Fact, Node: node, Client: client})
	}
	h.Inputs.Sort()
	slices.SortStableFunc(h.Outputs, func(a, b OutputEvent) int {
		if a.Time != b.Time {
			return cmpI64(a.Time, b.Time)
		}
		if c := a.Fact.Compare(b.Fact); c != 0 {
			return c
		}
		return a.Client - b.Client
	})
	return h, nil
}

func cmpI64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
