package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dsim-project/dsim/corpus"
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

func (env *scriptEnv) exec(c scriptCase) (string, error) {
	fields := strings.Fields(c.cmd)
	args := map[string]string{}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		args[k] = v
	}
	switch fields[0] {
	case "load":
		var src []byte
		name := "script.ded"
		if len(fields) > 1 {
			var err error
			name = fields[1]
			if src, err = corpus.Open(name); err != nil {
				return "", err
			}
		} else {
			src = []byte(strings.Join(c.input, "\n"))
		}
		prog, diags := analysis.Load(name, src)
		if len(diags) > 0 {
			return diags.Render(src), nil
		}
		env.prog, env.cfg = prog, Config{}
		return "ok", nil
	case "workload":
		w, err := ParseWorkload("workload", strings.Join(c.input, "\n"))
		if err != nil {
			return err.Error(), nil
		}
		env.cfg.Workload = w
		return strings.TrimSpace(w.String()), nil
	case "faults":
		plan, err := ParseFaultPlan(strings.TrimSpace(strings.TrimPrefix(c.cmd, "faults")))
		if err != nil {
			return err.Error(), nil
		}
		env.cfg.Faults = plan
		return plan.String(), nil
	case "set":
		env.cfg.Counts = map[string]int{}
		for k, v := range args {
			n, _ := strconv.Atoi(v)
			env.cfg.Counts[k] = n
		}
		return "ok", nil
	case "run":
		cfg := env.cfg
		for k, v := range args {
			switch k {
			case "seed":
				n, _ := strconv.ParseUint(v, 10, 64)
				cfg.Seed = n
			case "delay":
				d, err := ParseDistribution(v)
				if err != nil {
					return err.Error(), nil
				}
				cfg.Delay = &d
			case "requests":
				n, _ := strconv.Atoi(v)
				if cfg.Closed == nil {
					cfg.Closed = &ClosedLoop{Clients: 1}
				}
				cfg.Closed.Requests = n
			case "clients":
				n, _ := strconv.Atoi(v)
				if cfg.Closed == nil {
					cfg.Closed = &ClosedLoop{}
				}
				cfg.Closed.Clients = n
			case "idle":
				p, _ := strconv.ParseFloat(v, 64)
				cfg.Idle = IdleTicks{P: p, PerNode: 2, MaxGap: 3}
			case "max-time":
				n, _ := strconv.ParseInt(v, 10, 64)
				cfg.Limits.MaxTime = n
			case "max-ticks":
				cfg.Limits.MaxTicks, _ = strconv.Atoi(v)
			case "max-messages":
				cfg.Limits.MaxMessages, _ = strconv.Atoi(v)
			case "dump":
				cfg.Trace.Dump = strings.Split(v, ",")
			default:
				return "", fmt.Errorf("unknown run option %q", k)
			}
		}
		res, err := Run(env.prog, cfg)
		if err != nil {
			return "error: " + err.Error(), nil
		}
		env.result = res
		return fmt.Sprintf("%s\nticks=%d messages=%d deliveries=%d drops=%d duplicates=%d outputs=%d",
			res.Stop.Message, res.Ticks, res.Messages, res.Deliveries, res.Drops, res.Duplicates, res.Outputs), nil
	case "trace":
		return strings.TrimSpace(env.result.Trace.String()), nil
	case "history":
		return strings.TrimSpace(env.result.History.String()), nil
	case "outputs":
		var out []string
		for _, f := range env.result.History.OutputFacts() {
			out = append(out, f.String())
		}
		return strings.Join(out, "\n"), nil
	case "schedule":
		return strings.TrimSpace(env.result.Schedule.String()), nil
	case "replay":
		sched, err := ParseSchedule("schedule", env.result.Schedule.String())
		if err != nil {
			return "", err
		}
		res, err := Replay(env.prog, sched)
		if err != nil {
			return "error: " + err.Error(), nil
		}
		if d := cmp.Diff(env.result.Trace.String(), res.Trace.String()); d != "" {
			return "replay differs:\n" + d, nil
		}
		return "replay: identical trace", nil
	}
	return "", fmt.Errorf("unknown command %q", fields[0])
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
