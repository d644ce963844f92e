package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// This file declares every flag that more than one command takes, once,
// with its default taken from the library's constant (urfave prints it in
// --help), so that a flag means the same thing wherever it appears. A flag
// that means something else in another command has another name there:
//
//	--trace FILE (run, replay, explore)   --trace-dir DIR (serve, bench)
//	--print-history (run, replay)          --history DIR (check)
//	--requests K closed loop (run, explore) --inputs N per run (check)
//
// The old spellings (--trace in serve/bench, --history in run/replay,
// --requests in check) still work for one release as hidden, deprecated
// aliases: withInterspersedFlags copies them onto the new flag and warns.

// Flags of the simulated world: run, replay, explore and check.

func seedFlag(usage string) cli.Flag { return &cli.Uint64Flag{Name: "seed", Usage: usage} }

func faultsFlag(usage string) cli.Flag { return &cli.StringFlag{Name: "faults", Usage: usage} }

func delayFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "delay", Value: sim.DefaultDistribution.String(), Usage: usage}
}

func setFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "set", Usage: "instance count override `comp=N` (repeatable)"}
}

func clientsFlag(def int, usage string) cli.Flag {
	return &cli.IntFlag{Name: "clients", Value: def, Usage: usage}
}

func openFlag(usage string) cli.Flag { return &cli.IntFlag{Name: "open", Usage: usage} }

// jobsFlag: 0 means the number of CPUs in every command; no report depends
// on it.
func jobsFlag() cli.Flag {
	return &cli.IntFlag{Name: "jobs", Usage: "runs at once (0: the number of CPUs; the report does not depend on it)"}
}

func noShrinkFlag(usage string) cli.Flag { return &cli.BoolFlag{Name: "no-shrink", Usage: usage} }

func jsonFlag(usage string) cli.Flag { return &cli.BoolFlag{Name: "json", Usage: usage} }

// shardFlag: check and explore split their runs the same way (sim.Shard).
func shardFlag() cli.Flag {
	return &cli.StringFlag{Name: "shard", Usage: "only part `i/n` of the runs (the i-th of n contiguous ranges, from 0; run seeds unchanged; with check --exhaustive, of the parts, one per choice of the random faulty node); needs --json; combine the shards' reports with dsim merge"}
}

// shardFromFlags reads --shard, which needs --json.
func shardFromFlags(c *cli.Context) (sim.Shard, error) {
	sh := c.String("shard")
	if sh == "" {
		return sim.Shard{}, nil
	}
	s, err := sim.ParseShard(sh)
	if err != nil {
		return s, fmt.Errorf("--shard: %v", err)
	}
	if !c.Bool("json") {
		return s, fmt.Errorf("--shard needs --json (dsim merge combines the shards' JSON reports)")
	}
	return s, nil
}

// exhaustiveFlags ask check and explore to enumerate every run within the
// bounds instead of seeded runs (docs/CHECKING.md, "Exhaustive checking";
// docs/SEMANTICS.md, "Exhaustive enumeration").
func exhaustiveFlags(what string) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "exhaustive", Usage: "every run " + what + " within the bounds (delays 1..--max-delay per message, every loss the fault plan allows, every choose/index choice) over the workload of --seed, instead of seeded runs; prints a certificate"},
		&cli.IntFlag{Name: "exhaustive-states", Value: sim.DefaultEnumerateStates, Usage: "with --exhaustive: distinct states of the enumerated program (per choice of the first random faulty node, when the fault plan picks one)"},
		&cli.IntFlag{Name: "exhaustive-branches", Value: sim.DefaultEnumerateBranches, Usage: "with --exhaustive: branches of the enumeration, counted whether or not they reach a new state (per choice of the first random faulty node, when the fault plan picks one)"},
	}
}

// checkExhaustiveFlags are the exhaustive check's own bounds (not
// explore's).
func checkExhaustiveFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-split-combinations", Value: checker.DefaultSplitCombinations, Usage: "with --exhaustive: merged runs of one part of the key split (the product of the key groups' distinct histories) before the check stops Unknown"},
	}
}

