package sim

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitHead is the part of the split test programs they share: a forwards
// each request to b, which answers it.
const splitHead = `
.decl fwd(id: int, v: int)
component a {
  .input req(id: int, v: int)
  fwd@x(id, v) :~ req(id, v), b(x).
}
`

// TestPlanKeySplit: which programs and configurations the key split takes,
// and on which key column; each refusal names its reason.
func TestPlanKeySplit(t *testing.T) {
	cases := []struct {
		name, src, faults string
		requests          int
		split             string // the key column, or "" with why
		why               string
	}{
		{"keyed", splitHead + `component b {
  .output ans(id: int, v: int)
  got(id, v) :- fwd(id, v).
  .persist got
  ans(id, v) :- got(id, v), !done(id).
  done(id) :+ got(id, _).
  .persist done
}`, "", 2, "req.id", ""},
		{"keyed by the second column", splitHead + `component b {
  .output ans(v: int, id: int)
  ans(v, id) :- fwd(id, v).
}`, "", 2, "req.id", ""},
		{"aggregate across keys", splitHead + `component b {
  .output ans(n: int)
  got(id) :- fwd(id, _).
  .persist got
  ans(count(id)) :- got(id).
}`, "", 2, "", "no column assignment"},
		{"static head reads a keyed relation through negation", splitHead + `component b {
  .output ans(id: int, v: int)
  got(id, v) :- fwd(id, v).
  .persist got
  none() :- !got(1, _).
  ans(id, v) :- got(id, v), none().
}`, "", 2, "", "no column assignment"},
		{"wildcard in a negated key column", splitHead + `component b {
  .output ans(id: int, v: int)
  got(id, v) :- fwd(id, v).
  .persist got
  ans(id, v) :- fwd(id, v), !got(_, 7).
}`, "", 2, "", "no column assignment"},
		{"timer", splitHead + `component b {
  .timer beat 5
  .output ans(id: int, v: int)
  ans(id, v) :- fwd(id, v), beat(_).
}`, "", 2, "", "timer beat"},
		{"choose", splitHead + `component b {
  .output ans(id: int, v: int)
  ans(id, choose(v)) :- fwd(id, v).
}`, "", 2, "", "choose()"},
		{"one request", splitHead + `component b {
  .output ans(id: int, v: int)
  ans(id, v) :- fwd(id, v).
}`, "", 1, "", "share one key value"},
		{"two random faulty nodes", splitHead + `component b {
  .output ans(id: int, v: int)
  ans(id, v) :- fwd(id, v).
}`, "omission random f=2 p=0.3 until=20", 2, "", "more than one random faulty node"},
		{"crash", splitHead + `component b {
  .output ans(id: int, v: int)
  ans(id, v) :- fwd(id, v).
}`, "crash b[0] at=3", 2, "", "crashes nodes"},
		{"corpus/2pc/scalable.ded", "", "omission random f=1 p=0.3 until=20", 2, "request.id", ""},
		{"corpus/micro/monotonic/after.ded", "", "", 2, "", "no column assignment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := loadProgram(t, c.name, c.src)
			plan, err := ParseFaultPlan(c.faults)
			require.NoError(t, err)
			spec := Spec{Seed: 1, Open: c.requests, Faults: plan}
			cfg, err := spec.RunConfig(p, 0)
			require.NoError(t, err)
			s, why := PlanKeySplit(p, cfg)
			if c.split == "" {
				require.Nil(t, s)
				assert.Contains(t, why, c.why)
				return
			}
			require.NotNil(t, s, why)
			assert.Equal(t, []string{c.split}, s.Columns)
			require.Len(t, s.Groups, c.requests)
			for g, w := range s.Groups {
				for _, e := range w {
					assert.Equal(t, g, s.GroupOf(e.Fact))
				}
			}
		})
	}
}

// TestKeySplitMergeMatchesWhole: for a keyed program, the runs of two
// requests (enumerated whole, without memo) have exactly the outputs with
// arrival times and end times of the merges of every pair of one-request
// runs, and each merge passes Merge's own check.
func TestKeySplitMergeMatchesWhole(t *testing.T) {
	p := loadProgram(t, "keyed.ded", splitHead+`component b {
  .output ans(id: int, v: int)
  got(id, v) :- fwd(id, v).
  .persist got
  ack@y(id) :~ fwd(id, _), a(y).
  ans(id, v) :- got(id, v), !done(id).
  done(id) :+ got(id, _).
  .persist done
}`)
	plan, err := ParseFaultPlan("omission random f=1 p=0.3 until=20")
	require.NoError(t, err)
	spec := Spec{Seed: 1, Open: 2, Faults: plan}
	cfg, err := spec.RunConfig(p, 0)
	require.NoError(t, err)
	cfg.Trace.Off = true
	s, why := PlanKeySplit(p, cfg)
	require.NotNil(t, s, why)
	parts, err := Parts(p, cfg)
	require.NoError(t, err)
	histories := func(r *Result) string {
		outs := groupOutputs(r, -1)
		slices.Sort(outs)
		return strings.Join(append(outs, "end "+r.Stop.Reason.String()+" @"+strconv.FormatInt(r.Time, 10)), "; ")
	}
	sortedSet := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for part := 0; part < parts; part++ {
		whole := map[string]bool{}
		_, err := EnumeratePart(context.Background(), p, cfg, EnumerateOptions{MaxDelay: 2, NoMemo: true, Leaf: func(r *Result) (bool, error) {
			whole[histories(r)] = true
			return false, nil
		}}, part)
		require.NoError(t, err)
		groups := make([][]*Result, len(s.Groups))
		for g := range s.Groups {
			rep, err := EnumeratePart(context.Background(), p, s.GroupConfig(cfg, g), EnumerateOptions{MaxDelay: 2, NoMemo: true, RestCheck: true, Leaf: func(r *Result) (bool, error) {
				groups[g] = append(groups[g], r)
				return false, nil
			}}, part)
			require.NoError(t, err)
			require.Empty(t, rep.NotAtRest)
		}
		merged := map[string]bool{}
		for _, r0 := range groups[0] {
			for _, r1 := range groups[1] {
				m, err := s.Merge(p, cfg, part, []*Result{r0, r1})
				require.NoError(t, err)
				merged[histories(m)] = true
			}
		}
		assert.Equal(t, sortedSet(whole), sortedSet(merged), "part %d", part)
	}
}
