package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/sim"
)

// TestBoundFlags: every library bound that can be raised has a flag, and
// cliText turns its hint into that flag.
func TestBoundFlags(t *testing.T) {
	for _, b := range sim.Bounds {
		if b.Raise() == "" {
			continue
		}
		f := boundFlag(b)
		if assert.NotEmpty(t, f, "no flag for %s", b) {
			assert.Equal(t, "x ("+"raise with --"+f+")", cliText("x ("+b.Raise()+")"))
		}
	}
	assert.Equal(t, "stopped: 3 ticks (MaxTicks); raise with --max-ticks", cliText("stopped: 3 ticks (MaxTicks); raise Limits.MaxTicks"))
}

// TestOptionFlags: every option a library message may name has a flag (or
// command), and cliText puts it in the option's place.
func TestOptionFlags(t *testing.T) {
	for _, o := range sim.Options {
		f := optionFlags[o]
		if assert.NotEmpty(t, f, "no flag for %s", o) {
			assert.Equal(t, "bad: "+f+" x=1", cliText("bad: "+string(o)+" x=1"))
		}
	}
	assert.Len(t, optionFlags, len(sim.Options), "a flag for an option the library does not list")
}

// TestLibraryMessagesNameFlags: errors made in the library, in library
// terms, reach the user naming dsim's flags, and no library option name
// is left in what dsim prints.
func TestLibraryMessagesNameFlags(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.trace")
	badJSON := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	require.NoError(t, os.WriteFile(badJSON, []byte(`{"x": 1}`), 0o644))
	notShard := filepath.Join(dir, "whole.json")
	_, whole, _ := runCLI("check", "corpus/2pc/base.ded", "corpus/2pc/base.ded", "--runs", "1", "--json")
	require.NoError(t, os.WriteFile(notShard, []byte(whole), 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown component", []string{"run", "corpus/2pc/base.ded", "--set", "nope=2"}, "dsim run: --set nope=2: the program has no component nope"},
		{"count out of range", []string{"run", "corpus/2pc/base.ded", "--set", "participant=0"}, "--set participant=0: a component needs between 1 and"},
		{"no such node", []string{"run", "corpus/2pc/base.ded", "--faults", "crash participant[7] at=1"}, "(participant has 3 instances; change it with --set participant=N)"},
		{"runs", []string{"explore", "corpus/2pc/base.ded", "--runs", "0"}, "--runs 0 is out of range"},
		{"values", []string{"run", "corpus/2pc/base.ded", "--values", "request.id=1,a"}, `--values: column 12: "a" is not an integer`},
		{"repeats", []string{"run", "corpus/2pc/base.ded", "--repeats", "dup=200"}, `--repeats: column 1: "dup=200" is not KEY=PERCENT`},
		{"empty trace", []string{"viz", empty, "-o", filepath.Join(dir, "x.html")}, "write one with dsim run PROG --trace FILE (text) or dsim run PROG --trace FILE.json"},
		{"bad JSON trace", []string{"viz", badJSON, "-o", filepath.Join(dir, "x.html")}, "as written by dsim run PROG --trace FILE.json"},
		{"crashes", []string{"explore", syncDir + "2pc_crash.ded", "--model", "sync", "--eot", "8", "--eff", "3", "--crashes", "9"}, "--crashes 9: give between 0 and the number of nodes, 3"},
		{"eff", []string{"explore", syncDir + "2pc_crash.ded", "--model", "sync", "--eot", "8", "--eff", "-1"}, "--eff -1: give a round >= 0"},
		{"merge of a whole check", []string{"merge", notShard, notShard}, "report 1 is not a shard (make shards with --shard i/n)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(tc.args...)
			assert.Equal(t, 3, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
			for _, o := range sim.Options {
				assert.NotContains(t, stderr, string(o))
			}
		})
	}
}

// TestProgressBarThroughCLIWriter: dsim's stderr is wrapped (cliWriter),
// and the progress bar still sees the terminal under it. /dev/null is a
// character device, so it passes for one.
func TestProgressBarThroughCLIWriter(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no character device to stand for a terminal")
	}
	assert.NotNil(t, newProgressBar(cliWriter{f}))
	assert.NotNil(t, newProgressBar(f))
}
