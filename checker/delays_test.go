package checker

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/sim"
)

// TestUnknownNamesItsDelayBound: an Unknown of the search names, besides
// the bound it hit, the delay bound its deciding search ran under, typed
// (RunReport.Delays.Bound) and as the library's hint, which cmd/dsim turns
// into --max-delay; a NotEquivalent states the delays it holds within,
// including the guided ones past them (docs/CHECKING.md, "The delays a
// verdict holds within").
func TestUnknownNamesItsDelayBound(t *testing.T) {
	orig, rew := load(t, "corpus/2pc/base.ded"), loadFile(t, "testdata/mutants/2pc-voter-no-log.ded")
	for _, tc := range []struct {
		name      string
		opts      Options
		verdict   Verdict
		limit     sim.Bound
		delay     sim.Bound // RunReport.Delays.Bound
		boundText string    // in RunReport.Bound (Unknown)
	}{
		{"max-states, no escalation", Options{MaxStates: 3000, MaxEscalatedDelay: -1}, Unknown, sim.BoundMaxStates, sim.BoundMaxDelay,
			"the search gave each message of the original delays 1..3 (raise Options.MaxDelay)"},
		{"max-depth, no escalation", Options{MaxDepth: 5, MaxEscalatedDelay: -1}, Unknown, sim.BoundMaxDepth, sim.BoundMaxDelay,
			"delays 1..3 (raise Options.MaxDelay)"},
		{"max-states, delays cover every observed time", Options{MaxStates: 200}, Unknown, sim.BoundMaxStates, sim.NoBound,
			"delays 1..3 (every delivery time up to the last observed one + 1)"},
		{"exhaustive", Options{MaxStates: 100000, MaxEscalatedDelay: -1}, NotEquivalent, sim.NoBound, sim.BoundMaxDelay, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Runs, opts.Spec, opts.NoShrink = 1, sim.Spec{Seed: 1, Open: 1}, true
			rep, err := Check(orig, rew, opts)
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Runs[0]
			if r.Verdict != tc.verdict || r.Limit != tc.limit || r.Delays.Bound != tc.delay || r.Delays.Max != 3 {
				t.Fatalf("got %s, limit %s, delays %+v; want %s, limit %s, delay bound %s, max 3:\n%s",
					r.Verdict, r.Limit, r.Delays, tc.verdict, tc.limit, tc.delay, rep.Text(SavedFiles{}))
			}
			if !strings.Contains(r.Bound, tc.boundText) {
				t.Errorf("bound %q does not contain %q", r.Bound, tc.boundText)
			}
			var j struct {
				Runs []struct {
					Limit  string      `json:"limit"`
					Delays *delaysJSON `json:"delays"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(rep.JSON(), &j); err != nil {
				t.Fatal(err)
			}
			if d := j.Runs[0].Delays; d == nil || d.Max != 3 || d.Bound != tc.delay.Field() || j.Runs[0].Limit != tc.limit.Field() {
				t.Errorf("--json: limit %q, delays %+v; want limit %q, delays max 3 bound %q", j.Runs[0].Limit, d, tc.limit.Field(), tc.delay.Field())
			}
			// The guides propose delays past 1..3 in this run; whatever the
			// verdict, the report says how far they went (defect: it said
			// "delays 1..3" only).
			if r.Delays.Guided <= r.Delays.Max {
				t.Fatalf("guided delays up to %d, want > %d (this run's guides deliver late)", r.Delays.Guided, r.Delays.Max)
			}
			want := "plus the guided delays (up to "
			if tc.verdict == NotEquivalent {
				if text := rep.Text(SavedFiles{}); !strings.Contains(text, "search exhaustive within its bounds: delays 1..3, "+want) {
					t.Errorf("the counterexample does not state the guided delays:\n%s", text)
				}
			} else if !strings.Contains(r.Bound, want) {
				t.Errorf("bound %q does not state the guided delays", r.Bound)
			}
		})
	}
}

// TestDelaysNote: every delay bound's note names its option's hint.
func TestDelaysNote(t *testing.T) {
	for _, tc := range []struct {
		d    Delays
		want string
	}{
		{Delays{Max: 3, Bound: sim.BoundMaxDelay}, "; the search gave each message of the original delays 1..3 (raise Options.MaxDelay)"},
		{Delays{Max: 5, Late: 12, Bound: sim.BoundMaxEscalatedDelay}, "; the search gave each message of the original delays 1..5 and delivery at time 12 (raise Options.MaxEscalatedDelay)"},
		{Delays{Max: 12, Late: 12, Guided: 14}, "; the search gave each message of the original delays 1..12 and delivery at time 12 (every delivery time up to the last observed one + 1), plus the guided delays (up to 14) of the messages the rewritten run guides"},
	} {
		if got := tc.d.unknownNote(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestScheduleCheckHeader: a check of a recorded run describes the run the
// schedule made (its seed, inputs, delays and faults), not the options'
// defaults, in text and --json; the reproduce line replays the schedule.
func TestScheduleCheckHeader(t *testing.T) {
	orig, rew := load(t, "micro/partial/before.ded"), loadAny(t, "checker/testdata/partial-no-retransmit.ded")
	text, err := os.ReadFile("testdata/partial-304.schedule")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sim.ParseSchedule("testdata/partial-304.schedule", string(text))
	if err != nil {
		t.Fatal(err)
	}
	// No faults in the options: the schedule's faults are what ran.
	rep, err := CheckSchedule(orig, rew, sched, Options{NoShrink: true, MaxEscalatedDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	out := rep.Text(SavedFiles{})
	head := strings.SplitN(out, "\n", 3)[1]
	want := "  1 run of the schedule testdata/partial-304.schedule (seed 304, " + scheduleInputs(sched) + ", delays " + sched.Delay.String() + ", faults: omission random f=1 p=0.3 until=20):"
	if !strings.HasPrefix(head, want) {
		t.Errorf("header\n%q\nwant prefix\n%q", head, want)
	}
	if len(sched.Workload) == 0 || !strings.Contains(head, " inputs as recorded") {
		t.Errorf("header %q does not count the schedule's inputs", head)
	}
	// The check's non-default bound goes with it: without it the replay
	// would escalate the delays and could decide otherwise.
	if rep.Verdict == NotEquivalent && !strings.Contains(out, "--schedule testdata/partial-304.schedule --max-escalated-delay -1    # the schedule checked") {
		t.Errorf("the reproduce line does not replay the schedule:\n%s", out)
	}
	var j struct {
		Schedule *jsonSchedule `json:"schedule"`
	}
	if err := json.Unmarshal(rep.JSON(), &j); err != nil {
		t.Fatal(err)
	}
	if s := j.Schedule; s == nil || s.Seed != 304 || s.Faults != "omission random f=1 p=0.3 until=20" || s.File != "testdata/partial-304.schedule" {
		t.Errorf("--json schedule: %+v", s)
	}
}
