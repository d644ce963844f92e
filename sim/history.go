package sim

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// HistoryInput is an observable input (docs/ARCHITECTURE.md, Observable
// history): a fact of an .input relation, the node that receives it, its
// virtual send time and its client. It is the same value as a workload's
// InputEvent, so that a run's inputs replay as a workload as they are.
type HistoryInput = InputEvent

// HistoryOutput is an observable output (docs/ARCHITECTURE.md, Observable history): a fact of an .output
// relation, the client it reaches and its virtual arrival time.
type HistoryOutput struct {
	Fact   value.Fact
	Client int
	Time   int64
}

// History is what a client of the system can observe of a run. Inputs and
// outputs are sorted by time, then client, then fact; repeated deliveries of
// the same output stay (a strict comparison may want them; Facts drops them).
type History struct {
	Inputs  []HistoryInput
	Outputs []HistoryOutput
}

func (h *History) sort() {
	slices.SortStableFunc(h.Inputs, compareInputs)
	slices.SortStableFunc(h.Outputs, func(a, b HistoryOutput) int {
		if c := cmp.Compare(a.Time, b.Time); c != 0 {
			return c
		}
		if a.Client != b.Client {
			return a.Client - b.Client
		}
		return a.Fact.Compare(b.Fact)
	})
}

// OutputFacts returns the distinct output facts, sorted: what a client with
// set semantics saw.
func (h *History) OutputFacts() []value.Fact {
	out := make([]value.Fact, 0, len(h.Outputs))
	for _, o := range h.Outputs {
		out = append(out, o.Fact)
	}
	slices.SortFunc(out, value.Fact.Compare)
	return slices.CompactFunc(out, func(a, b value.Fact) bool { return a.Compare(b) == 0 })
}

// String renders one line per input and output:
//
//	in @0 in(1) -> leader[0] client=0
//	out @3 certificate(1, 0) -> client=0
func (h *History) String() string {
	var b strings.Builder
	for _, in := range h.Inputs {
		b.WriteString("in " + at(in.Time) + " " + in.Fact.String() + " -> " + in.Node.String() + " client=" + strconv.Itoa(in.Client) + "\n")
	}
	for _, o := range h.Outputs {
		b.WriteString("out " + at(o.Time) + " " + o.Fact.String() + " -> client=" + strconv.Itoa(o.Client) + "\n")
	}
	return b.String()
}

type jsonHistory struct {
	Inputs  []jsonHistoryInput  `json:"inputs"`
	Outputs []jsonHistoryOutput `json:"outputs"`
}

type jsonHistoryInput struct {
	Time   int64  `json:"time"`
	Fact   string `json:"fact"`
	Node   string `json:"node"`
	Client int    `json:"client"`
}

type jsonHistoryOutput struct {
	Time   int64  `json:"time"`
	Fact   string `json:"fact"`
	Client int    `json:"client"`
}

// JSON renders the history as {"inputs": [...], "outputs": [...]}.
func (h *History) JSON() []byte {
	j := jsonHistory{Inputs: []jsonHistoryInput{}, Outputs: []jsonHistoryOutput{}}
	for _, in := range h.Inputs {
		j.Inputs = append(j.Inputs, jsonHistoryInput{in.Time, in.Fact.String(), in.Node.String(), in.Client})
	}
	for _, o := range h.Outputs {
		j.Outputs = append(j.Outputs, jsonHistoryOutput{o.Time, o.Fact.String(), o.Client})
	}
	out, _ := json.MarshalIndent(j, "", "  ")
	return append(out, '\n')
}
