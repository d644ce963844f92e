package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file picks the values generated inputs are made of. A workload only
// exercises a protocol's interesting rules — hash-bucket collisions,
// comparisons with the program's constants, guards against a repeated key —
// when its values collide, so int columns draw from a small domain built
// from the program itself (docs/CHECKING.md, "How workload values are
// picked"), or from the domain --values gives.

// ColumnDomain is the set of values generated inputs put in one int column
// of an .input relation.
type ColumnDomain struct {
	Rel    string
	Col    int // 0-based column index
	Values []int64
	// Moduli, when set, are the moduli under which two values of the
	// column count as colliding for the generator's bias (values.go);
	// nil: the program's.
	Moduli []int64
}

// ValueDomains overrides the generated domains of some input columns.
type ValueDomains []ColumnDomain

const valuesHint = "write rel.col=LO..HI or rel.col=v1,v2,...; several separated by ';' (col is a column name or its number from 1)"

// ParseValueDomains reads a --values spec, e.g. `in.v=0..3` or
// `request.v=1,5,9; request.id=1..2`, checking relations and columns
// against prog. Errors name the column of the spec they are about.
func ParseValueDomains(prog *analysis.Program, spec string) (ValueDomains, error) {
	var out ValueDomains
	off := 0
	for _, part := range strings.Split(spec, ";") {
		col := off + 1 + len(part) - len(strings.TrimLeft(part, " \t"))
		off += len(part) + 1
		p := strings.TrimSpace(part)
		if p == "" {
			continue
		}
		fail := func(at int, format string, args ...any) error {
			return &SpecError{Source: string(OptValues), Col: at, Msg: fmt.Sprintf(format, args...), Hint: valuesHint}
		}
		lhs, rhs, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fail(col, "%q has no '='", p)
		}
		relName, colName, ok := strings.Cut(strings.TrimSpace(lhs), ".")
		if !ok {
			return nil, fail(col, "%q does not name a column as rel.col", strings.TrimSpace(lhs))
		}
		rel := findRelation(prog, relName)
		if rel == nil || !rel.Input {
			return nil, fail(col, "%s is not an .input relation (inputs: %s)", relName, strings.Join(inputNames(prog), ", "))
		}
		ci := -1
		for i, c := range rel.Columns {
			if c.Name == colName {
				ci = i
			}
		}
		if n, err := strconv.Atoi(colName); ci < 0 && err == nil && n >= 1 && n <= len(rel.Columns) {
			ci = n - 1
		}
		if ci < 0 {
			var names []string
			for i, c := range rel.Columns {
				names = append(names, cmpName(c.Name, i))
			}
			return nil, fail(col+len(relName)+1, "%s has no column %q (columns: %s)", relName, colName, strings.Join(names, ", "))
		}
		if rel.Columns[ci].Type != value.KindInt {
			return nil, fail(col+len(relName)+1, "column %s of %s is %s; value domains are for int columns only", colName, relName, rel.Columns[ci].Type)
		}
		vcol := col + len(lhs) + 1
		vals, err := parseDomainValues(strings.TrimSpace(rhs))
		if err != nil {
			return nil, fail(vcol, "%s", err)
		}
		out = append(out, ColumnDomain{Rel: rel.Name, Col: ci, Values: vals})
	}
	return out, nil
}

func cmpName(name string, i int) string {
	if name == "" {
		return strconv.Itoa(i + 1)
	}
	return name
}

// maxDomain bounds a --values range, so that a typo cannot allocate a
// billion values.
const maxDomain = 100_000

