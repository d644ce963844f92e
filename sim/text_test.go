package sim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultPlanRoundTrip(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "none"},
		{"none", "none"},
		{"crash leader[0] at=200", "crash leader[0] at=200"},
		{"omission storage[1] p=0.3 until=500", "omission storage[1] p=0.3 until=500"},
		{"omission storage[2],storage[1] p=0.3", "omission storage[1],storage[2] p=0.3 until=1000"},
		{"omission random f=1 p=0.5 until=9", "omission random f=1 p=0.5 until=9"},
		{"duplicate p=0.05; crash b[1] at=5; crash a[0] at=5", "crash a[0] at=5; crash b[1] at=5; duplicate p=0.05 until=1000"},
		{"partition storage[0],storage[1] | leader[0] from=100 to=300; omission x[0] p=1 until=3",
			"omission x[0] p=1 until=3; partition storage[0],storage[1] | leader[0] from=100 to=300"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			p, err := ParseFaultPlan(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, p.String())
			again, err := ParseFaultPlan(p.String())
			require.NoError(t, err)
			assert.Equal(t, p.String(), again.String())
		})
	}
}

func TestFaultPlanErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"crash leader[0]", "column 16: missing option at="},
		{"crash leader at=3", "column 14: expected `[`"},
		{"omission a[0] p=1.5", "probability p=1.5 is not in [0, 1]"},
		{"omission a[0] q=1", "column 15: unknown option \"q\""},
		{"partition a[0] | a[0] from=1 to=2", "a[0] is on both sides"},
		{"partition a[0] | b[0] from=5 to=2", "partition interval [5, 2) is empty"},
		{"explode a[0]", "column 1: unknown fault \"explode\""},
		{"crash a[0] at=1 b", "column 18: expected `=`, found end of input"},
		{"omission random f=0 p=1", "needs an integer f >= 1"},
		{"duplicate p=0.1; duplicate p=0.2", "duplicate given twice"},
		{"crash a[0] at=-1", "at= must be >= 0"},
		// Integers past 2^53 once became negative or rounded floats.
		{"crash a[0] at=99999999999999999999", "column 15: at= 99999999999999999999 is too large"},
		{"omission a[0] p=0.3 until=9223372036854775807", "until= 9223372036854775807 is too large"},
		{"omission random f=10000000000000000 p=0.3", "f= 10000000000000000 is too large"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := ParseFaultPlan(c.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "fault plan")
		})
	}
}

func TestDistributionRoundTrip(t *testing.T) {
	for _, s := range []string{"uniform:3", "uniform:1", "geometric:0.5", "hold:0.2:20", "hold:1:2"} {
		d, err := ParseDistribution(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, d.String())
	}
	d, err := ParseDistribution("hold")
	require.NoError(t, err)
	assert.Equal(t, "hold:0.2:20", d.String())
	for _, bad := range []string{"uniform:0", "uniform", "geometric:0", "geometric:2", "hold:0.5:1", "zipf:3", "uniform:3 x"} {
		_, err := ParseDistribution(bad)
		assert.Error(t, err, bad)
	}
}

func TestDistributionDrawsInRange(t *testing.T) {
	r := newRand(1)
	for _, s := range []string{"uniform:4", "geometric:0.3", "hold:0.3:9"} {
		d, _ := ParseDistribution(s)
		seen := map[int64]bool{}
		for i := 0; i < 2000; i++ {
			v := d.draw(r)
			require.GreaterOrEqual(t, v, int64(1), s)
			if d.Kind == DelayUniform {
				require.LessOrEqual(t, v, d.Max)
			}
			if d.Kind == DelayHold {
				require.LessOrEqual(t, v, d.Hold)
			}
			seen[v] = true
		}
		// Every distribution must both batch (delay 1) and spread.
		assert.True(t, seen[1], s)
		assert.Greater(t, len(seen), 2, s)
	}
}

