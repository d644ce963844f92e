package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/internal/golden"
	"github.com/dsim-project/dsim/semantics/analysis"
)

// This file is a tiny interpreter for interaction scripts in testdata/*.txt
// (in the style of etcd raft's rafttest): each block is a command line,
// optional input lines, a "----" line and the expected output, ended by a
// blank line. With -rewrite the expected outputs are regenerated.

type scriptCase struct {
	cmd   string
	input []string
	want  string
}

func parseScript(t *testing.T, text string) ([]scriptCase, []string) {
	var cases []scriptCase
	var prefix []string // comments before each case, kept for rewrite
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			prefix = append(prefix, l)
			i++
			continue
		}
		c := scriptCase{cmd: l}
		i++
		for i < len(lines) && lines[i] != "----" {
			c.input = append(c.input, lines[i])
			i++
		}
		if i >= len(lines) {
			t.Fatalf("command %q has no ---- line", c.cmd)
		}
		i++
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		c.want = strings.Join(want, "\n")
		cases = append(cases, c)
		prefix = append(prefix, "\x00") // marks where a case goes
	}
	return cases, prefix
}

// scriptEnv is the state a script builds up.
type scriptEnv struct {
	prog   *analysis.Program
	cfg    Config
	result *Result
}

// scriptCommands are the script commands, one handler each in its own
// file (script_<command>_test.go; the printing ones in
// script_show_test.go).
var scriptCommands = map[string]func(env *scriptEnv, c scriptCase) (string, error){
	"load":     scriptLoad,
	"workload": scriptWorkload,
	"faults":   scriptFaults,
	"set":      scriptSet,
	"run":      scriptRun,
	"trace":    scriptTrace,
	"history":  scriptHistory,
	"outputs":  scriptOutputs,
	"schedule": scriptSchedule,
	"replay":   scriptReplay,
}

// args are the command line's key=value arguments.
func (c scriptCase) args() map[string]string {
	args := map[string]string{}
	for _, f := range strings.Fields(c.cmd)[1:] {
		k, v, _ := strings.Cut(f, "=")
		args[k] = v
	}
	return args
}

func (env *scriptEnv) exec(c scriptCase) (string, error) {
	name, _, _ := strings.Cut(c.cmd, " ")
	h, ok := scriptCommands[name]
	if !ok {
		return "", fmt.Errorf("unknown command %q", name)
	}
	return h(env, c)
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/scripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cases, layout := parseScript(t, string(data))
			env := &scriptEnv{}
			var got []string
			for _, c := range cases {
				out, err := env.exec(c)
				if err != nil {
					t.Fatalf("%s: %v", c.cmd, err)
				}
				out = strings.TrimRight(out, "\n")
				got = append(got, out)
				if !golden.Rewrite() && out != c.want {
					t.Errorf("%s\n%s", c.cmd, cmp.Diff(c.want, out))
				}
			}
			if golden.Rewrite() {
				var b strings.Builder
				k := 0
				for _, l := range layout {
					if l != "\x00" {
						b.WriteString(l + "\n")
						continue
					}
					c := cases[k]
					b.WriteString(c.cmd + "\n")
					for _, in := range c.input {
						b.WriteString(in + "\n")
					}
					b.WriteString("----\n" + got[k] + "\n")
					k++
				}
				text := strings.TrimRight(b.String(), "\n") + "\n"
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
