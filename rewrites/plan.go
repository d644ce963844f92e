package rewrites

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// The plan format: one step per line; '#' at the start of a line or after
// a blank starts a comment.
//
//	mutual     COMP -> NEW : SELECTOR...
//	monotonic  COMP -> NEW : SELECTOR...
//	functional COMP -> NEW : SELECTOR...
//	statemachine COMP -> NEW : SELECTOR...
//	asymmetric COMP -> NEW : SELECTOR... [partitions=N] [key=REL.COLUMN ...]
//	cohash     COMP [partitions=N] [key=REL.COLUMN ...]
//	deps       COMP [partitions=N] [key=REL.COLUMN ...]
//	partial    COMP : INPUT [partitions=N] [seal=RELATION...]
//	seal       COMP : RELATION
//	drop       COMP : INVARIANT...
//	split      COMP : RELATION
//
// A selector names the rules of COMP that form C2 by the relation they
// derive: `acks` is every rule of COMP deriving acks (its persistence rule
// included), `acks#2` the second of them in source order. `line:12` names
// the rule at line 12 of the step's input, for the rare rule that a
// relation cannot name; it breaks when an earlier step moves lines, so
// plans in the corpus use relation names only. partitions defaults to 2;
// key pins a relation's key column (by name or 1-based number), and
// without it the key is inferred. drop removes the rules of COMP deriving
// .invariant relations: an invariant is a check, not an observable output,
// and one that reads relations a decoupling puts on two nodes can no longer
// be evaluated by either (the corpus drops bad_cert_and_inconsistent so).

// Step is one parsed plan line.
type Step struct {
	Kind       Kind
	Comp       string
	New        string   // decoupling: the new component
	Selectors  []string // decoupling: C2
	Partitions int      // partitioning
	// Partitioned: an asymmetric step with partitions= or key=, whose NEW
	// is then partitioned by co-hashing (asympart.go).
	Partitioned bool
	Keys        []string // partitioning: REL.COLUMN pins
	Seals       []string // partial partitioning: relations under partitioned sealing
	Text        string   // the line as written
	File        string   // plan file, for errors
	Line        int
}

// String renders the step in plan form.
func (s Step) String() string { return s.Text }

