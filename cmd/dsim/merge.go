package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dsim-project/dsim/checker"
)

// This file holds `dsim merge`: the shards of a sharded dsim check
// combined into the report of the unsharded check (docs/CHECKING.md,
// "Sharding").

func init() {
	register(&cli.Command{
		Name:      "merge",
		Usage:     "combine the --json reports of every shard of a dsim check --shard i/n into one report",
		ArgsUsage: "REPORT...",
		Description: "Reads the JSON reports of shards 0/n .. n-1/n of one check (same programs and options) and\n" +
			"prints the JSON report the unsharded check gives: the runs in order up to the first\n" +
			"NotEquivalent one, its counterexample, and the verdict and counts over those runs.\n\n" +
			"Example:\n" +
			"   for i in 0 1 2; do dsim check ORIG REW --runs 300 --shard $i/3 --json > s$i.json; done\n" +
			"   dsim merge s0.json s1.json s2.json\n\n" +
			"Exit status: 0 Equivalent, 1 NotEquivalent, 2 Unknown, 3 usage error (a missing or repeated\n" +
			"shard, reports of different checks, an unreadable report).",
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
	out, v, err := checker.MergeJSON(reports)
	if err != nil {
		return usageError(c, "%v", err)
	}
	_, _ = c.App.Writer.Write(cliBytes(out))
	switch v {
	case checker.Equivalent:
		return nil
	case checker.NotEquivalent:
		return exitError{1}
	}
	return exitError{2}
}