// checkSearchFlags shape dsim check's runs of the rewrite and its search
// of the original; dsim mutate takes the same ones.
func checkSearchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "runs", Value: checker.DefaultRuns, Usage: "runs of the rewritten program"},
		&cli.IntFlag{Name: "inputs", Value: checker.DefaultRequests, Usage: "inputs per run (open loop; with --closed, the requests of the closed-loop clients)"},
		deprecated(&cli.IntFlag{Name: "requests", Hidden: true}, "inputs"),
		&cli.BoolFlag{Name: "closed", Usage: "closed-loop clients (each sends its next request when answered) instead of open loop"},
		clientsFlag(1, "clients"),
		faultsFlag("fault plan of the rewritten runs, e.g. 'omission random f=1 p=0.3 until=20'"),
		seedFlag("run i uses seed `S`+i"),
		delayFlag("delay distribution of the rewritten runs"),
		&cli.IntFlag{Name: "max-states", Value: checker.DefaultMaxStates, Usage: "distinct states of the original explored per run"},
		&cli.IntFlag{Name: "max-depth", Value: checker.DefaultMaxDepth, Usage: "choices in one run of the original"},
		&cli.Int64Flag{Name: "max-delay", Usage: "largest message delay the search tries (default: the distribution's, at least 3)"},
		&cli.Int64Flag{Name: "max-escalated-delay", Usage: "before a run is declared NotEquivalent, the search is repeated with delays up to the run's last observed time + 1; this caps them (0: no cap; -1: no escalation)"},
		checkMaxTimeFlag(),
		&cli.DurationFlag{Name: "timeout", Usage: "wall-clock limit per run's search (0: none); hitting it makes the run Unknown (Violated when the rewritten run stopped on an invariant violation)"},
		&cli.DurationFlag{Name: "shrink-timeout", Usage: "wall-clock limit per shrink of a failing or undecided run (0: ten times --timeout, or none)"},
	}
}

// usagePrefix puts prefix before each flag's usage (dsim rewrite's check
// flags say "--check: ...").
func usagePrefix(prefix string, flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.IntFlag:
			f.Usage = prefix + f.Usage
		case *cli.Int64Flag:
			f.Usage = prefix + f.Usage
		case *cli.Uint64Flag:
			f.Usage = prefix + f.Usage
		case *cli.BoolFlag:
			f.Usage = prefix + f.Usage
		case *cli.StringFlag:
			f.Usage = prefix + f.Usage
		case *cli.DurationFlag:
			f.Usage = prefix + f.Usage
		default:
			panic(fmt.Sprintf("usagePrefix: flag type %T", f)) // a programming error, caught by any test that builds the app
		}
	}
	return flags
}

// simLimitFlags bound one simulated run; per says what they count over.
func simLimitFlags(per string) []cli.Flag {
	return []cli.Flag{
		&cli.Int64Flag{Name: "max-time", Value: sim.DefaultMaxTime, Usage: "virtual time horizon" + per},
		&cli.IntFlag{Name: "max-ticks", Value: sim.DefaultMaxTicks, Usage: "bound on ticks over all nodes" + per},
		&cli.IntFlag{Name: "max-messages", Value: sim.DefaultMaxMessages, Usage: "bound on messages sent" + per},
		&cli.IntFlag{Name: "max-facts", Value: sim.DefaultMaxFacts, Usage: "bound on the facts of one tick"},
	}
}

// checkMaxTimeFlag is check's horizon, shorter than a lone run's because
// the search runs the original many times per run.
func checkMaxTimeFlag() cli.Flag {
	return &cli.Int64Flag{Name: "max-time", Value: checker.DefaultMaxTime, Usage: "virtual time horizon of every run"}
}

// Flags of what a run prints or writes: run, replay (and explore's sync
// model for --trace).

func traceFileFlag(usage string) cli.Flag { return &cli.StringFlag{Name: "trace", Usage: usage} }

func resultFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "print", Usage: "print the final facts of relation `REL` at every node (repeatable)"},
		traceFileFlag("write the trace to `FILE` (JSON if --json or FILE ends in .json)"),
		&cli.StringSliceFlag{Name: "dump", Usage: "list every fact of relation `REL` in each tick of the trace (* for all)"},
		&cli.BoolFlag{Name: "print-history", Usage: "also print the observable history"},
		deprecated(&cli.BoolFlag{Name: "history", Hidden: true}, "print-history"),
		jsonFlag("print the result as JSON"),
	}
}

// Flags of realnet: serve and bench.

func traceDirFlags(usage string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "trace-dir", Usage: usage},
		deprecated(&cli.StringFlag{Name: "trace", Hidden: true}, "trace-dir"),
	}
}

// deprecatedFlags maps a hidden old spelling to the flag that replaced it.
var deprecatedFlags = map[cli.Flag]string{}

func deprecated(old cli.Flag, replacement string) cli.Flag {
	deprecatedFlags[old] = replacement
	return old
}

// applyDeprecated copies each deprecated flag the user gave onto its
// replacement (unless that was given too) and warns once per flag.
func applyDeprecated(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		replacement, ok := deprecatedFlags[f]
		old := f.Names()[0]
		if !ok || !c.IsSet(old) {
			continue
		}
		if c.IsSet(replacement) {
			return fmt.Errorf("--%s is the deprecated spelling of --%s: give only --%s", old, replacement, replacement)
		}
		fmt.Fprintf(c.App.ErrWriter, "dsim %s: --%s is deprecated and will be removed; use --%s\n", c.Command.Name, old, replacement)
		if err := c.Set(replacement, fmt.Sprint(c.Value(old))); err != nil {
			return err
		}
	}
	return nil
}
