// Package analysis turns a parsed Dedalus file into the analysed program
// that every later stage consumes: relations with their types, components
// with their rules, static facts, strata, rule kinds, and the paper's
// references, inputs and outputs of each component (§2.4).
//
// Analyse checks well-formedness (docs/ARCHITECTURE.md, Well-formedness): arity and type consistency,
// range restriction of heads, negated literals, predicates, function inputs
// and aggregates, @ destinations only (and always) on :~ heads, and
// stratification of negation and aggregation within a tick. Every problem is
// a syntax.Diagnostic with file:line:col and a hint.
//
// The types in this file are the contract between analysis and the
// evaluator, simulator, checker and rewrite engine. Everything in a Program
// is in a deterministic order: slices are sorted or in source order as their
// comments say, and no map is exported.
package analysis

import (
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// MainComponent is the component that owns items written outside any
// `component` block (Hydro-style single-component programs).
const MainComponent = "main"

// Program is an analysed, well-formed program.
type Program struct {
	File       *syntax.File // the source, for positions and fmt
	Components []*Component // in order of first declaration
	Relations  []*Relation  // every user relation, sorted by name
	Rules      []*Rule      // every rule, in source order; Rules[i].ID == i

	// Warnings are problems that do not make the program invalid (a
	// directive on a relation no rule uses), sorted by position. `dsim
	// vet` prints them and still exits 0.
	Warnings syntax.Diagnostics

	relByName  map[string]*Relation
	compByName map[string]*Component
}

// Relation looks a relation up by name; nil if there is none.
func (p *Program) Relation(name string) *Relation { return p.relByName[name] }

// Component looks a component up by name; nil if there is none.
func (p *Program) Component(name string) *Component { return p.compByName[name] }

// Column is a named, typed attribute. Name is "" when the program never
// names it (Hydro style); Type is always known after analysis (inferred
// when not declared).
type Column struct {
	Name string
	Type value.Kind
}

// Relation describes one user relation.
type Relation struct {
	Name    string
	Pos     syntax.Pos // its declaration, or its first use when undeclared
	Columns []Column

	Input          bool   // declared .input: clients send facts of it
	InputComponent string // component whose instances receive the input
	Output         bool   // declared .output: derived facts go to the client
	Persist        bool   // declared .persist (a persistence rule was added)
	Async          bool   // declared .async (Hydro channel; informational)
	Invariant      bool   // declared .invariant: must stay empty
	Final          bool   // declared .final: must be empty when a run ends (end-of-run spec)
	Timer          *Timer // non-nil when declared .timer
	TimerComponent string // component whose instances the timer fires on

	// Derived is true when some rule has this relation in its head.
	Derived bool
	// Static is true when the file holds facts of this relation.
	Static bool
}

// Arity is the number of columns.
func (r *Relation) Arity() int { return len(r.Columns) }

// Timer is a relation that receives a fact r(n) for its n-th firing
// (n = 1, 2, ...) every Period units of virtual time, with up to Jitter
// units of seeded jitter.
type Timer struct {
	Period, Jitter int64
}

// Component is a role: a set of rules run together on each of its
// instances.
type Component struct {
	Name    string
	Pos     syntax.Pos
	Count   int    // default number of instances (>= 1)
	Refines string // the original component this one stands for, or ""

	Rules []*Rule      // its rules (including persistence rules), in source order
	Facts []value.Fact // static facts of every instance, sorted

	// Strata lists the component's rules of kind Sync by stratum: a
	// stratum's rules may read relations of the same or lower strata
	// positively, and of lower strata only through negation or aggregation.
	// NextTick, Persist and Async rules read the final state of the tick;
	// they are not in any stratum.
	Strata []Stratum

	// The paper's §2.4 vocabulary, each sorted by name:
	References []string // IDB relations read in some rule body of the component
	Inputs     []string // referenced, and derived by no rule of the component
	Outputs    []string // derived in the component, and referenced by none of its rules
	Heads      []string // every relation some rule of the component derives

	ClientInputs []string // .input relations that enter at this component
	Timers       []string // timer relations that fire on this component
}

// Stratum is a set of relations evaluated to a fixpoint together.
type Stratum struct {
	Relations []string // sorted
	Rules     []*Rule  // in source order
}

// RuleKind classifies rules (paper §2.3).
type RuleKind int

const (
	// Sync rules (:-) derive facts in the same tick at the same node.
	Sync RuleKind = iota
	// NextTick rules (:+) derive facts for the next tick at the same node.
	NextTick
	// Async rules (:~) send facts to the node their @ term names.
	Async
	// Persist rules are NextTick rules of the exact form r(x..) :+ r(x..),
	// written by hand or added by .persist.
	Persist
)

// String names the kind.
func (k RuleKind) String() string {
	switch k {
	case Sync:
		return "sync"
	case NextTick:
		return "next-tick"
	case Async:
		return "async"
	case Persist:
		return "persist"
	}
	return "?"
}

// Rule is one analysed rule.
type Rule struct {
	ID        int    // index into Program.Rules
	Component string // owning component
	Kind      RuleKind
	Pos       syntax.Pos
	Source    *syntax.Rule // nil for rules added by .persist
	Stratum   int          // index into the component's Strata; -1 unless Sync

	Vars []string // variable names by slot; Term.Var indexes this
	Head Head
	Body []Lit // in source order
	// Plan is a safe evaluation order of Body (indexes into Body): every
	// literal's inputs are bound by positive atoms, built-ins or
	// assignments earlier in the plan. Negated atoms and filters come as
	// early as their variables allow.
	Plan []int
}

// Head is an analysed rule head.
type Head struct {
	Rel  string
	At   *Term // destination of an Async rule; nil otherwise
	Args []HeadArg
	// GroupBy lists the indexes of Args that are plain terms, when the head
	// has an aggregate; nil otherwise.
	GroupBy []int
	// HasAggregate is true when some arg is an aggregate (index() included).
	HasAggregate bool
}

// HeadArg is one head term: exactly one of Term and Agg is non-nil.
type HeadArg struct {
	Term *Term
	Agg  *Agg
}

// Agg is an analysed aggregate head term.
type Agg struct {
	Func syntax.AggFunc
	Star bool  // count(*)
	Vars []int // aggregated variable slots (count(x, y) counts distinct (x, y))
}

// TermOp says what a Term computes.
type TermOp int

const (
	TermVar      TermOp = iota // Var
	TermConst                  // Const
	TermWildcard               // _ (only in body atom arguments)
	TermAdd                    // Args[0] + Args[1]
	TermSub                    // Args[0] - Args[1]
	TermMul                    // Args[0] * Args[1]
	TermDiv                    // Args[0] / Args[1] (truncated; division by zero drops the row)
	TermMod                    // Args[0] % Args[1] (Euclidean: never negative; by zero drops the row)
	TermCall                   // built-in function Func applied to Args
	TermInstance               // address of instance (Args[0] mod count) of component Func
)

// Term is an analysed expression.
type Term struct {
	Op    TermOp
	Var   int         // slot, for TermVar
	Const value.Value // for TermConst
	Func  string      // built-in function name (TermCall) or component (TermInstance)
	Args  []Term
	Type  value.Kind // static type of the term's value
	Pos   syntax.Pos
}

// UsesVar reports whether variable slot v occurs anywhere in t.
func (t Term) UsesVar(v int) bool {
	if t.Op == TermVar {
		return t.Var == v
	}
	for _, a := range t.Args {
		if a.UsesVar(v) {
			return true
		}
	}
	return false
}

// LitKind says what a body literal does.
type LitKind int

const (
	// LitAtom is a positive atom over a user relation: a join.
	LitAtom LitKind = iota
	// LitNegated is a negated atom: an anti-join. Variables that occur only
	// there are existential.
	LitNegated
	// LitBuiltin is a built-in relation (hash, sign, verify, concat,
	// less_than, self, or a component name enumerating its instances).
	// Args bound before it are inputs; the others are outputs it binds.
	LitBuiltin
	// LitFilter is a comparison of bound terms: Op is < <= > >= == !=.
	LitFilter
	// LitAssign binds the variable Left.Var to the value of Right (written
	// `x = expr` with x not bound earlier in the plan).
	LitAssign
)

// Lit is one analysed body literal.
type Lit struct {
	Kind        LitKind
	Pos         syntax.Pos
	Rel         string // relation or built-in name for atoms
	Args        []Term // atom arguments: TermVar, TermConst or TermWildcard only
	Op          string // comparison operator, for LitFilter
	Left, Right Term
	// Binds lists the variable slots this literal binds first in Plan order.
	Binds []int
}