func TestWorkloadRoundTrip(t *testing.T) {
	text := "@10 in(2, \"x y\") -> leader[0] client=1\n# comment\n\n@3 in(-1, \"\") -> leader[0]\n@3 pick(storage[2]) -> a[1]\n"
	w, err := ParseWorkload("w.txt", text)
	require.NoError(t, err)
	want := "@3 pick(storage[2]) -> a[1]\n@3 in(-1, \"\") -> leader[0]\n@10 in(2, \"x y\") -> leader[0] client=1\n"
	assert.Equal(t, want, w.String())
	again, err := ParseWorkload("w.txt", w.String())
	require.NoError(t, err)
	assert.Equal(t, w.String(), again.String())

	for _, c := range []struct{ in, want string }{
		{"10 in(1) -> a[0]", "w.txt:1:1: expected `@`"},
		{"@1 in(1 -> a[0]", "w.txt:1:9: expected `)`"},
		{"@1 in(1) a[0]", "w.txt:1:10: expected `->`"},
		{"\n@1 in(\"x) -> a[0]", "w.txt:2:7: unterminated string"},
		{"@1 in(1) -> a[0] extra", "w.txt:1:18: unexpected `extra` after the input"},
	} {
		_, err := ParseWorkload("w.txt", c.in)
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want)
	}
}

func TestWorkloadCheckedAgainstProgram(t *testing.T) {
	prog := loadProgram(t, "broadcast.ded", broadcastSrc)
	for _, c := range []struct{ in, want string }{
		{"@1 nope(1) -> a[0]", "nope is not an .input relation"},
		{"@1 in(1, 2) -> a[0]", "in has 1 columns, the input gives 2"},
		{"@1 in(\"x\") -> a[0]", "column 1 of in is int"},
		{"@1 in(1) -> b[0]", "in enters at component a, not b"},
		{"@1 in(1) -> a[3]", "no node a[3]"},
	} {
		w, err := ParseWorkload("w.txt", c.in)
		require.NoError(t, err)
		_, err = Run(prog, Config{Workload: w})
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want)
		// Where (file:line:col) and a hint, like every user-facing error.
		assert.True(t, strings.HasPrefix(err.Error(), "w.txt:1:1: "), err.Error())
		assert.Contains(t, err.Error(), "(hint: ")
	}
}

func TestScheduleRoundTripAndPinning(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	plan, _ := ParseFaultPlan("omission random f=1 p=0.3 until=20; duplicate p=0.2 until=30")
	res, err := Run(prog, Config{Seed: 9, Closed: &ClosedLoop{Clients: 2, Requests: 3}, Faults: plan, Idle: IdleTicks{P: 0.5, PerNode: 1, MaxGap: 2}})
	require.NoError(t, err)
	text := res.Schedule.String()
	s, err := ParseSchedule("s.txt", text)
	require.NoError(t, err)
	assert.Equal(t, text, s.String())

	again, err := Replay(prog, s)
	require.NoError(t, err)
	assert.Equal(t, res.Trace.String(), again.Trace.String())

	// Removing one pinned choice makes the scripted run fail, naming it.
	lines := strings.Split(text, "\n")
	var cut []string
	removed := ""
	for _, l := range lines {
		if removed == "" && strings.HasPrefix(l, "choice send m5 ") {
			removed = l
			continue
		}
		cut = append(cut, l)
	}
	require.NotEmpty(t, removed)
	s2, err := ParseSchedule("s.txt", strings.Join(cut, "\n"))
	require.NoError(t, err)
	_, err = Replay(prog, s2)
	var unpinned *UnpinnedError
	require.ErrorAs(t, err, &unpinned)
	assert.Equal(t, strings.TrimPrefix(strings.Split(removed, " => ")[0], "choice "), unpinned.Key)

	// A decision that does not fit is an error with the line.
	bad := strings.Replace(text, "=> delay", "=> delay -4 #", 1)
	s3, err := ParseSchedule("s.txt", bad)
	require.NoError(t, err)
	_, err = Replay(prog, s3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s.txt")

	_, err = ParseSchedule("s.txt", "seed 1\n")
	assert.ErrorContains(t, err, "not a schedule file")
}
