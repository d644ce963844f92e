package checker

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// simulatedHistory runs prog on an open-loop workload and returns its
// observable history.
func simulatedHistory(t testing.TB, prog *analysis.Program, seed uint64, requests, clients int) *sim.History {
	t.Helper()
	w, err := sim.GenerateOpenLoop(prog, nil, seed, sim.OpenLoop{Requests: requests, Clients: clients})
	require.NoError(t, err)
	res, err := sim.Run(prog, sim.Config{Seed: seed, Workload: w})
	require.NoError(t, err)
	require.Equal(t, sim.Quiescent, res.Stop.Reason, res.Stop.Message)
	require.NotEmpty(t, res.History.Outputs)
	return res.History
}

// TestCheckHistory: the original's own simulated history is Equivalent
// (with a witness that replays to the same history); hand-edited
// histories the original cannot produce are NotEquivalent and name the
// offending output.
func TestCheckHistory(t *testing.T) {
	for _, name := range []string{"corpus/voting/base.ded", "corpus/2pc/base.ded"} {
		t.Run(name, func(t *testing.T) {
			prog := load(t, name)
			// Equivalent: 4 requests from 2 clients. NotEquivalent needs an
			// exhaustive search, affordable for one request.
			full := simulatedHistory(t, prog, 7, 4, 2)
			h := simulatedHistory(t, prog, 7, 1, 1)
			out := h.Outputs[0].Fact
			forged := value.Fact{Rel: out.Rel, Tuple: slices.Clone(out.Tuple)}
			forged.Tuple[0] = value.Int(987654321) // an id no input carried

			for _, tt := range []struct {
				name    string
				edit    func(h *sim.History)
				verdict Verdict
				kind    string
				fact    value.Fact
			}{
				{name: "as recorded", edit: func(*sim.History) {}, verdict: Equivalent},
				{name: "forged output", verdict: NotEquivalent, kind: "late", fact: forged,
					edit: func(h *sim.History) {
						h.Outputs = append(h.Outputs, sim.HistoryOutput{Fact: forged, Client: 0, Time: h.Outputs[0].Time})
					}},
				{name: "answer missing", verdict: NotEquivalent, kind: "unexpected", fact: out,
					edit: func(h *sim.History) {
						h.Outputs = slices.DeleteFunc(h.Outputs, func(o sim.HistoryOutput) bool { return o.Fact.Compare(out) == 0 })
					}},
				{name: "answer too early", verdict: NotEquivalent, kind: "late", fact: out,
					edit: func(h *sim.History) {
						for i := range h.Outputs {
							if h.Outputs[i].Fact.Compare(out) == 0 {
								h.Outputs[i].Time = firstInput(h) + 1
							}
						}
					}},
			} {
				t.Run(tt.name, func(t *testing.T) {
					src := h
					if tt.verdict == Equivalent {
						src = full
					}
					hh := &sim.History{Inputs: slices.Clone(src.Inputs), Outputs: slices.Clone(src.Outputs)}
					tt.edit(hh)
					rep, err := CheckHistory(prog, hh, Options{})
					require.NoError(t, err)
					require.Equal(t, tt.verdict, rep.Verdict, rep.Text(SavedFiles{}))
					r := rep.Runs[0]
					if tt.verdict == Equivalent {
						// Library text names options, not flags (cmd/dsim maps them).
						require.Contains(t, rep.Text(SavedFiles{}), "replay the witness: sim.Replay "+prog.File.Name+" RunReport.Witness\n")
						require.NotContains(t, rep.Text(SavedFiles{}), "--")
						require.NotNil(t, r.Witness)
						res, err := sim.Replay(prog, r.Witness)
						require.NoError(t, err)
						require.Equal(t, hh.Inputs, res.History.Inputs)
						require.Equal(t, firstArrivals(hh), firstArrivals(res.History))
						return
					}
					require.NotNil(t, r.Offense)
					require.Equal(t, tt.kind, r.Offense.Kind, rep.Text(SavedFiles{}))
					require.Equal(t, tt.fact.String(), r.Offense.Fact.String())
					require.Contains(t, rep.Text(SavedFiles{}), tt.fact.String())
					// An id no input carried is impossible for the
					// original: the may-derive analysis decides, and the
					// search alone agrees.
					require.Equal(t, tt.name == "forged output", r.MayDerive, rep.Text(SavedFiles{}))
					if r.MayDerive {
						require.Contains(t, rep.Text(SavedFiles{}), "(may-derive analysis, no search")
						alone, err := CheckHistory(prog, hh, Options{NoMayDerive: true})
						require.NoError(t, err)
						require.Equal(t, NotEquivalent, alone.Verdict)
						require.Equal(t, tt.fact.String(), alone.Runs[0].Offense.Fact.String())
					}
				})
			}
		})
	}
}

