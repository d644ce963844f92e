package sim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestReadTraceJSONRoundTrip reads back the JSON of traces with every kind
// of event (faults, duplicates, dumps, string and address values) and checks
// that the events and the re-written JSON are the same.
func TestReadTraceJSONRoundTrip(t *testing.T) {
	cases := []struct {
		name, prog, src, faults string
		dump                    []string
	}{
		{name: "hashset fault-free with dumps", prog: "corpus/hashset/base.ded", dump: []string{"*"}},
		{name: "hashset omission and crash", prog: "corpus/hashset/base.ded",
			faults: "omission storage[1] p=0.5 until=30; crash storage[2] at=5; duplicate p=0.3 until=30"},
		{name: "broadcast partition", prog: "broadcast.ded", src: broadcastSrc,
			faults: "partition a[0] | b[1] from=0 to=20"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := loadProgram(t, c.prog, c.src)
			cfg := Config{Seed: 3, Closed: &ClosedLoop{Clients: 2, Requests: 3}, Trace: TraceOptions{Dump: c.dump}}
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
			data := res.Trace.JSON()
			back, err := ReadTraceJSON("trace.json", data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(res.Trace.Events, back.Events, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events differ after a round trip (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(string(data), string(back.JSON())); diff != "" {
				t.Errorf("JSON differs after a round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTraceJSONErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"not json", "@0 tick a[0] #1", "t.json:1:1: bad JSON"},
		{"empty", "", "t.json:1:1: bad JSON"},
		{"wrong key", `{"evts": []}`, `t.json:1:2: unexpected key evts`},
		{"no events", `{}`, `no "events" key`},
		{"unknown kind", "{\"events\": [\n{\"time\":0,\"kind\":\"tock\",\"node\":\"a[0]\"}\n]}", `t.json:2:1: event 1: unknown kind "tock"`},
		{"bad fact", "{\"events\": [\n{\"time\":0,\"kind\":\"timer\",\"node\":\"a[0]\",\"fact\":\"t(1\"}]}", "t.json:2:1: event 1: fact:"},
		{"bad node", `{"events": [{"time":0,"kind":"crash","node":"a"}]}`, "t.json:1:13: event 1: node:"},
		{"bad msg", `{"events": [{"time":0,"kind":"deliver","msg":"x1","from":"a[0]","to":"b[0]","sent_at":0}]}`, `msg "x1"`},
		{"missing arrive", `{"events": [{"time":0,"kind":"send","msg":"m1","from":"a[0]","to":"b[0]"}]}`, `needs "arrive"`},
		{"unknown field", `{"events": [{"time":0,"kind":"crash","node":"a[0]","colour":1}]}`, `unknown field "colour"`},
		{"trailing", `{"events": []} {}`, "text after the trace"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadTraceJSON("t.json", []byte(c.in))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
