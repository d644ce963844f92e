package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/realnet"
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

func init() {
	register(&cli.Command{
		Name:      "bench",
		Usage:     "measure throughput and latency of a program over loopback TCP, one process per node",
		ArgsUsage: "PROG",
		Description: "bench starts every node of PROG as a `dsim serve` process on this machine, drives\n" +
			"closed-loop clients (each sends a command request(id, payload) and waits for the\n" +
			"output whose first column is id), and reports throughput (mean and p90 of 1-second\n" +
			"windows) and latency percentiles. --sweep runs several client counts and writes a\n" +
			"throughput-latency curve as PNG and CSV.\n\n" +
			"Examples:\n" +
			"   dsim bench corpus/voting/base.ded --clients 16 --duration 10s\n" +
			"   dsim bench corpus/voting/scalable.ded --set collector=3 --sweep 1,4,16,64 --out voting",
		Flags: append([]cli.Flag{
			setFlag(),
			clientsFlag(8, "closed-loop clients"),
			&cli.DurationFlag{Name: "duration", Usage: "measured time", Value: 10 * time.Second},
			&cli.DurationFlag{Name: "warmup", Usage: "unmeasured time before it", Value: 2 * time.Second},
			jsonFlag("print results as JSON"),
			&cli.StringFlag{Name: "sweep", Usage: "client counts to run in turn, e.g. `1,2,4,8`"},
			&cli.StringFlag{Name: "out", Usage: "file prefix of the sweep's PNG and CSV", Value: "bench"},
			&cli.StringFlag{Name: "profile", Usage: "write each node's CPU profile into `DIR`"},
			&cli.BoolFlag{Name: "node-stats", Usage: "print each node's closing stats line (ticks, deliveries, sends) to stderr"},
			maxBatchFlag,
			gcPercentFlag,
			&cli.StringSliceFlag{Name: "node-procs", Usage: "run every node of a component with GOMAXPROCS=N: `comp=N`, or *=N for every node (repeatable; default: Go's, the CPU count)"},
		}, traceDirFlags("have every node record its observable events into `DIR`")...),
		Action: benchAction,
	})
}

func benchAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim %s: %v\n", c.Command.Name, err)
		return exitError{3}
	}
	errw := c.App.ErrWriter
	applyGCPercent(c) // the load generator shares the cores with the nodes
	if c.NArg() != 1 {
		fmt.Fprintln(errw, "usage: dsim bench PROG [--set comp=N] [--clients C] [--duration D] [--warmup W] [--json] [--sweep 1,2,4]")
		return exitError{3}
	}
	name := c.Args().First()
	prog, src, err := loadProgramSource(c, name)
	if err != nil {
		return err
	}
	counts, err := benchCounts(prog, c.StringSlice("set"))
	if err != nil {
		fmt.Fprintln(errw, err)
		return exitError{3}
	}
	procs, err := benchNodeProcs(prog, c.StringSlice("node-procs"))
	if err != nil {
		fmt.Fprintln(errw, err)
		return exitError{3}
	}
	clientCounts := []int{c.Int("clients")}
	if s := c.String("sweep"); s != "" {
		clientCounts = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(errw, "--sweep: %q is not a client count (hint: --sweep 1,2,4,8)\n", f)
				return exitError{3}
			}
			clientCounts = append(clientCounts, n)
		}
	}
	if _, err := realnet.BenchInput(prog); err != nil {
		fmt.Fprintln(errw, err)
		return exitError{3}
	}
	tty := isTerminal(os.Stderr)
	var results []*BenchResult
	for _, clients := range clientCounts {
		res, err := benchOnce(c, name, prog, src, counts, procs, clients, tty)
		if err != nil {
			fmt.Fprintf(errw, "bench: %v\n", err)
			return exitError{1}
		}
		results = append(results, res)
		if !c.Bool("json") {
			fmt.Fprintf(c.App.Writer, "%s clients=%d: %.0f commands/s (p90 of 1s windows %.0f), latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (%d commands; %d in flight at the cut-off, %d of them unanswered %gs later)\n",
				name, res.Clients, res.ThroughputMean, res.ThroughputP90, res.LatencyP50, res.LatencyP90, res.LatencyP99, res.Commands, res.Unanswered, res.Lost, res.GraceSeconds)
		}
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		var v any = results
		if len(results) == 1 {
			v = results[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if c.String("sweep") != "" {
		prefix := c.String("out")
		f, err := os.Create(prefix + ".csv")
		if err != nil {
			return err
		}
		err = writeCurveCSV(f, results)
		f.Close()
		if err == nil {
			err = writeCurvePNG(prefix+".png", name, results)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(errw, "wrote %s.csv and %s.png\n", prefix, prefix)
	}
	return nil
}

// benchCounts applies --set to the program's default instance counts.
func benchCounts(prog *analysis.Program, sets []string) (map[string]int, error) {
	counts := map[string]int{}
	for _, comp := range prog.Components {
		counts[comp.Name] = comp.Count
	}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 || n > 1000 {
			return nil, fmt.Errorf("--set %q: want comp=N with 1 <= N <= 1000", s)
		}
		if _, known := counts[k]; !known {
			return nil, fmt.Errorf("--set %q: no component %s", s, k)
		}
		counts[k] = n
	}
	return counts, nil
}

// benchNodeProcs parses --node-procs into GOMAXPROCS per component ("*":
// every component without its own entry). With every node on the same
// few cores, one P per lightly loaded node saves the Go scheduler's
// spinning and futex wake-ups between its goroutines; a busy node of a
// program that persists much needs its second P for the collector
// (docs/PERFORMANCE.md, "realnet: where a voting command's latency goes"),
// so there is no default.
func benchNodeProcs(prog *analysis.Program, specs []string) (map[string]int, error) {
	procs := map[string]int{}
	for _, s := range specs {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("--node-procs %q: want comp=N or *=N with 1 <= N <= 1024 (hint: --node-procs participant=1)", s)
		}
		if k != "*" && !hasComponent(prog, k) {
			return nil, fmt.Errorf("--node-procs %q: no component %s (hint: components are %s)", s, k, componentList(prog))
		}
		procs[k] = n
	}
	return procs, nil
}

func hasComponent(prog *analysis.Program, name string) bool {
	for _, c := range prog.Components {
		if c.Name == name {
			return true
		}
	}
	return false
}

func componentList(prog *analysis.Program) string {
	names := make([]string, len(prog.Components))
	for i, c := range prog.Components {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// nodeEnv is the environment of a node of comp: the bench's own, with
// GOMAXPROCS set when --node-procs names comp (or "*").
func nodeEnv(env []string, procs map[string]int, comp string) []string {
	n, ok := procs[comp]
	if !ok {
		n, ok = procs["*"]
	}
	if !ok {
		return env
	}
	return append(env[:len(env):len(env)], "GOMAXPROCS="+strconv.Itoa(n))
}

// benchOnce starts a fresh cluster of serve processes, runs the clients,
// and stops the processes.
func benchOnce(c *cli.Context, name string, prog *analysis.Program, src []byte, counts, nodeProcs map[string]int, clients int, tty bool) (*BenchResult, error) {
	dir, err := os.MkdirTemp("", "dsim-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	cluster := &realnet.Cluster{Token: hex.EncodeToString(tok[:])}
	for _, comp := range prog.Components {
		for i := 0; i < counts[comp.Name]; i++ {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			cluster.Nodes = append(cluster.Nodes, realnet.ClusterNode{
				Addr: value.Addr{Comp: comp.Name, Instance: i}, HostPort: "127.0.0.1:" + strconv.Itoa(port)})
		}
	}
	// Round-trip through the parser: it sorts and validates.
	clusterFile := filepath.Join(dir, "cluster.txt")
	if err := os.WriteFile(clusterFile, cluster.Format(), 0o600); err != nil {
		return nil, err
	}
	if cluster, err = realnet.ParseCluster(clusterFile, cluster.Format()); err != nil {
		return nil, err
	}
	progFile := filepath.Join(dir, "program.ded")
	if err := os.WriteFile(progFile, src, 0o600); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = p.Process.Kill()
				<-done
			}
		}
		if c.Bool("node-stats") {
			printNodeStats(c.App.ErrWriter, dir, cluster)
		}
	}()
	for _, n := range cluster.Nodes {
		args := []string{"serve", progFile, "--node", n.Addr.String(), "--cluster", clusterFile, "--quiet"}
		if c.IsSet("gc-percent") {
			args = append(args, "--gc-percent", strconv.Itoa(c.Int("gc-percent")))
		}
		if c.IsSet("max-batch") {
			args = append(args, "--max-batch", strconv.Itoa(c.Int("max-batch")))
		}
		if d := c.String("profile"); d != "" {
			_ = os.MkdirAll(d, 0o755)
			args = append(args, "--cpuprofile", filepath.Join(d, fmt.Sprintf("%s-%d.c%d.pprof", n.Addr.Comp, n.Addr.Instance, clients)))
		}
		if d := c.String("trace-dir"); d != "" {
			args = append(args, "--trace-dir", filepath.Join(d, fmt.Sprintf("clients-%d", clients)))
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = nodeEnv(os.Environ(), nodeProcs, n.Addr.Comp)
		logf, err := os.Create(filepath.Join(dir, realnet.TraceFileName(n.Addr)+".log"))
		if err != nil {
			return nil, err
		}
		defer logf.Close()
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		procs = append(procs, cmd)
	}
	for _, n := range cluster.Nodes {
		if err := waitListening(n.HostPort, 10*time.Second); err != nil {
			logText, _ := os.ReadFile(filepath.Join(dir, realnet.TraceFileName(n.Addr)+".log"))
			return nil, fmt.Errorf("node %v did not start: %v\n%s", n.Addr, err, logText)
		}
	}
	cfg := realnet.BenchConfig{Program: prog, Source: src, Cluster: cluster, Clients: clients,
		Duration: c.Duration("duration"), Warmup: c.Duration("warmup")}
	if tty {
		total := cfg.Duration + cfg.Warmup
		cfg.Progress = func(el time.Duration, answered int64) {
			fmt.Fprintf(os.Stderr, "\r%s clients=%d  %5.1fs / %.0fs  %d answered  ", name, clients, el.Seconds(), total.Seconds(), answered)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Duration+cfg.Warmup+30*time.Second)
	defer cancel()
	if d := c.String("profile"); d != "" {
		// The load generator shares the cores with the nodes: its CPU is
		// part of what a command costs here, so it is profiled too.
		f, err := os.Create(filepath.Join(d, fmt.Sprintf("bench.c%d.pprof", clients)))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	run, err := realnet.RunBench(ctx, cfg)
	if tty {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err
	}
	return summarizeBench(name, clients, run), nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(hostport string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", hostport, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var _ io.Writer = os.Stderr

// printNodeStats prints the stats line each stopped serve process logged
// last ("stopped after N ticks ..."), so that a bench can say how many
// deliveries a tick consumed.
func printNodeStats(w io.Writer, dir string, cluster *realnet.Cluster) {
	for _, n := range cluster.Nodes {
		text, err := os.ReadFile(filepath.Join(dir, realnet.TraceFileName(n.Addr)+".log"))
		if err != nil {
			fmt.Fprintf(w, "%v: no log: %v\n", n.Addr, err)
			continue
		}
		line := "no stats line (the node did not stop cleanly)"
		for _, l := range strings.Split(string(text), "\n") {
			if i := strings.Index(l, "stopped after"); i >= 0 {
				line = l[i:]
			}
		}
		fmt.Fprintf(w, "%v: %s\n", n.Addr, line)
	}
}
