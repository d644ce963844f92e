package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsim-project/dsim/internal/golden"
)

// dsim check --coverage prints both programs' tables, body-level counts
// included (golden), and --json carries the same counts.
func TestCheckCoverageReport(t *testing.T) {
	args := []string{"check", "corpus/hashset/base.ded", "corpus/hashset/fig2-mutually-independent.ded", "--runs", "4", "--coverage"}
	code, out, errOut := runCLI(args...)
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "!collisions@58:40 blocked")
	assert.Contains(t, out, "witnesses: coverage of corpus/hashset/base.ded")
	assert.Contains(t, out, "invariant bad_forged_ack: evaluated in")
	golden.Check(t, filepath.Join("testdata", "check-coverage.txt"), []byte(out))

	code, js, errOut := runCLI(append(args, "--json")...)
	require.Equal(t, 0, code, errOut)
	var rep struct {
		Coverage struct {
			Detail bool `json:"detail"`
			Rules  []struct {
				Head         string `json:"head"`
				Matched      *int   `json:"matched"`
				LargestGroup *int   `json:"largest_group"`
				Negations    []struct {
					Literal string `json:"literal"`
					Blocked int    `json:"blocked"`
				} `json:"negations"`
			} `json:"rules"`
			Invariants []struct {
				Relation string `json:"relation"`
				Reached  *int   `json:"reached"`
			} `json:"invariants"`
		} `json:"coverage"`
		OriginalCoverage struct {
			Detail bool `json:"detail"`
		} `json:"original_coverage"`
	}
	require.NoError(t, json.Unmarshal([]byte(js), &rep), js)
	assert.True(t, rep.Coverage.Detail && rep.OriginalCoverage.Detail, "both programs' body-level counts")
	negs, groups := 0, 0
	for _, r := range rep.Coverage.Rules {
		require.NotNil(t, r.Matched, r.Head)
		negs += len(r.Negations)
		if r.LargestGroup != nil {
			groups++
		}
	}
	assert.Equal(t, 1, negs, "the rewrite has one negated literal")
	assert.Equal(t, 3, groups, "the rewrite has three aggregate rules")
	assert.Len(t, rep.Coverage.Invariants, 2)
}

// --coverage-html writes the page on run, explore and check (both
// programs for check) without changing the text report.
func TestCoverageHTMLFlag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args     []string
		programs int
	}{
		{[]string{"run", "corpus/hashset/base.ded", "--requests", "2"}, 1},
		{[]string{"explore", "corpus/hashset/base.ded", "--runs", "2"}, 1},
		{[]string{"check", "corpus/hashset/base.ded", "corpus/hashset/fig2-mutually-independent.ded", "--runs", "2"}, 2},
	} {
		page := filepath.Join(dir, c.args[0]+".html")
		_, plain, _ := runCLI(c.args...)
		code, out, errOut := runCLI(append(c.args, "--coverage-html", page)...)
		require.Equal(t, 0, code, "%v: %s%s", c.args, out, errOut)
		if c.args[0] != "explore" { // explore's first line has a wall-clock rate
			assert.Equal(t, plain, out, "%v: --coverage-html changed the report", c.args)
		}
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		html := string(data)
		assert.Equal(t, c.programs, strings.Count(html, `<section class="program"`), c.args)
		assert.Contains(t, html, `<span class="rule fired" id="p0-rule-`)
		assert.Contains(t, html, "signed(v, s) :- in(v), s = sign(v).</span>")
	}
	code, _, errOut := runCLI("run", "corpus/hashset/base.ded", "--coverage-html", filepath.Join(dir, "no", "such", "dir.html"))
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "--coverage-html:")
}
