package importer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file reads the values of a role's EDB inputs ([roles.R.edb]) and
// timers ([roles.R.timers]) from the decoded manifest.

// edbSpec is the value of one EDB input: rows of constants, computed per
// instance when perInstance is set.
type edbSpec struct {
	arity       int
	perInstance bool
	rows        func(i int) [][]syntax.Expr // the facts on instance i
}

// edbForms lists the special forms, for hints.
const edbForms = `an integer or string, a list of them, a list of rows ([[0, "a"], [1, "b"]]), ` +
	`{ is = "id" }, { is = "ids", of = "ROLE" }, { is = "count", of = "ROLE" }, ` +
	`{ is = "block", size = M } or { is = "block_start", size = M }`

// parseEDB reads one [roles.R.edb] entry. counts gives each role's
// instance count.
func parseEDB(v any, counts map[string]int64) (edbSpec, string, error) {
	switch v := v.(type) {
	case int64, string:
		c, err := constant(v)
		if err != nil {
			return edbSpec{}, "", err
		}
		return fixed([][]syntax.Expr{{c}}), "", nil
	case []any:
		var rows [][]syntax.Expr
		arity := -1
		for _, x := range v {
			var row []syntax.Expr
			if xs, ok := x.([]any); ok {
				for _, y := range xs {
					c, err := constant(y)
					if err != nil {
						return edbSpec{}, "", err
					}
					row = append(row, c)
				}
			} else {
				c, err := constant(x)
				if err != nil {
					return edbSpec{}, "", err
				}
				row = []syntax.Expr{c}
			}
			if arity >= 0 && len(row) != arity {
				return edbSpec{}, "", fmt.Errorf("rows of different lengths (%d and %d)", arity, len(row))
			}
			arity = len(row)
			rows = append(rows, row)
		}
		s := fixed(rows)
		if arity >= 0 {
			s.arity = arity
		} else {
			s.arity = -1 // an empty list fits any arity
		}
		return s, "", nil
	case map[string]any:
		return parseForm(v, counts)
	}
	return edbSpec{}, "", fmt.Errorf("a %T is not a value", v)
}

func fixed(rows [][]syntax.Expr) edbSpec {
	arity := 1
	if len(rows) > 0 {
		arity = len(rows[0])
	}
	return edbSpec{arity: arity, rows: func(int) [][]syntax.Expr { return rows }}
}

func constant(v any) (syntax.Expr, error) {
	switch v := v.(type) {
	case int64:
		return &syntax.IntLit{Value: v}, nil
	case string:
		return &syntax.StringLit{Value: v}, nil
	}
	return nil, fmt.Errorf("%v (a %T) is not an integer or a string", v, v)
}

func ints(vs ...int64) [][]syntax.Expr {
	rows := make([][]syntax.Expr, len(vs))
	for i, v := range vs {
		rows[i] = []syntax.Expr{&syntax.IntLit{Value: v}}
	}
	return rows
}

// parseForm reads { is = ..., of = ..., size = ... }. The string result
// names the entry at fault ("of", "size") when there is one.
func parseForm(m map[string]any, counts map[string]int64) (edbSpec, string, error) {
	allowed := map[string]bool{"is": true, "of": true, "size": true}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			return edbSpec{}, k, fmt.Errorf("unknown entry %q (the entries are is, of, size)", k)
		}
	}
	is, _ := m["is"].(string)
	role := func() (int64, error) {
		of, ok := m["of"].(string)
		if !ok {
			return 0, fmt.Errorf(`{ is = %q } needs of = "ROLE"`, is)
		}
		n, ok := counts[of]
		if !ok {
			roles := make([]string, 0, len(counts))
			for r := range counts {
				roles = append(roles, r)
			}
			sort.Strings(roles)
			return 0, fmt.Errorf("of = %q names no role (the roles are %s)", of, strings.Join(roles, ", "))
		}
		return n, nil
	}
	size := func() (int64, error) {
		n, ok := m["size"].(int64)
		if !ok || n < 1 {
			return 0, fmt.Errorf(`{ is = %q } needs size = M, a positive integer`, is)
		}
		return n, nil
	}
	switch is {
	case "id":
		return edbSpec{arity: 1, perInstance: true, rows: func(i int) [][]syntax.Expr { return ints(int64(i)) }}, "", nil
	case "ids":
		n, err := role()
		if err != nil {
			return edbSpec{}, "of", err
		}
		all := make([]int64, n)
		for i := range all {
			all[i] = int64(i)
		}
		return fixed(ints(all...)), "", nil
	case "count":
		n, err := role()
		if err != nil {
			return edbSpec{}, "of", err
		}
		return fixed(ints(n)), "", nil
	case "block", "block_start":
		m, err := size()
		if err != nil {
			return edbSpec{}, "size", err
		}
		if is == "block_start" {
			return edbSpec{arity: 1, perInstance: true, rows: func(i int) [][]syntax.Expr { return ints(int64(i) * m) }}, "", nil
		}
		return edbSpec{arity: 1, perInstance: true, rows: func(i int) [][]syntax.Expr {
			vs := make([]int64, m)
			for k := range vs {
				vs[k] = int64(i)*m + int64(k)
			}
			return ints(vs...)
		}}, "", nil
	}
	return edbSpec{}, "is", fmt.Errorf(`is = %q is not a form (the forms are "id", "ids", "count", "block", "block_start")`, m["is"])
}

// timerSpec is a timer's period and jitter.
type timerSpec struct{ period, jitter int64 }

// maxPeriod is the language's bound on timer periods (docs/LANGUAGE.md).
const maxPeriod = 1_000_000_000_000

func parseTimer(v any) (timerSpec, string, error) {
	switch v := v.(type) {
	case int64:
		if v < 1 || v > maxPeriod {
			return timerSpec{}, "", fmt.Errorf("period %d is not between 1 and %d", v, int64(maxPeriod))
		}
		return timerSpec{period: v}, "", nil
	case map[string]any:
		for k := range v {
			if k != "period" && k != "jitter" {
				return timerSpec{}, k, fmt.Errorf("unknown entry %q (the entries are period, jitter)", k)
			}
		}
		p, ok := v["period"].(int64)
		if !ok || p < 1 || p > maxPeriod {
			return timerSpec{}, "period", fmt.Errorf("period must be an integer between 1 and %d", int64(maxPeriod))
		}
		j, _ := v["jitter"].(int64)
		if _, has := v["jitter"]; has {
			if jj, ok := v["jitter"].(int64); !ok || jj < 0 || jj > maxPeriod {
				return timerSpec{}, "jitter", fmt.Errorf("jitter must be an integer between 0 and %d", int64(maxPeriod))
			}
		}
		return timerSpec{period: p, jitter: j}, "", nil
	}
	return timerSpec{}, "", fmt.Errorf("a timer is a period (an integer) or { period = P, jitter = J }")
}