// ParsePlan parses a plan file.
func ParsePlan(name string, src []byte) ([]Step, error) {
	var steps []Step
	var diags syntax.Diagnostics
	for i, line := range strings.Split(string(src), "\n") {
		line = stripComment(line)
		if strings.TrimSpace(line) == "" {
			continue
		}
		st, err := ParseStep(line)
		if err != nil {
			col := 1 + len(line) - len(strings.TrimLeft(line, " \t"))
			diags = append(diags, syntax.Diagnostic{File: name, Pos: syntax.Pos{Line: i + 1, Col: col}, Msg: err.Error(), Hint: planHint})
			continue
		}
		st.File, st.Line = name, i+1
		steps = append(steps, st)
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return steps, nil
}

// stripComment drops a '#' comment: one that starts the line or follows a
// blank, so that the selector acks#2 is not a comment.
func stripComment(line string) string {
	for j := 0; j < len(line); j++ {
		if line[j] == '#' && (j == 0 || line[j-1] == ' ' || line[j-1] == '\t') {
			return line[:j]
		}
	}
	return line
}

const planHint = "a step is `mutual|monotonic|functional|statemachine|asymmetric COMP -> NEW : RELATION...` (asymmetric also [partitions=N] [key=REL.COLUMN]), `cohash|deps COMP [partitions=N] [key=REL.COLUMN]`, `partial COMP : INPUT [seal=RELATION]`, `seal COMP : RELATION`, `drop COMP : INVARIANT...` or `split COMP : RELATION` (docs/REWRITES.md)"

// ParseStep parses one step (a plan line, or a STEP argument of dsim
// rewrite).
func ParseStep(text string) (Step, error) {
	st := Step{Text: strings.TrimSpace(text), Partitions: 2}
	f := strings.Fields(strings.ReplaceAll(strings.ReplaceAll(text, ":", " : "), "->", " -> "))
	// line:N selectors were split by the ':' spacing above; rejoin them.
	var toks []string
	for i := 0; i < len(f); i++ {
		if f[i] == "line" && i+2 < len(f) && f[i+1] == ":" {
			toks = append(toks, "line:"+f[i+2])
			i += 2
			continue
		}
		toks = append(toks, f[i])
	}
	if len(toks) < 2 {
		return st, fmt.Errorf("a step needs a rewrite and a component")
	}
	st.Kind, st.Comp = Kind(toks[0]), toks[1]
	switch st.Kind {
	case Drop:
		if len(toks) < 4 || toks[2] != ":" {
			return st, fmt.Errorf("drop step must read `drop %s : INVARIANT...`", st.Comp)
		}
		st.Selectors = toks[3:]
	case Mutual, Monotonic, Functional, StateMachine, Asymmetric:
		if len(toks) < 6 || toks[2] != "->" || toks[4] != ":" {
			return st, fmt.Errorf("%s step must read `%s %s -> NEW : RELATION...`", st.Kind, st.Kind, st.Comp)
		}
		st.New = toks[3]
		for _, t := range toks[5:] {
			opt := strings.HasPrefix(t, "partitions=") || strings.HasPrefix(t, "key=")
			if opt && st.Kind != Asymmetric {
				return st, fmt.Errorf("unexpected %q in a %s step (only asymmetric decoupling partitions NEW)", t, st.Kind)
			}
			switch {
			case strings.HasPrefix(t, "partitions="):
				n, err := strconv.Atoi(strings.TrimPrefix(t, "partitions="))
				if err != nil || n < 1 {
					return st, fmt.Errorf("partitions must be a positive integer, got %q", t)
				}
				st.Partitions, st.Partitioned = n, true
			case t == "key=infer":
				st.Partitioned = true
			case strings.HasPrefix(t, "key="):
				st.Keys = append(st.Keys, strings.TrimPrefix(t, "key="))
				st.Partitioned = true
			default:
				st.Selectors = append(st.Selectors, t)
			}
		}
		if len(st.Selectors) == 0 {
			return st, fmt.Errorf("%s step must name the rules of C2", st.Kind)
		}
	case Split:
		if len(toks) != 4 || toks[2] != ":" {
			return st, fmt.Errorf("split step must read `split %s : RELATION` (a relation it broadcasts)", st.Comp)
		}
		st.Selectors = toks[3:]
	case SealKind:
		if len(toks) != 4 || toks[2] != ":" {
			return st, fmt.Errorf("seal step must read `seal %s : RELATION` (the component that sends it)", st.Comp)
		}
		st.Selectors = toks[3:]
	case PartialKind:
		if len(toks) < 4 || toks[2] != ":" {
			return st, fmt.Errorf("partial step must read `partial %s : INPUT... [partitions=N] [seal=RELATION...]`", st.Comp)
		}
		for _, t := range toks[3:] {
			if v, ok := strings.CutPrefix(t, "partitions="); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return st, fmt.Errorf("partitions must be a positive integer, got %q", t)
				}
				st.Partitions = n
			} else if v, ok := strings.CutPrefix(t, "seal="); ok {
				st.Seals = append(st.Seals, v)
			} else {
				st.Selectors = append(st.Selectors, t)
			}
		}
		if len(st.Selectors) == 0 {
			return st, fmt.Errorf("partial partitioning needs the input relations whose writes it replicates")
		}
		for i, w := range st.Selectors {
			if contains(st.Selectors[:i], w) {
				return st, fmt.Errorf("partial partitioning: input %s is named twice", w)
			}
		}
	case Cohash, Deps:
		for _, t := range toks[2:] {
			switch {
			case strings.HasPrefix(t, "partitions="):
				n, err := strconv.Atoi(strings.TrimPrefix(t, "partitions="))
				if err != nil || n < 1 {
					return st, fmt.Errorf("partitions must be a positive integer, got %q", t)
				}
				st.Partitions = n
			case t == "key=infer":
			case strings.HasPrefix(t, "key="):
				st.Keys = append(st.Keys, strings.TrimPrefix(t, "key="))
			default:
				return st, fmt.Errorf("unexpected %q in a %s step", t, st.Kind)
			}
		}
	default:
		return st, fmt.Errorf("unknown rewrite %q", toks[0])
	}
	return st, nil
}