func parseDomainValues(s string) ([]int64, error) {
	if lo, hi, ok := strings.Cut(s, ".."); ok {
		a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a range LO..HI of integers", s)
		}
		if b < a || b-a >= maxDomain {
			return nil, fmt.Errorf("range %d..%d is empty or has more than %d values", a, b, maxDomain)
		}
		var out []int64
		for v := a; v <= b; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []int64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", strings.TrimSpace(f))
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// String renders the domains as ParseValueDomains reads them.
func (d ValueDomains) String() string {
	parts := make([]string, len(d))
	for i, c := range d {
		vs := make([]string, len(c.Values))
		for j, v := range c.Values {
			vs[j] = strconv.FormatInt(v, 10)
		}
		parts[i] = fmt.Sprintf("%s.%d=%s", c.Rel, c.Col+1, strings.Join(vs, ","))
	}
	return strings.Join(parts, "; ")
}

func (d ValueDomains) lookup(rel string, col int) (ColumnDomain, bool) {
	for _, c := range d {
		if c.Rel == rel && c.Col == col {
			return c, true
		}
	}
	return ColumnDomain{}, false
}

// programShape is what the default domains are built from: the int
// constants the program compares with, joins on or uses as arithmetic
// operands, and the moduli it buckets by (`% m`, and the instance count of
// every component a message is routed to by an int, `@comp[x]`).
type programShape struct {
	consts []int64
	moduli []int64
}

// largestConstant keeps absurd constants (e.g. a sentinel 1<<40) out of
// the domain; values that large are compared with, not collided into.
const largestConstant = 1000

func shapeOf(prog *analysis.Program, counts map[string]int) programShape {
	var s programShape
	addConst := func(v value.Value) {
		if v.K == value.KindInt && v.I >= -largestConstant && v.I <= largestConstant {
			s.consts = append(s.consts, v.I)
		}
	}
	var walk func(t analysis.Term)
	walk = func(t analysis.Term) {
		switch t.Op {
		case analysis.TermConst:
			addConst(t.Const)
		case analysis.TermMod, analysis.TermDiv:
			if d := t.Args[1]; d.Op == analysis.TermConst && d.Const.K == value.KindInt && d.Const.I > 1 && d.Const.I <= largestConstant {
				s.moduli = append(s.moduli, d.Const.I)
			}
		case analysis.TermInstance:
			n := componentCount(prog, counts, t.Func)
			if n > 1 {
				s.moduli = append(s.moduli, int64(n))
			}
		}
		for _, a := range t.Args {
			walk(a)
		}
	}
	for _, r := range prog.Rules {
		if r.Head.At != nil {
			walk(*r.Head.At)
		}
		for _, a := range r.Head.Args {
			if a.Term != nil && a.Term.Op != analysis.TermConst {
				walk(*a.Term) // a constant head column is an answer, not a guard
			}
		}
		for _, l := range r.Body {
			for _, a := range l.Args {
				walk(a)
			}
			if l.Kind == analysis.LitFilter || l.Kind == analysis.LitAssign {
				walk(l.Left)
				walk(l.Right)
			}
		}
	}
	slices.Sort(s.consts)
	s.consts = slices.Compact(s.consts)
	slices.Sort(s.moduli)
	s.moduli = slices.Compact(s.moduli)
	return s
}

func componentCount(prog *analysis.Program, counts map[string]int, name string) int {
	if n, ok := counts[name]; ok {
		return n
	}
	if c := prog.Component(name); c != nil {
		return c.Count
	}
	return 0
}

// defaultDomain is the domain of a generated int column: the small values
// 0..3; each program constant c with c-1 and c+1 (so both sides of a
// comparison with c occur); and, for each modulus m, partners of 0..3
// that collide with them modulo m, both as plain values (u+m) and under
// the language's hash (the smallest v > 3 with hash(v) % m == hash(u) % m).
func (s programShape) defaultDomain() []int64 {
	d := []int64{0, 1, 2, 3}
	for _, c := range s.consts {
		d = append(d, c-1, c, c+1)
	}
	// Negative values only where the program itself has negative
	// constants: ids and payloads are non-negative in most protocols.
	d = slices.DeleteFunc(d, func(v int64) bool { return v < 0 && !slices.Contains(s.consts, v) })
	for _, m := range s.moduli {
		for _, u := range []int64{0, 1, 2, 3} {
			d = append(d, u+m)
			hu := eval.Hash(value.Int(u)).I % m
			for v := int64(4); v < 4+64*m; v++ {
				if eval.Hash(value.Int(v)).I%m == hu {
					d = append(d, v)
					break
				}
			}
		}
	}
	slices.Sort(d)
	return slices.Compact(d)
}

// DefaultValueDomains lists the domain generated inputs draw from for every
// int column of prog's .input relations (counts: instance counts, nil for
// the program's), in the form --values takes. Two programs given the same
// domains (OpenLoop.Values, ClosedLoop.Values) and seed are sent the same
// requests.
func DefaultValueDomains(prog *analysis.Program, counts map[string]int) ValueDomains {
	sh := shapeOf(prog, counts)
	def := sh.defaultDomain()
	var out ValueDomains
	for _, name := range inputNames(prog) {
		rel := findRelation(prog, name)
		for i, c := range rel.Columns {
			if c.Type == value.KindInt {
				out = append(out, ColumnDomain{Rel: rel.Name, Col: i, Values: slices.Clone(def), Moduli: append([]int64{}, sh.moduli...)})
			}
		}
	}
	return out
}
