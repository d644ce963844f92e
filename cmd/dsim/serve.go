package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/realnet"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

func init() {
	register(&cli.Command{
		Name:      "serve",
		Usage:     "run one node of a program over real TCP (see docs/REALNET.md)",
		ArgsUsage: "PROG",
		Description: "serve runs the node --node of PROG as this process: it listens on the node's port\n" +
			"from the cluster file (on 127.0.0.1 unless --listen says otherwise), links to its\n" +
			"peers, accepts clients, and ticks the program's rules whenever input arrives.\n" +
			"Instance counts come from the cluster file. Stop it with SIGINT or SIGTERM.\n\n" +
			"Example:\n" +
			"   dsim serve corpus/voting/base.ded --node leader[0] --cluster cluster.txt",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "node", Usage: "the node this process runs, e.g. leader[0]"},
			&cli.StringFlag{Name: "cluster", Usage: "cluster file: node addresses and token"},
			&cli.StringFlag{Name: "listen", Usage: "bind address host:port (default 127.0.0.1 and the node's port)"},
			&cli.IntFlag{Name: "max-frame", Usage: "largest frame accepted, in bytes", Value: realnet.DefaultMaxFrame},
			maxBatchFlag,
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a pprof CPU profile to `FILE` on exit"},
			&cli.BoolFlag{Name: "quiet", Usage: "log nothing but errors at startup"},
			gcPercentFlag,
		}, traceDirFlags("record observable events into `DIR` (see docs/REALNET.md)")...),
		Action: serveAction,
	})
}

func serveAction(c *cli.Context) error {
	c, err := withInterspersedFlags(c)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "dsim %s: %v\n", c.Command.Name, err)
		return exitError{3}
	}
	if c.NArg() != 1 || c.String("node") == "" || c.String("cluster") == "" {
		fmt.Fprintln(c.App.ErrWriter, "usage: dsim serve PROG --node NAME --cluster FILE")
		return exitError{3}
	}
	prog, src, err := loadProgramSource(c, c.Args().First())
	if err != nil {
		return err
	}
	clusterSrc, err := os.ReadFile(c.String("cluster"))
	if err != nil {
		return err
	}
	cluster, err := realnet.ParseCluster(c.String("cluster"), clusterSrc)
	if err == nil {
		err = cluster.CheckProgram(c.String("cluster"), prog)
	}
	if err != nil {
		var d syntax.Diagnostic
		if errors.As(err, &d) {
			fmt.Fprint(c.App.ErrWriter, d.Render(clusterSrc))
		} else {
			fmt.Fprintln(c.App.ErrWriter, err)
		}
		return exitError{3}
	}
	for _, w := range cluster.CountWarnings(c.String("cluster"), prog) {
		fmt.Fprintln(c.App.ErrWriter, w)
	}
	self, err := value.ParseAddr(c.String("node"))
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "--node: %v\n", err)
		return exitError{3}
	}
	if _, ok := cluster.Lookup(self); !ok {
		// A usage error like a malformed --node (exit 3), not a failure of
		// the node once started (exit 1).
		fmt.Fprintf(c.App.ErrWriter, "--node: %v is not in the cluster file %s (hint: add `node %v host:port`)\n", self, c.String("cluster"), self)
		return exitError{3}
	}
	applyGCPercent(c)
	if path := c.String("cpuprofile"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	logger := log.New(c.App.ErrWriter, "", log.LstdFlags|log.Lmicroseconds)
	cfg := realnet.Config{Program: prog, Source: src, Cluster: cluster, Self: self,
		Listen: c.String("listen"), MaxFrame: c.Int("max-frame"), MaxBatch: c.Int("max-batch"), TraceDir: c.String("trace-dir"), Logger: logger}
	if c.Bool("quiet") {
		cfg.Logger = nil
	}
	node, err := realnet.Start(cfg)
	if err != nil {
		fmt.Fprintln(c.App.ErrWriter, err)
		return exitError{1}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	st := node.Close()
	logger.Printf("%v: stopped after %d ticks (%d tick errors), %d facts delivered, %d sent, %d outputs, %d sends dropped, %d link writes lost; %s",
		self, st.Ticks, st.TickErrors, st.Delivered, st.Sent, st.Outputs, st.DroppedSends, st.LinkWriteFailures, timingLine(st)+processCPU())
	return nil
}

// defaultGCPercent is the Go GC target of every dsim process (see
// setDefaultGCPercent; serve and bench also take --gc-percent). A
// node's live heap is small (a few MB unless the program persists much)
// while it allocates per tick, so at Go's default of 100 it collects every
// few milliseconds: GC marking and sweeping took ~25% of a voting leader's
// CPU, and GOGC=400 roughly doubled voting_gc's throughput (see
// docs/PERFORMANCE.md). The price is up to ~5x the live heap in memory.
const defaultGCPercent = 400

// maxBatchFlag bounds the deliveries one tick of a node consumes
// (realnet.Config.MaxBatch); bench passes it on to its serve processes.
var maxBatchFlag = &cli.IntFlag{Name: "max-batch", Value: realnet.DefaultMaxBatch,
	Usage: "most deliveries (messages and client inputs) one tick consumes; the rest wait for the next tick"}

var gcPercentFlag = &cli.IntFlag{Name: "gc-percent", Value: defaultGCPercent,
	Usage: "Go GC target percentage (like GOGC; a GOGC environment variable wins over the default)"}

// applyGCPercent sets the GC target from --gc-percent unless the user set
// GOGC in the environment and not the flag.
func applyGCPercent(c *cli.Context) {
	if c.IsSet("gc-percent") || os.Getenv("GOGC") == "" {
		debug.SetGCPercent(c.Int("gc-percent"))
	}
}

// timingLine says where the node's deliveries waited (realnet.Stats'
// timings), as means: the figures bench --node-stats uses to find the hop
// that adds latency.
func timingLine(st realnet.Stats) string {
	mean := func(d time.Duration, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/float64(n)/1e3)
	}
	return fmt.Sprintf("mean inbox wait %s over %d deliveries, tick %s, writer wake-up %s and write %s over %d writes",
		mean(st.InboxWait, st.Waited), st.Waited, mean(st.TickTime, st.Ticks), mean(st.OutboxWait, st.Writes), mean(st.WriteTime, st.Writes), st.Writes)
}

// processCPU is this process's CPU time so far (user+sys), for the
// closing line: bench --node-stats then shows what each node cost, without
// a profiler.
func processCPU() string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return ""
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return fmt.Sprintf("; CPU %.2fs (user %.2fs, sys %.2fs), GOMAXPROCS %d", cpu.Seconds(), time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Stime.Nano()).Seconds(), runtime.GOMAXPROCS(0))
}
