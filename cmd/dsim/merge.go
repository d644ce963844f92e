package main

import (
	"encoding/json"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
	"github.com/dsim-project/dsim/sim"
)

// This file holds `dsim merge`: the shards of a sharded dsim check, or of
// a sharded dsim explore, combined into the report of the unsharded run
// (docs/CHECKING.md, "Sharding"; docs/SEMANTICS.md, "Exploration").

func init() {
	register(&cli.Command{
		Name:      "merge",
		Usage:     "combine the --json reports of every shard of a dsim check or dsim explore --shard i/n into one report",
		ArgsUsage: "REPORT...",
		Description: "Reads the JSON reports of shards 0/n .. n-1/n of one check (same programs and options) and\n" +
			"prints the JSON report the unsharded check gives: the runs in order up to the first\n" +
			"failing one (NotEquivalent or Violated), its counterexample, and the verdict and counts over\n" +
			"those runs.\n\n" +
			"Example:\n" +
			"   for i in 0 1 2; do dsim check ORIG REW --runs 300 --shard $i/3 --json > s$i.json; done\n" +
			"   dsim merge s0.json s1.json s2.json\n\n" +
			"The shards of an exploration merge the same way, into the unsharded exploration's report:\n" +
			"   for i in 0 1; do dsim explore PROG --runs 10000 --shard $i/2 --json > e$i.json; done\n" +
			"   dsim merge e0.json e1.json\n\n" +
			"Exit status: 0 Equivalent (or every run passed), 1 NotEquivalent or Violated (a failing run), 2 Unknown\n" +
			"(some runs inconclusive), 3 usage error (a missing or repeated shard, reports of different\n" +
			"checks, an unreadable report).",
		Action: mergeAction,
	})
}

func mergeAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError(c, "dsim merge takes the JSON reports of every shard of one check")
	}
	var reports [][]byte
	for _, path := range c.Args().Slice() {
		data, err := os.ReadFile(path)
		if err != nil {
			return usageError(c, "%v", err)
		}
		reports = append(reports, data)
	}
	var head struct{ Kind string }
	if json.Unmarshal(reports[0], &head) == nil && head.Kind == sim.ExploreJSONKind {
		out, failures, inconclusive, err := sim.MergeExploreJSON(reports)
		if err != nil {
			return usageError(c, "%v", err)
		}
		_, _ = c.App.Writer.Write(cliBytes(out))
		return exploreStatus(failures, inconclusive)
	}
	out, v, err := checker.MergeJSON(reports)
	if err != nil {
		return usageError(c, "%v", err)
	}
	_, _ = c.App.Writer.Write(cliBytes(out))
	return verdictStatus(v)
}
