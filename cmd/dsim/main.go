// Command dsim runs, simulates and checks Dedalus programs.
//
// Each subcommand lives in its own file of this package and registers itself
// with register in an init function; main sorts them by name so that
// `dsim --help` lists them in a stable order.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"

	"github.com/urfave/cli/v2"
)

// commands collects every subcommand; see register.
var commands []*cli.Command

// register adds a subcommand. Call it from an init function.
func register(c *cli.Command) { commands = append(commands, c) }

// exitError carries an exit status out of a command without printing
// anything more than the command already did.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newApp() *cli.App {
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	return &cli.App{
		Name:  "dsim",
		Usage: "simulate, check and benchmark Dedalus protocols and their rewrites",
		Description: "dsim interprets Dedalus programs (Datalog with time and place), runs them under\n" +
			"seeded, replayable schedules, and checks that a rewritten protocol refines its original.\n" +
			"Programs are files, or embedded corpus programs named corpus/<path>.ded.",
		Commands:        commands,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		Before:          setDefaultGCPercent,
	}
}

// setDefaultGCPercent runs every command at the GC target serve and bench
// use (defaultGCPercent) unless the user set GOGC: the simulator, the
// checker and mutate allocate per tick against a small live heap just as a
// node does, and at Go's default of 100 they collect every few
// milliseconds (Benchmark2PC: 109k-154k deliveries per CPU-second at
// GOGC=100 against 213k-217k at 400, docs/PERFORMANCE.md). The price is up
// to ~5x the live heap; GOGC (or GOMEMLIMIT) in the environment bounds it.
// serve and bench apply their --gc-percent flag after this.
func setDefaultGCPercent(*cli.Context) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	return nil
}

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit status:
// 0 success, 1 a finding (bad program, failed check), 2 an inconclusive
// result, 3 a usage error (see each command's help).
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp()
	app.Writer = stdout
	app.ErrWriter = cliWriter{stderr}
	err := app.Run(args)
	if err == nil {
		return 0
	}
	if e, ok := err.(exitError); ok {
		return e.code
	}
	fmt.Fprintf(stderr, "dsim: %s\n", cliText(err.Error()))
	return 3
}