// planError is an error about the plan itself (not a refused
// precondition), positioned at the step's line when it has one.
func planError(st Step, hint, format string, args ...any) error {
	d := syntax.Diagnostic{File: st.File, Pos: syntax.Pos{Line: st.Line, Col: 1}, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if st.File == "" {
		d.File, d.Pos = "step", syntax.Pos{Line: 1, Col: 1}
	}
	return d
}

// SelectRules resolves selectors to rules of comp, in source order.
func SelectRules(p *analysis.Program, st Step) ([]*analysis.Rule, error) {
	c := p.Component(st.Comp)
	if c == nil {
		return nil, planError(st, "components: "+strings.Join(componentNames(p), ", "), "no component %s in %s", st.Comp, p.File.Name)
	}
	chosen := map[*analysis.Rule]bool{}
	for _, sel := range st.Selectors {
		if strings.HasPrefix(sel, "line:") {
			n, err := strconv.Atoi(strings.TrimPrefix(sel, "line:"))
			found := false
			for _, r := range c.Rules {
				if err == nil && r.Pos.Line == n {
					chosen[r] = true
					found = true
				}
			}
			if !found {
				return nil, planError(st, "name the rule by the relation it derives", "no rule of %s at line %s of %s", st.Comp, strings.TrimPrefix(sel, "line:"), p.File.Name)
			}
			continue
		}
		rel, ord := sel, 0
		if i := strings.IndexByte(sel, '#'); i >= 0 {
			n, err := strconv.Atoi(sel[i+1:])
			if err != nil || n < 1 {
				return nil, planError(st, "write RELATION#N with N >= 1", "bad selector %q", sel)
			}
			rel, ord = sel[:i], n
		}
		var match []*analysis.Rule
		for _, r := range c.Rules {
			if r.Head.Rel == rel {
				match = append(match, r)
			}
		}
		if len(match) == 0 {
			return nil, planError(st, "relations derived in "+st.Comp+": "+strings.Join(c.Heads, ", "), "no rule of %s derives %s", st.Comp, rel)
		}
		if ord > len(match) {
			return nil, planError(st, fmt.Sprintf("%s has %d rules deriving %s", st.Comp, len(match), rel), "no rule %s", sel)
		}
		if ord > 0 {
			match = match[ord-1 : ord]
		}
		for _, r := range match {
			chosen[r] = true
		}
	}
	var out []*analysis.Rule
	for _, r := range c.Rules {
		if chosen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

func componentNames(p *analysis.Program) []string {
	var out []string
	for _, c := range p.Components {
		out = append(out, c.Name)
	}
	return out
}

// pinned resolves key=REL.COLUMN pins.
func pinned(p *analysis.Program, st Step) (Policy, error) {
	pol := Policy{}
	for _, k := range st.Keys {
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			return nil, planError(st, "write key=REL.COLUMN", "bad key %q", k)
		}
		rel := p.Relation(k[:i])
		if rel == nil {
			return nil, planError(st, "name a relation of the program", "no relation %s", k[:i])
		}
		col := -1
		if n, err := strconv.Atoi(k[i+1:]); err == nil && n >= 1 && n <= rel.Arity() {
			col = n - 1
		}
		for j, c := range rel.Columns {
			if c.Name == k[i+1:] {
				col = j
			}
		}
		if col < 0 {
			return nil, planError(st, "name a column of "+rel.Name+" or give its number", "no column %s in %s", k[i+1:], rel.Name)
		}
		if rel.Columns[col].Type != value.KindInt {
			return nil, planError(st, "pin an int column: the partition is the key mod the partition count", "column %s of %s is a %s, not an int", k[i+1:], rel.Name, rel.Columns[col].Type)
		}
		pol[rel.Name] = Key{Col: col}
	}
	return pol, nil
}

// Result is the outcome of one step.
type Result struct {
	Step    Step
	Program *analysis.Program // the rewritten program, analysed
	Source  []byte            // its text, in dsim fmt form
	Policy  Policy            // partitioning: the policy used
}

// Apply applies one step to the program named name with source src. The
// output is printed and analysed again (named as nextName says); an output that does not vet is an
// error of the engine, reported with the diagnostics.
func Apply(name string, src []byte, st Step) (*Result, error) {
	p, diags := analysis.Load(name, src)
	if len(diags) > 0 {
		return nil, diags
	}
	res := &Result{Step: st}
	if st.Kind == PartialKind {
		out, err := PartialPartition(name, src, st.Comp, st.Selectors, st.Partitions, st.Seals, syntax.Pos{})
		if err != nil {
			return nil, err
		}
		if p, diags = analysis.Load(name, out); len(diags) > 0 {
			return nil, fmt.Errorf("%s produced a program that does not vet (a bug of the rewrite engine):\n%s\n%s", st.Kind.Name(), diags.Render(out), out)
		}
	}
	switch st.Kind {
	case Mutual, Monotonic, Functional, StateMachine, Asymmetric:
		c2, err := SelectRules(p, st)
		if err != nil {
			return nil, err
		}
		pos := syntax.Pos{}
		if len(c2) > 0 {
			pos = c2[0].Pos
		}
		if st.Partitioned {
			if err := partitionedC2Pre(p, st, p.Component(st.Comp), c2); err != nil {
				return nil, err
			}
		}
		if err := Decouple(p, st.Kind, st.Comp, c2, st.New, pos); err != nil {
			return nil, err
		}
		if st.Partitioned {
			np, pol, err := partitionDecoupled(p, name, st, c2, pos)
			if err != nil {
				return nil, err
			}
			p, res.Policy = np, pol
		}
	case Split:
		if err := SplitSends(p, st.Comp, st.Selectors[0], syntax.Pos{}); err != nil {
			return nil, err
		}
	case SealKind:
		if err := Seal(p, st.Comp, st.Selectors[0], syntax.Pos{}); err != nil {
			return nil, err
		}
	case Drop:
		rules, err := SelectRules(p, st)
		if err != nil {
			return nil, err
		}
		if err := DropInvariants(p, st.Comp, rules); err != nil {
			return nil, err
		}
	case Cohash, Deps:
		if p.Component(st.Comp) == nil {
			return nil, planError(st, "components: "+strings.Join(componentNames(p), ", "), "no component %s in %s", st.Comp, p.File.Name)
		}
		fixed, err := pinned(p, st)
		if err != nil {
			return nil, err
		}
		pol, err := Partition(p, st.Kind, st.Comp, st.Partitions, fixed, p.Component(st.Comp).Pos)
		if err != nil {
			return nil, err
		}
		res.Policy = pol
	}
	// Every component of the step's input that maps to no original maps
	// to itself, so the output refines the input.
	for _, it := range p.File.Items {
		if c, ok := it.(*syntax.Component); ok && c.Refines == nil {
			c.Refines = ident(c.Name.Name)
		}
	}
	// The file's header comment records the steps that made it.
	if len(p.File.Items) > 0 {
		addDoc(p.File.Items[0], note("dsim rewrite: "+st.Text))
	}
	out := syntax.Print(p.File)
	np, diags := analysis.Load(nextName(name), out)
	if len(diags) > 0 {
		return nil, fmt.Errorf("%s produced a program that does not vet (a bug of the rewrite engine):\n%s\n%s", st.Kind.Name(), diags.Render(out), out)
	}
	res.Program, res.Source = np, out
	return res, nil
}

// StepInput names the input of step i (from 0): the program itself, then
// name~1 for the output of the first step, and so on, so that a refusal's
// file:line:col says which intermediate program it points into.
func StepInput(name string, i int) string {
	if i == 0 {
		return name
	}
	return fmt.Sprintf("%s~%d", name, i)
}

// nextName names the output of a step whose input is name: name~1 for a
// program, name~(k+1) for name~k (see StepInput).
func nextName(name string) string {
	if i := strings.LastIndexByte(name, '~'); i >= 0 {
		if k, err := strconv.Atoi(name[i+1:]); err == nil {
			return fmt.Sprintf("%s~%d", name[:i], k+1)
		}
	}
	return name + "~1"
}

// ApplyAll applies steps in order, each to the previous step's output. On
// an error the results of the steps before are returned with it.
func ApplyAll(name string, src []byte, steps []Step) ([]*Result, error) {
	var out []*Result
	for i, st := range steps {
		r, err := Apply(StepInput(name, i), src, st)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		src = r.Source
	}
	return out, nil
}

// addDoc appends comment lines to an item's comment block.
func addDoc(it syntax.Item, cs []syntax.Comment) {
	switch x := it.(type) {
	case *syntax.Decl:
		x.Doc = append(x.Doc, cs...)
	case *syntax.Component:
		x.Doc = append(x.Doc, cs...)
	case *syntax.Rule:
		x.Doc = append(x.Doc, cs...)
	case *syntax.Fact:
		x.Doc = append(x.Doc, cs...)
	}
}
