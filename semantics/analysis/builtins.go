package analysis

import (
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/value"
)

// This file is the one description of the built-ins (docs/LANGUAGE.md,
// "Built-ins"). Analysis (arity, types, binding order, negation), both
// evaluators (semantics/eval: argument counts and which arguments must be
// bound) and the docs test read it, so that what `dsim vet` accepts is
// exactly what a tick can execute.

// Builtin describes one built-in relation and its function form.
type Builtin struct {
	Name string
	// Args are the relational form's argument types (KindInvalid: any
	// type); len(Args) is its arity.
	Args []value.Kind
	// Inputs are the arguments that must be bound before the literal runs.
	Inputs []int
	// Output is the argument the built-in computes: bound by the literal
	// when unbound, compared when bound. -1 for a pure test (verify).
	Output int
	// Enumerates is true when the output ranges over several values
	// (less_than) or comes from the node (self), rather than being a
	// function of the inputs.
	Enumerates bool
	// Function is true when Name(inputs...) is also an expression whose
	// value is the output.
	Function bool
	// NegatedAs names the function whose result the last argument must
	// differ from when the literal is negated (!verify(x, s) is
	// s != sign(x)); "" when the built-in cannot be negated.
	NegatedAs string
	// Internal built-ins are made by analysis (node(k), the address of a
	// global node number) and cannot be written in a program.
	Internal bool
	// Doc is the built-in's row in docs/LANGUAGE.md: relational form,
	// function form ("—" for none) and meaning.
	Doc [3]string
}

var (
	anyKind = value.KindInvalid
	intKind = value.KindInt
)

// Builtins is the table, in the order the docs list it. Component
// enumeration (comp(a)) is a built-in too but depends on the program; see
// componentBuiltin.
var Builtins = []Builtin{
	{Name: "hash", Args: []value.Kind{anyKind, intKind}, Inputs: []int{0}, Output: 1, Function: true, NegatedAs: "hash",
		Doc: [3]string{"`hash(x, h)`", "`h = hash(x)`", "`h` is a deterministic non-negative 63-bit hash of any value `x`"}},
	{Name: "sign", Args: []value.Kind{anyKind, intKind}, Inputs: []int{0}, Output: 1, Function: true, NegatedAs: "sign",
		Doc: [3]string{"`sign(x, s)`", "`s = sign(x)`", "`s` is the deterministic keyed signature (an `int`) of `x`"}},
	{Name: "verify", Args: []value.Kind{anyKind, intKind}, Inputs: []int{0, 1}, Output: -1, NegatedAs: "sign",
		Doc: [3]string{"`verify(x, s)`", "—", "holds when `s == sign(x)`; both arguments must be bound"}},
	{Name: "concat", Args: []value.Kind{anyKind, anyKind, value.KindString}, Inputs: []int{0, 1}, Output: 2, Function: true, NegatedAs: "concat",
		Doc: [3]string{"`concat(a, b, c)`", "`c = concat(a, b)`", "string concatenation (ints and addresses print canonically; the result is at most 1 MiB, 1,048,576 bytes, else the tick fails with an error)"}},
	{Name: "less_than", Args: []value.Kind{intKind, intKind}, Inputs: []int{1}, Output: 0, Enumerates: true,
		Doc: [3]string{"`less_than(v, n)`", "—", "binds `v` to `0 .. n-1` (`n` bound, at most 1,000,000)"}},
	{Name: "self", Args: []value.Kind{value.KindAddr}, Inputs: nil, Output: 0, Enumerates: true,
		Doc: [3]string{"`self(a)`", "—", "`a` is this node's address"}},
	{Name: "node", Args: []value.Kind{intKind, value.KindAddr}, Inputs: []int{0}, Output: 1, Function: true, Internal: true},
}

// componentBuiltin is the built-in comp(a) of every component comp.
var componentBuiltin = Builtin{Name: "comp", Args: []value.Kind{value.KindAddr}, Output: 0, Enumerates: true,
	Doc: [3]string{"`comp(a)`", "—", "`a` ranges over the instances of component `comp`"}}

var builtinByName = func() map[string]*Builtin {
	m := map[string]*Builtin{}
	for i := range Builtins {
		m[Builtins[i].Name] = &Builtins[i]
	}
	return m
}()

// LookupBuiltin returns the table entry of a built-in that programs can
// write (relation or function), or nil.
func LookupBuiltin(name string) *Builtin {
	if b := builtinByName[name]; b != nil && !b.Internal {
		return b
	}
	return nil
}

// BuiltinOf returns the entry a built-in relation literal over name uses
// in the analysed program p: a table built-in, or the enumeration of a
// component of p.
func BuiltinOf(p *Program, name string) *Builtin {
	if b := LookupBuiltin(name); b != nil {
		return b
	}
	if p != nil && p.Component(name) != nil {
		return &componentBuiltin
	}
	return nil
}

// FunctionOf returns the entry of a function call over name in an
// analysed rule (internal functions included, since analysis writes
// them), or nil.
func FunctionOf(name string) *Builtin {
	if b := builtinByName[name]; b != nil && b.Function {
		return b
	}
	return nil
}

// ComponentBuiltin is the table entry of the enumeration comp(a).
func ComponentBuiltin() *Builtin { return &componentBuiltin }

// FunctionArity is the number of arguments of the function form.
func (b *Builtin) FunctionArity() int { return len(b.Args) - 1 }

// Derived views of the table, for analysis's stages.
var (
	// builtinRelations are the relational built-ins a program can write;
	// component names are built-in relations too.
	builtinRelations = func() map[string]bool {
		m := map[string]bool{}
		for _, b := range Builtins {
			if !b.Internal {
				m[b.Name] = true
			}
		}
		return m
	}()
	// builtinFunctions are the built-ins with a function form, with their
	// arity.
	builtinFunctions = func() map[string]int {
		m := map[string]int{}
		for _, b := range Builtins {
			if b.Function && !b.Internal {
				m[b.Name] = b.FunctionArity()
			}
		}
		return m
	}()
)

// builtinList renders the built-in names for hints, sorted.
func builtinList() string { return sortedNames(builtinRelations) }

func functionList() string {
	m := map[string]bool{}
	for n := range builtinFunctions {
		m[n] = true
	}
	return sortedNames(m)
}

func sortedNames(m map[string]bool) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (a *analyser) builtinArityOf(name string) int {
	if b := LookupBuiltin(name); b != nil {
		return len(b.Args)
	}
	return 1 // component enumeration
}

// builtinArgs returns the argument types of a built-in relation, and
// whether name is one.
func (a *analyser) builtinArgs(name string) ([]value.Kind, bool) {
	if b := LookupBuiltin(name); b != nil {
		return b.Args, true
	}
	if a.isComponent(name) {
		return componentBuiltin.Args, true
	}
	return nil, false
}

// builtinIO returns the input and output argument indexes of a built-in
// relation literal (output -1: none), and whether it enumerates. A literal
// with the wrong number of arguments (reported elsewhere) has no inputs and
// no output, so that no caller indexes Args out of range.
func builtinIO(rel string, nargs int) (inputs []int, output int, enumerates bool) {
	b := LookupBuiltin(rel)
	if b == nil {
		b = &componentBuiltin
	}
	if nargs != len(b.Args) {
		return nil, -1, b.Enumerates
	}
	return b.Inputs, b.Output, b.Enumerates
}
