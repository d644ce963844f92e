package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// InputEvent is one client input: the fact Fact of an .input relation,
// delivered to node Node at virtual time Time, sent by client Client.
type InputEvent struct {
	Time   int64
	Fact   value.Fact
	Node   value.Addr
	Client int
	Line   int    // source line when parsed (for errors); not part of the value
	File   string // source name when parsed (for errors); not part of the value
}

// String renders the event as one workload line:
//
//	@10 in(1, "x") -> leader[0]
//	@12 in(2, "y") -> leader[0] client=1
func (e InputEvent) String() string {
	s := "@" + strconv.FormatInt(e.Time, 10) + " " + e.Fact.String() + " -> " + e.Node.String()
	if e.Client != 0 {
		s += " client=" + strconv.Itoa(e.Client)
	}
	return s
}

func compareInputs(a, b InputEvent) int {
	if c := cmp.Compare(a.Time, b.Time); c != 0 {
		return c
	}
	if c := a.Node.Compare(b.Node); c != 0 {
		return c
	}
	if c := a.Fact.Compare(b.Fact); c != 0 {
		return c
	}
	return a.Client - b.Client
}

// Workload is a list of client inputs in canonical order (time, node,
// fact, client).
type Workload []InputEvent

// Sort puts the workload in canonical order.
func (w Workload) Sort() { slices.SortStableFunc(w, compareInputs) }

// String renders one event per line, in canonical order.
func (w Workload) String() string {
	c := slices.Clone(w)
	c.Sort()
	var b strings.Builder
	for _, e := range c {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseWorkload reads a workload: one event per line as InputEvent.String
// writes it; blank lines and lines starting with # are ignored. name is
// used in errors.
func ParseWorkload(name, text string) (Workload, error) {
	var w Workload
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		e, err := parseInputLine(name, i+1, line)
		if err != nil {
			return nil, err
		}
		w = append(w, e)
	}
	w.Sort()
	return w, nil
}

const workloadHint = "write an input as @TIME rel(v1, v2) -> comp[i] [client=K]"

func parseInputLine(name string, line int, text string) (InputEvent, error) {
	s, err := newScanner(name, line, text)
	if err != nil {
		return InputEvent{}, err
	}
	e, err := parseInput(s, true)
	if err != nil {
		return e, err
	}
	if !s.atEOF() {
		t := s.peek()
		return e, s.errAt(t.col, "unexpected "+t.String()+" after the input", workloadHint)
	}
	e.Line, e.File = line, name
	return e, nil
}

// parseInput reads [@TIME] fact -> node [client=K].
func parseInput(s *scanner, withTime bool) (InputEvent, error) {
	var e InputEvent
	if withTime {
		if _, err := s.expectPunct("@", workloadHint); err != nil {
			return e, err
		}
		t, tt, err := s.expectInt("a virtual time", workloadHint)
		if err != nil {
			return e, err
		}
		if t < 0 {
			return e, s.errAt(tt.col, "time must be >= 0", workloadHint)
		}
		e.Time = t
	}
	f, _, err := s.fact()
	if err != nil {
		return e, err
	}
	e.Fact = f
	if _, err := s.expectPunct("->", workloadHint); err != nil {
		return e, err
	}
	a, _, err := s.addr(workloadHint)
	if err != nil {
		return e, err
	}
	e.Node = a
	if !s.atEOF() && s.peek().kind == tokIdent && s.peek().text == "client" {
		k, v, err := s.keyValue(workloadHint)
		if err != nil {
			return e, err
		}
		c, err := strconv.Atoi(v.text)
		if err != nil || c < 0 {
			return e, s.errAt(v.col, "client must be an integer >= 0", workloadHint)
		}
		_ = k
		e.Client = c
	}
	return e, nil
}

// checkInput validates an input against the program and the node counts.
// An input parsed from a file is reported at its file:line:1.
func checkInput(prog *analysis.Program, counts map[string]int, e InputEvent) error {
	fail := func(hint, format string, args ...any) error {
		msg := e.String() + ": " + fmt.Sprintf(format, args...)
		if e.Line > 0 && e.File != "" {
			return &SpecError{Source: e.File, Line: e.Line, Col: 1, Msg: msg, Hint: hint}
		}
		return &SpecError{Source: "input", Msg: msg, Hint: hint}
	}
	rel := findRelation(prog, e.Fact.Rel)
	if rel == nil || !rel.Input {
		return fail("inputs must name an .input relation", "%s is not an .input relation of the program (inputs: %s)", e.Fact.Rel, strings.Join(inputNames(prog), ", "))
	}
	if len(e.Fact.Tuple) != len(rel.Columns) {
		return fail("give one value per column of the .input declaration", "%s has %d columns, the input gives %d", rel.Name, len(rel.Columns), len(e.Fact.Tuple))
	}
	for i, c := range rel.Columns {
		if e.Fact.Tuple[i].K != c.Type {
			return fail("strings are quoted, addresses are written comp[i]", "column %d of %s is %s, the input gives %s", i+1, rel.Name, c.Type, e.Fact.Tuple[i])
		}
	}
	if e.Node.Comp != rel.InputComponent {
		return fail(fmt.Sprintf("send it to %s[i]", rel.InputComponent), "%s enters at component %s, not %s", rel.Name, rel.InputComponent, e.Node.Comp)
	}
	if n := counts[e.Node.Comp]; e.Node.Instance >= n {
		return fail(fmt.Sprintf("use %s[0] to %s[%d], or change the count with %s %s=N", e.Node.Comp, e.Node.Comp, max(n-1, 0), OptCounts, e.Node.Comp),
			"no node %s (%s has %d instances)", e.Node, e.Node.Comp, n)
	}
	return nil
}

func findRelation(prog *analysis.Program, name string) *analysis.Relation {
	i, ok := slices.BinarySearchFunc(prog.Relations, name, func(r *analysis.Relation, n string) int { return strings.Compare(r.Name, n) })
	if ok {
		return prog.Relations[i]
	}
	for _, r := range prog.Relations { // in case Relations is not sorted
		if r.Name == name {
			return r
		}
	}
	return nil
}

func inputNames(prog *analysis.Program) []string {
	var out []string
	for _, r := range prog.Relations {
		if r.Input {
			out = append(out, r.Name)
		}
	}
	slices.Sort(out)
	return out
}
