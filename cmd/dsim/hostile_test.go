package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHostileFlagsAreUsageErrors feeds each command flags that are out of
// range or malformed: each must end in exit status 3 with a message that
// names the flag, never a panic, a hang or a silent default.
func TestHostileFlagsAreUsageErrors(t *testing.T) {
	const prog = "corpus/hashset/base.ded"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"run: negative seed after the program", []string{"run", prog, "--seed", "-1"}, "-seed"},
		{"replay: malformed flag after the program", []string{"replay", prog, "s.txt", "--max-time", "x"}, "-max-time"},
		{"viz: malformed flag after the trace", []string{"viz", "t.json", "--max-events", "x"}, "-max-events"},
		{"explore: negative seed after the program", []string{"explore", prog, "--seed", "-1"}, "-seed"},
		{"run: NaN idle probability", []string{"run", prog, "--idle", "NaN"}, "--idle"},
		{"run: negative requests", []string{"run", prog, "--requests", "-5"}, "--requests -5"},
		{"run: negative open loop", []string{"run", prog, "--open", "-3"}, "--open -3"},
		{"explore: negative open loop", []string{"explore", prog, "--open", "-3"}, "--open"},
		{"explore: absurd jobs", []string{"explore", prog, "--jobs", "1000000000000", "--runs", "2"}, "--jobs 1000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(tc.args...)
			assert.Equal(t, 3, code, errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}