func firstInput(h *sim.History) int64 {
	return h.Inputs[0].Time
}

// firstArrivals maps each distinct output fact to its first arrival.
func firstArrivals(h *sim.History) map[string]int64 {
	out := map[string]int64{}
	for _, o := range h.Outputs {
		k := o.Fact.String()
		if t, ok := out[k]; !ok || o.Time < t {
			out[k] = o.Time
		}
	}
	return out
}

// TestCheckHistoryErrors: histories that cannot be compared are errors.
func TestCheckHistoryErrors(t *testing.T) {
	prog := load(t, "corpus/voting/base.ded")
	_, err := CheckHistory(prog, nil, Options{})
	require.Error(t, err)
	bad := &sim.History{Inputs: []sim.HistoryInput{{Fact: value.Fact{Rel: "nosuch", Tuple: value.Tuple{value.Int(1)}}, Node: value.Addr{Comp: "leader"}, Time: 0}}}
	_, err = CheckHistory(prog, bad, Options{})
	require.ErrorContains(t, err, "nosuch")
	early := &sim.History{Outputs: []sim.HistoryOutput{{Fact: value.Fact{Rel: "reply", Tuple: value.Tuple{value.Int(1), value.Int(1)}}, Time: 0}}}
	_, err = CheckHistory(prog, early, Options{})
	require.ErrorContains(t, err, "time 0")
}

// TestCheckHistoryBound: a search bound that is too small says Unknown and
// names the bound, never NotEquivalent.
func TestCheckHistoryBound(t *testing.T) {
	prog := load(t, "corpus/2pc/base.ded")
	h := simulatedHistory(t, prog, 3, 2, 1)
	// Make the history unexplainable so that the search must go deep.
	h.Outputs = h.Outputs[1:]
	rep, err := CheckHistory(prog, h, Options{MaxStates: 2})
	require.NoError(t, err)
	require.Equal(t, Unknown, rep.Verdict, rep.Text(SavedFiles{}))
	require.Contains(t, rep.Runs[0].Bound, "max-states")
	// The library names the bound in library terms, typed and in text;
	// only cmd/dsim names flags.
	require.Equal(t, sim.BoundMaxStates, rep.Runs[0].Limit)
	require.True(t, strings.Contains(rep.Text(SavedFiles{}), "raise Options.MaxStates"))
	require.NotContains(t, rep.Text(SavedFiles{}), "--max-states")
	require.NotContains(t, string(rep.JSON()), "--max-states")
}

// TestPropertyHistorySelfEquivalent: every corpus program's own simulated
// history (random seed, workload size and clients) is Equivalent.
func TestPropertyHistorySelfEquivalent(t *testing.T) {
	progs := map[string]*analysis.Program{}
	for _, name := range corpus.Programs() {
		progs[name] = load(t, name)
	}
	rapid.Check(t, func(rt *rapid.T) {
		p := progs[rapid.SampledFrom(corpus.Programs()).Draw(rt, "program")]
		seed := rapid.Uint64Range(0, 1<<20).Draw(rt, "seed")
		w, err := sim.GenerateOpenLoop(p, nil, seed, sim.OpenLoop{Requests: rapid.IntRange(1, 3).Draw(rt, "requests"), Clients: rapid.IntRange(1, 2).Draw(rt, "clients")})
		if err != nil {
			rt.Fatal(err)
		}
		// Programs with timers (corpus/paxos) never quiesce and are skipped
		// below; the horizon keeps them from running to sim's default
		// 100,000 (tens of seconds each). The others quiesce long before it.
		res, err := sim.Run(p, sim.Config{Seed: seed, Workload: w, Limits: sim.Limits{MaxTime: 2000}})
		if err != nil {
			rt.Fatal(err)
		}
		if res.Stop.Reason != sim.Quiescent {
			rt.Skip("not quiescent: ", res.Stop.Message)
		}
		// The run that produced the history explains it, but a depth-first
		// search may meet other branches first: a small state budget keeps
		// every draw fast (some took minutes with the default budget). A
		// program's own history must never be NotEquivalent; Unknown is
		// allowed only with the bound named.
		rep, err := CheckHistory(p, res.History, Options{MaxStates: 500})
		if err != nil {
			rt.Fatal(err)
		}
		switch {
		case rep.Verdict == NotEquivalent:
			rt.Fatalf("%s: %s", p.File.Name, rep.Text(SavedFiles{}))
		case rep.Verdict == Unknown && rep.Runs[0].Bound == "":
			rt.Fatalf("%s: Unknown without a bound: %s", p.File.Name, rep.Text(SavedFiles{}))
		}
	})
}
