package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// checkGolden compares got with the file want, or rewrites it.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Check(t, path, []byte(got))
}

func dedFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.ded"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .ded files in %s (%v)", dir, err)
	}
	return files
}

// TestErrorsGolden analyses each program under testdata/errors, which must
// fail, and compares the rendered diagnostics with the .out file next to it.
func TestErrorsGolden(t *testing.T) {
	for _, path := range dedFiles(t, "testdata/errors") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prog, diags := Load(filepath.Base(path), src)
			if len(diags) == 0 {
				t.Fatalf("no diagnostics; program:\n%s", prog.Summary())
			}
			if prog != nil {
				t.Errorf("program returned along with diagnostics")
			}
			for _, d := range diags {
				if d.Hint == "" {
					t.Errorf("diagnostic without hint: %s", d.Error())
				}
			}
			checkGolden(t, strings.TrimSuffix(path, ".ded")+".out", diags.Render(src))
		})
	}
}

// TestOKGolden analyses each program under testdata/ok and compares its
// Summary with the .summary file next to it.
func TestOKGolden(t *testing.T) {
	for _, path := range dedFiles(t, "testdata/ok") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prog, diags := Load(filepath.Base(path), src)
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diags.Render(src))
			}
			checkGolden(t, strings.TrimSuffix(path, ".ded")+".summary", prog.Summary())
		})
	}
}

// TestExamplePrograms requires every shared example program and every
// corpus program to analyse without diagnostics.
func TestExamplePrograms(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/programs/*.ded", "../../corpus/*/*.ded", "../../corpus/*.ded"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no example programs yet")
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prog, diags := Load(path, src)
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diags.Render(src))
			}
			checkInvariants(t, prog)
		})
	}
}

// checkInvariants checks the contract's promises on any analysed program.
func checkInvariants(t *testing.T, p *Program) {
	t.Helper()
	for i, r := range p.Rules {
		if r.ID != i {
			t.Errorf("rule %d has ID %d", i, r.ID)
		}
		if len(r.Plan) != len(r.Body) {
			t.Errorf("rule %d: plan %v does not cover body of %d literals", i, r.Plan, len(r.Body))
		}
		if (r.Kind == Sync) != (r.Stratum >= 0) {
			t.Errorf("rule %d (%s) has stratum %d", i, r.Kind, r.Stratum)
		}
		if (r.Kind == Async) != (r.Head.At != nil) {
			t.Errorf("rule %d (%s): At = %v", i, r.Kind, r.Head.At)
		}
		if p.Component(r.Component) == nil {
			t.Errorf("rule %d: unknown component %q", i, r.Component)
		}
		if p.Relation(r.Head.Rel) == nil {
			t.Errorf("rule %d: unknown head relation %q", i, r.Head.Rel)
		}
		// Every variable an evaluated literal reads is bound earlier.
		bound := make([]bool, len(r.Vars))
		for _, li := range r.Plan {
			l := r.Body[li]
			reads := litTerms(&l)
			switch l.Kind {
			case LitAtom, LitBuiltin:
				reads = nil
			case LitAssign:
				reads = []Term{l.Right}
			}
			for _, tm := range reads {
				forVars(tm, func(s int, _ syntax.Pos, _ string) {
					if !bound[s] {
						t.Errorf("rule %d: literal %d reads unbound %s", i, li, r.Vars[s])
					}
				}, "")
			}
			for _, s := range l.Binds {
				if bound[s] {
					t.Errorf("rule %d: literal %d binds %s twice", i, li, r.Vars[s])
				}
				bound[s] = true
			}
		}
	}
	for _, c := range p.Components {
		seen := 0
		for _, s := range c.Strata {
			seen += len(s.Rules)
		}
		sync := 0
		for _, r := range c.Rules {
			if r.Kind == Sync {
				sync++
			}
		}
		if seen != sync {
			t.Errorf("component %s: strata hold %d rules, %d sync rules", c.Name, seen, sync)
		}
	}
}
