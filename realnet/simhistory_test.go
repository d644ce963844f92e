package realnet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/semantics/value"
	"github.com/dsim-project/dsim/sim"
)

// TestRealHistoryChecked is the end-to-end requirement of issue 6: base
// voting and base 2PC run over loopback TCP with --trace recording, two
// closed-loop clients and a handful of requests (4 each: the checker's
// search grows with the workload, and this keeps it well inside its
// bounds and fast); every request is answered, and the checker accepts the
// recorded history with a witness of the original. Requests are paced
// 100 ms apart (about 0.4 s per program) so that the history has idle
// stretches as well as concurrent rounds; payloads include 7, which 2PC
// aborts.
func TestRealHistoryChecked(t *testing.T) {
	for _, path := range []string{"../corpus/voting/base.ded", "../corpus/2pc/base.ded"} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			prog, src := loadProgram(t, path)
			dir := t.TempDir()
			tc := startTestCluster(t, prog, src, dir)
			in, err := BenchInput(prog)
			require.NoError(t, err)
			entry := value.Addr{Comp: in.InputComponent}
			tc.waitLinks(30 * time.Second)
			const clients, perClient = 2, 4
			sessions := make([]*Session, clients)
			for i := range sessions {
				sessions[i] = tc.session(fmt.Sprint(i+1), entry)
			}
			var wg sync.WaitGroup
			counts := make([]int, clients)
			errs := make([]error, clients)
			for i, s := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					counts[i], errs[i] = pacedLoop(s, in.Name, i+1, perClient, 100*time.Millisecond)
				}()
			}
			wg.Wait()
			for i := range counts {
				require.NoError(t, errs[i], "client %d", i+1)
				require.Equal(t, perClient, counts[i], "client %d", i+1)
			}
			for _, s := range sessions {
				s.Close()
			}
			tc.closeAll() // flushes the trace files
			tc.requireNoOmissions()

			h, unit, err := LoadSimHistory(dir, TimeAxis{})
			require.NoError(t, err)
			require.Len(t, h.Inputs, clients*perClient)
			require.Len(t, h.Outputs, clients*perClient)
			rep, err := checker.CheckHistory(prog, h, checker.Options{})
			require.NoError(t, err)
			require.Equal(t, checker.Equivalent, rep.Verdict, "unit %dµs\n%s\nhistory: %+v", unit, rep.Text(checker.SavedFiles{}), h)
			w := rep.Runs[0].Witness
			require.NotNil(t, w)
			res, err := sim.Replay(prog, w)
			require.NoError(t, err)
			require.Len(t, res.History.Inputs, len(h.Inputs))
			t.Logf("unit %dµs, last output at %d, %d states", unit, h.Outputs[len(h.Outputs)-1].Time, rep.States())
		})
	}
}

// pacedLoop sends n requests (id client<<32|seq, payload seq+3*client),
// each after the previous one's answer and a pause.
func pacedLoop(s *Session, rel string, client, n int, pause time.Duration) (int, error) {
	for seq := 1; seq <= n; seq++ {
		id := int64(client)<<32 | int64(seq)
		if err := s.Send([]value.Fact{{Rel: rel, Tuple: value.Tuple{value.Int(id), value.Int(int64(seq + 3*client))}}}); err != nil {
			return seq - 1, err
		}
		if err := awaitAnswer(s, id, 5*time.Second); err != nil {
			return seq - 1, err
		}
		time.Sleep(pause)
	}
	return n, nil
}

// awaitAnswer waits for an output whose first column is id.
func awaitAnswer(s *Session, id int64, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case outs := <-s.Outputs:
			for _, f := range outs {
				if f.Tuple[0] == value.Int(id) {
					return nil
				}
			}
		case err := <-s.Err():
			return err
		case <-deadline:
			return fmt.Errorf("request %d unanswered after %v", id, timeout)
		}
	}
}

// TestLoadSimHistoryUnit: the automatic unit is the coarsest that keeps
// every output MinGap units after its cause (the same client's latest
// input), an explicit unit is used as given, and rounding never puts an
// output at or before its cause.
func TestLoadSimHistoryUnit(t *testing.T) {
	const base = 1_700_000_000_000_000
	trace := func(lines ...string) string {
		dir := t.TempDir()
		text := TraceHeader + " node=leader[0] clock=unix-us\n" + strings.Join(lines, "\n") + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "leader-0.trace"), []byte(text), 0o644))
		return dir
	}
	at := func(us int64, rest string) string { return fmt.Sprintf("@%d %s", base+us, rest) }
	for _, tt := range []struct {
		name      string
		lines     []string
		axis      TimeAxis
		unit      int64
		inTimes   []int64
		outTimes  []int64
		outClient []int
	}{
		{
			name: "slow answers keep 1 ms",
			lines: []string{
				at(0, "in request(1, 1) -> leader[0] client=1"),
				at(40_000, "out reply(1, 1) -> client=1 from leader[0]"),
			},
			unit: 1000, inTimes: []int64{0}, outTimes: []int64{40}, outClient: []int{1},
		},
		{
			name: "a fast answer forces 10 µs",
			lines: []string{
				at(0, "in request(1, 1) -> leader[0] client=1"),
				at(100, "in request(2, 2) -> leader[0] client=2"),
				at(5_000, "out reply(2, 2) -> client=2 from leader[0]"),
				at(300, "out reply(1, 1) -> client=1 from leader[0]"),
			},
			unit: 10, inTimes: []int64{0, 10}, outTimes: []int64{30, 500}, outClient: []int{1, 2},
		},
		{
			name: "the cause is the same client's latest input",
			lines: []string{
				at(0, "in request(1, 1) -> leader[0] client=1"),
				at(30_000, "in request(2, 2) -> leader[0] client=2"),
				// client 1's answer comes 30.2 ms after its request but only
				// 200 µs after client 2's: client 1's request is its cause.
				at(30_200, "out reply(1, 1) -> client=1 from leader[0]"),
				at(60_000, "out reply(2, 2) -> client=2 from leader[0]"),
			},
			unit: 1000, inTimes: []int64{0, 30}, outTimes: []int64{30, 60}, outClient: []int{1, 2},
		},
		{
			name: "an explicit unit is kept and clamped",
			lines: []string{
				at(0, "in request(1, 1) -> leader[0] client=1"),
				at(100, "out reply(1, 1) -> client=1 from leader[0]"),
			},
			axis: TimeAxis{UnitMicros: 1000},
			unit: 1000, inTimes: []int64{0}, outTimes: []int64{1}, outClient: []int{1},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, unit, err := LoadSimHistory(trace(tt.lines...), tt.axis)
			require.NoError(t, err)
			require.Equal(t, tt.unit, unit)
			var ins, outs []int64
			var cls []int
			for _, e := range h.Inputs {
				ins = append(ins, e.Time)
				require.Equal(t, value.Addr{Comp: "leader"}, e.Node)
			}
			for _, o := range h.Outputs {
				outs = append(outs, o.Time)
				cls = append(cls, o.Client)
			}
			require.Equal(t, tt.inTimes, ins)
			require.Equal(t, tt.outTimes, outs)
			require.Equal(t, tt.outClient, cls)
		})
	}
	_, _, err := LoadSimHistory(trace(at(0, "in request(1) oops")), TimeAxis{})
	require.Error(t, err)
	_, _, err = LoadSimHistory(t.TempDir(), TimeAxis{})
	require.ErrorContains(t, err, "no *.trace files")
}
