package sim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// timerViolationSrc has a timer that a crash loses and an invariant that
// fires, so that its trace holds timer, crash and violation events.
const timerViolationSrc = `
.decl ping(n: int)
component pinger {
  .timer beat 3
  .invariant too_many(n: int)
  ping@p(n) :~ beat(n), ponger(p).
  too_many(n) :- beat(n), n > 4.
}
component ponger[2] {
  .output pong(n: int)
  pong(n) :- ping(n).
}
`

// TestReadTraceTextRoundTrip reads back the text form of traces with every
// kind of event and checks that the events, the text and the JSON are the
// same; ReadTrace must tell both forms apart.
func TestReadTraceTextRoundTrip(t *testing.T) {
	cases := []struct {
		name, prog, src, faults string
		dump                    []string
		maxTime                 int64
	}{
		{name: "hashset fault-free with dumps", prog: "corpus/hashset/base.ded", dump: []string{"*"}},
		{name: "hashset omission crash duplicate", prog: "corpus/hashset/base.ded",
			faults: "omission storage[1] p=0.5 until=30; crash storage[2] at=5; duplicate p=0.3 until=30"},
		{name: "broadcast partition", prog: "broadcast.ded", src: broadcastSrc,
			faults: "partition a[0] | b[1] from=0 to=20"},
		{name: "timer violation", prog: "timer.ded", src: timerViolationSrc, faults: "crash ponger[1] at=4", maxTime: 30},
	}
	kinds := map[EventKind]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := loadProgram(t, c.prog, c.src)
			cfg := Config{Seed: 3, Trace: TraceOptions{Dump: c.dump}}
			cfg.Limits.MaxTime = c.maxTime
			if c.src == "" || c.prog == "broadcast.ded" {
				cfg.Closed = &ClosedLoop{Clients: 2, Requests: 3}
			}
			if c.faults != "" {
				plan, err := ParseFaultPlan(c.faults)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Faults = plan
			}
			res, err := Run(prog, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Trace.Events {
				kinds[e.Kind] = true
			}
			text := res.Trace.String()
			for _, read := range []func(string, []byte) (*Trace, error){ReadTraceText, ReadTrace} {
				back, err := read("t.trace", []byte(text))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(res.Trace.Events, back.Events, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("events differ after a round trip (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(text, back.String()); diff != "" {
					t.Errorf("text differs after a round trip (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(string(res.Trace.JSON()), string(back.JSON())); diff != "" {
					t.Errorf("JSON differs after a round trip (-want +got):\n%s", diff)
				}
			}
			back, err := ReadTrace("t.json", res.Trace.JSON())
			if err != nil {
				t.Fatal(err)
			}
			if string(back.JSON()) != string(res.Trace.JSON()) {
				t.Error("ReadTrace of the JSON form differs from the trace")
			}
		})
	}
	for k := range eventKindNames {
		if !kinds[EventKind(k)] {
			t.Errorf("no test trace holds a %s event", EventKind(k))
		}
	}
}

func TestReadTraceTextErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "\n\n", "t.trace: the trace file is empty"},
		{"only comments", "# nothing\n", "t.trace: no events in the trace"},
		{"no time", "tick a[0] #1 in=[] new=[]", "t.trace:1:1: expected `@`, found `tick`"},
		{"unknown kind", "@0 tock a[0]", `t.trace:1:4: unknown event kind "tock"`},
		{"bad node", "@0 crash a[x]", "t.trace:1:12: expected an instance number"},
		{"second line", "@0 crash a[0]\n@1 tick a[0] #2 in=[x(1] new=[]", "t.trace:2:24: expected `)`, found `]`"},
		{"bad msg id", "@1 deliver x3 a[0] -> b[0] m(1) sent=@0", "t.trace:1:12: expected an id like m7, found `x3`"},
		{"missing sent", "@1 deliver m3 a[0] -> b[0] m(1)", "t.trace:1:32: expected sent=, found end of input"},
		{"trailing", "@0 crash a[0] now", "t.trace:1:15: unexpected `now` after a crash event"},
		{"unterminated string", `@0 timer a[0] t("x)`, "t.trace:1:17: unterminated string"},
		{"missing in", "@0 tick a[0] #1 new=[]", "t.trace:1:17: expected in=, found `new`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadTrace("t.trace", []byte(c.in))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
