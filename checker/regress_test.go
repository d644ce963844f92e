package checker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/corpus"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/sim"
)

// repoRoot is where reproducers' program paths start.
const repoRoot = ".."

func loadAny(t *testing.T, name string) *analysis.Program {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil && strings.HasPrefix(name, corpus.Prefix) {
		src, err = corpus.Open(name)
	}
	if err != nil {
		t.Fatal(err)
	}
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s", diags.Render(src))
	}
	return p
}

// TestRegressions replays every reproducer in corpus/regressions and
// asserts its recorded verdict (and offending output).
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "corpus", "regressions", "check-*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no reproducers yet")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseReproducer(f, string(text))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := CheckSchedule(loadAny(t, r.Original), loadAny(t, r.Rewritten), r.Schedule, r.Options())
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Runs[0]
			if got.Verdict != r.Verdict {
				t.Fatalf("verdict %s, recorded %s\n%s", got.Verdict, r.Verdict, rep.Text(SavedFiles{}))
			}
			if r.Offense != "" {
				off := ""
				if got.Offense != nil {
					off = got.Offense.Kind + " " + got.Offense.Fact.String()
				}
				if off != r.Offense {
					t.Errorf("offense %q, recorded %q", off, r.Offense)
				}
			}
			if again := NewReproducer(rep); again.String() != r.String() {
				t.Errorf("the reproducer does not round-trip")
			}
		})
	}
}

// TestReproducerBounds: a reproducer's bounds line reads back into the
// options its replay uses, and only bounds other than the defaults are
// written (the files without one stay as they were).
func TestReproducerBounds(t *testing.T) {
	r, err := ParseReproducer("r.txt", "# dsim check reproducer\n# original: a.ded\n# rewritten: b.ded\n# verdict: NotEquivalent\n# bounds: max-delay=2 max-escalated-delay=-1 max-states=100000\ndsim schedule v1\n")
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Options(); o.MaxDelay != 2 || o.MaxEscalatedDelay != -1 || o.MaxStates != 100000 || !o.NoShrink {
		t.Errorf("options %+v, want max-delay 2, no escalation, 100000 states, no shrink", o)
	}
	if got := boundsOf(Options{MaxDelay: 2, MaxEscalatedDelay: -1}.withDefaults()).String(); got != "max-delay=2 max-escalated-delay=-1" {
		t.Errorf("bounds of the bounded options: %q", got)
	}
	if got := boundsOf(Options{}.withDefaults()).String(); got != "" {
		t.Errorf("the default options record bounds %q", got)
	}
}

// TestReproducerFormats: every check reproducer in corpus/regressions,
// and testdata/reproducer-v1.txt (a file of the first format, kept so that
// the v1 reader stays tested after -rewrite regenerates the corpus's),
// reads the same as its text in the shared header grammar, which is also
// a schedule file; and each parser refuses the other kind's reproducer.
func TestReproducerFormats(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "corpus", "regressions", "check-*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no check reproducers: %v", err)
	}
	files = append(files, filepath.Join("testdata", "reproducer-v1.txt"))
	v1 := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(text), reproducerV1+"\n") {
			v1++
		}
		old, err := ParseReproducer(f, string(text))
		if err != nil {
			t.Fatal(err)
		}
		v2 := old.String()
		if !strings.HasPrefix(v2, "# dsim check reproducer; see ") {
			t.Fatalf("%s: new text starts %q", f, v2[:40])
		}
		back, err := ParseReproducer(f, v2)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, v2)
		}
		if back.Original != old.Original || back.Rewritten != old.Rewritten || back.Verdict != old.Verdict || back.Offense != old.Offense || back.Schedule.String() != old.Schedule.String() {
			t.Errorf("%s: the shared grammar's text reads differently:\n%s", f, v2)
		}
		sched, err := sim.ParseSchedule(f, v2)
		if err != nil || sched.String() != old.Schedule.String() {
			t.Errorf("%s: the reproducer is not a schedule file: %v", f, err)
		}
		if _, err := sim.ParseReproducer(f, v2); err == nil || !strings.Contains(err.Error(), "a dsim check reproducer, not an exploration's") {
			t.Errorf("%s: sim.ParseReproducer accepted a check reproducer: %v", f, err)
		}
	}
	if v1 == 0 {
		t.Error("no first-format file: the v1 reader is untested")
	}
	explore, err := filepath.Glob(filepath.Join(repoRoot, "corpus", "regressions", "explore-*.txt"))
	if err != nil || len(explore) == 0 {
		t.Fatalf("no explore reproducers: %v", err)
	}
	text, err := os.ReadFile(explore[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseReproducer(explore[0], string(text)); err == nil || !strings.Contains(err.Error(), "not a check reproducer") {
		t.Errorf("checker.ParseReproducer accepted an explore reproducer: %v", err)
	}
	for _, tc := range []struct{ text, want string }{
		{"# dsim check reproducer\n# original: a.ded\n# verdict: Equivalent\ndsim schedule v1\n", "names an original and a rewritten program"},
		{"# dsim check reproducer\n# original: a.ded\n# rewritten: b.ded\n# verdict: Maybe\ndsim schedule v1\n", "r.txt:4: unknown verdict \"Maybe\""},
		{"# dsim check reproducer\n# original: a.ded\n# rewritten: b.ded\n# verdict: Equivalent\nnot a schedule\n", "not a schedule file"},
		{"# dsim check reproducer\n# original: a.ded\n# rewritten: b.ded\n# verdict: Equivalent\n# bounds: max-delay=two\ndsim schedule v1\n", "r.txt:5: bad bound \"max-delay=two\""},
		{"# dsim check reproducer\n# original: a.ded\n# rewritten: b.ded\n# verdict: Equivalent\n# bounds: speed=2\ndsim schedule v1\n", "r.txt:5: unknown bound \"speed\""},
		{"# dsim  reproducer\n", "bad reproducer header"},
		{reproducerV1 + "\noriginal a.ded\n", "no `schedule` line"},
		{reproducerV1 + "\nbogus x\nschedule\n", "r.txt:2: unknown line \"bogus\""},
	} {
		if _, err := ParseReproducer("r.txt", tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.text, err, tc.want)
		}
	}
}
