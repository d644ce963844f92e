package checker

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/sim"
)

const whyOriginal = `
.invariant bad(id: int)
component a {
  .input in(id: int)
  .output out(id: int)
  out(id) :- in(id).
  bad(id) :- out(id), (id < 0).
}`

// Each kind of offence carries its Why (golden of the report's offence
// section): a late output and a violation, the derivation of the
// offending fact in the rewritten run back to the input; an unexpected
// output, the original's rule instance and what the rewrite's
// corresponding rule missed.
func TestWhyItDiverged(t *testing.T) {
	orig := loadText(t, "orig.ded", whyOriginal)
	for _, tc := range []struct {
		name, rew string
		want      []string
	}{
		{"late", strings.Replace(whyOriginal, "out(id) :- in(id).", "out(id) :- in(id).\n  mid(id) :- in(id).\n  .persist mid\n  out(x) :- mid(id), x = id + 100.", 1),
			[]string{"derivation in the rewritten run:", "rule rew.ded:9:3 out", "mid(", "input from client 0"}},
		{"violation", strings.Replace(whyOriginal, "bad(id) :- out(id), (id < 0).", "seen(id) :- in(id).\n  gone(id) :- seen(id), (id < 0).\n  bad(id) :- seen(id), !gone(id).", 1),
			[]string{"derivation in the rewritten run:", "bad(", "rule rew.ded:9:3 bad", "with !gone(", "absent", "input from client 0"}},
		{"unexpected", strings.Replace(whyOriginal, "out(id) :- in(id).", "mid(id) :- in(id).\n  out(id) :- mid(id), (id > 1000).", 1),
			[]string{"the original emits it so", "rule orig.ded:6:3 out", "rew.ded:7:3 out: its comparison at 7:23 is false for out("}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rew := loadText(t, "rew.ded", tc.rew)
			rep, err := Check(orig, rew, Options{Runs: 2, Spec: sim.Spec{Open: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != NotEquivalent || rep.Counterexample.Offense.Kind != tc.name {
				t.Fatalf("verdict %s; want NotEquivalent with a %s offence:\n%s", rep.Verdict, tc.name, rep.Text(SavedFiles{}))
			}
			text := rep.Text(SavedFiles{})
			start := strings.Index(text, "\noffending output")
			end := strings.Index(text, "\nworkload (inputs")
			if start < 0 || end < start {
				t.Fatalf("no offence section:\n%s", text)
			}
			section := text[start+1 : end+1]
			for _, w := range tc.want {
				if !strings.Contains(section, w) {
					t.Errorf("offence section lacks %q:\n%s", w, section)
				}
			}
			if strings.Contains(section, "unexplained") || strings.Contains(section, "not traced") {
				t.Errorf("the offence is not fully traced:\n%s", section)
			}
			var js struct {
				Counterexample struct {
					Offense struct {
						Why json.RawMessage `json:"why"`
					} `json:"offense"`
				} `json:"counterexample"`
			}
			if err := json.Unmarshal(rep.JSON(), &js); err != nil || len(js.Counterexample.Offense.Why) == 0 {
				t.Errorf("the JSON counterexample has no why (%v)", err)
			}
			golden.Check(t, filepath.Join("testdata", "why", tc.name+".txt"), []byte(section))
		})
	}
}
