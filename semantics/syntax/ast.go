package syntax

// This file holds the abstract syntax tree. Every node knows the position of
// its first character (Pos). The printer in print.go renders a tree in the
// canonical form that `dsim fmt` prints, and Equal compares trees while
// ignoring positions, so that parse(print(p)) == p can be tested.

// Pos is a position in a source file. Line and Col count from 1; Col counts
// bytes. The zero Pos means "no position".
type Pos struct {
	Line, Col int
}

// IsValid reports whether the position was set.
func (p Pos) IsValid() bool { return p.Line > 0 }

// File is one parsed source file.
type File struct {
	Name  string // file name as given to the parser, used in diagnostics
	Items []Item // declarations, components, rules and facts in source order
	// Trailing holds comments after the last item, so that fmt keeps them.
	Trailing []Comment
}

// Item is a top-level element of a file or a component body.
type Item interface {
	itemNode()
	// Position returns the position of the item's first token.
	Position() Pos
	// Comments returns the comment lines written directly above the item,
	// without their leading "#" or "//" marker but with the marker kept in
	// Comment.Style so that fmt reproduces it.
	Comments() []Comment
}

// Comment is one line comment.
type Comment struct {
	Pos   Pos
	Style string // "#" or "//"
	Text  string // text after the marker, leading space kept
}

// Header is embedded in every Item.
type Header struct {
	Pos Pos
	Doc []Comment
}

// Position implements Item.
func (h *Header) Position() Pos { return h.Pos }

// Comments implements Item.
func (h *Header) Comments() []Comment { return h.Doc }

// DeclKind says which directive a Decl is.
type DeclKind int

const (
	// DeclRelation is `.decl r(a: int, b: string)`: a typed relation.
	DeclRelation DeclKind = iota
	// DeclInput is `.input r` or `.input r(a: int)`: facts arrive from clients.
	DeclInput
	// DeclOutput is `.output r`: facts derived in r are sent to the client.
	DeclOutput
	// DeclPersist is `.persist r`: shorthand for r(x...) :+ r(x...).
	DeclPersist
	// DeclAsync is `.async r`: r is a channel between nodes (informational).
	DeclAsync
	// DeclInvariant is `.invariant r`: r must stay empty; a fact is a violation.
	DeclInvariant
	// DeclTimer is `.timer r 100` or `.timer r 100 jitter 10`: r(n) receives
	// its n-th firing every Period units of virtual time.
	DeclTimer
	// DeclStatic is `.static r`: Hydro's static relation (facts come from
	// the file); accepted and treated like .decl.
	DeclStatic
	// DeclFinal is `.final r`: an end-of-run spec. r must be empty in the
	// last tick of every node when a run ends (the synchronous model checks
	// it at EOT); unlike .invariant, facts of r during the run are allowed.
	DeclFinal
)

var declKindNames = [...]string{
	DeclRelation:  ".decl",
	DeclInput:     ".input",
	DeclOutput:    ".output",
	DeclPersist:   ".persist",
	DeclAsync:     ".async",
	DeclInvariant: ".invariant",
	DeclTimer:     ".timer",
	DeclStatic:    ".static",
	DeclFinal:     ".final",
}

// String returns the directive as written, e.g. ".input".
func (k DeclKind) String() string {
	if int(k) < len(declKindNames) {
		return declKindNames[k]
	}
	return ".?"
}

// Decl is a directive about one relation.
type Decl struct {
	Header
	Kind DeclKind
	Name Ident
	// Columns is nil when the directive gives no column list (Hydro style,
	// types inferred), and non-nil (possibly empty, for a nullary relation)
	// when it does.
	Columns []Column
	// Snippets holds the backtick Rust snippets of the Hydro dialect. They
	// are kept only so that fmt can reproduce them; nothing interprets them.
	Snippets []string
	// Period and Jitter are set for DeclTimer only.
	Period, Jitter int64
}

// Column is a named, typed attribute in a declaration.
type Column struct {
	Pos  Pos
	Name string
	Type TypeName
}

// TypeName is a column type as written.
type TypeName string

// The column types of the language.
const (
	TypeInt    TypeName = "int"
	TypeString TypeName = "string"
	TypeAddr   TypeName = "addr"
)

// Component is `component name[count] refines original { items }`.
// Rules, facts and declarations written inside belong to the component.
// Items written outside any component belong to the implicit component
// "main" (Hydro-style single-component programs) — see docs/LANGUAGE.md.
type Component struct {
	Header
	Name     Ident
	Count    int64  // default instance count; 1 when not written
	HasCount bool   // whether [count] was written (for fmt)
	Refines  *Ident // original component this one stands for, or nil
	Items    []Item
	End      Pos       // position of the closing brace
	Trailing []Comment // comments after the last item, before the brace
}

// RuleKind says when and where a rule's head facts appear.
type RuleKind int

const (
	// Sync is ":-": the head holds in the same tick at the same node.
	Sync RuleKind = iota
	// NextTick is ":+": the head holds in the next tick at the same node.
	NextTick
	// Async is ":~": the head is sent to the node named by @.
	Async
)

// String returns the arrow of the rule kind.
func (k RuleKind) String() string {
	switch k {
	case Sync:
		return ":-"
	case NextTick:
		return ":+"
	case Async:
		return ":~"
	}
	return ":?"
}

// Rule is `head :- body.` (or :+, :~).
type Rule struct {
	Header
	Head  Head
	Kind  RuleKind
	Arrow Pos       // position of the arrow
	Body  []Literal // never empty for a rule; fmt always ends a rule with "."
	// End is the position just past the rule's last token (its ".", when
	// it has one), so that tools can mark the rule's whole text (the
	// coverage page).
	End Pos
}

// Fact is a ground head without a body: `numNodes(3).` A static fact
// (EDB) of the enclosing component, or of every node at top level.
type Fact struct {
	Header
	Head Head
}

// Head is the left side of a rule: a relation, an optional @ destination,
// and head terms (expressions or aggregates).
type Head struct {
	Pos  Pos
	Name Ident
	At   Expr // nil unless written as name@dest(...)
	Args []HeadArg
}

// HeadArg is one head term: exactly one of Expr and Agg is set.
type HeadArg struct {
	Expr Expr
	Agg  *Aggregate
}

// AggFunc names an aggregate function.
type AggFunc string

// The aggregate functions of the language.
const (
	AggCount  AggFunc = "count"  // count(*) counts rows; count(x, ...) counts distinct values
	AggSum    AggFunc = "sum"    // sum(x) over the distinct rows of the group
	AggMin    AggFunc = "min"    // min(x)
	AggMax    AggFunc = "max"    // max(x)
	AggChoose AggFunc = "choose" // choose(x): one row of the group, chosen by the caller
	AggIndex  AggFunc = "index"  // index(): numbers the rule's rows from 0
)

// Aggregate is an aggregate head term such as count(*) or max(b).
type Aggregate struct {
	Pos  Pos
	Func AggFunc
	Star bool     // count(*)
	Args []*Ident // aggregated variables; empty for index() and count(*)
}

// Literal is one body element.
type Literal interface {
	literalNode()
	Position() Pos
}

// Atom is a (possibly negated) relation in a body: r(x, _, 3) or !r(x).
// Built-in relations (hash, sign, verify, concat, less_than, component
// names, self) are atoms too; analysis tells them apart.
type Atom struct {
	Pos     Pos
	Negated bool
	Name    Ident
	Args    []Expr
}

// Compare is a comparison `a < b`, `(a < b)`, `a != b`, or an assignment
// `y = f(x)` / `y = x + 1`. Op is one of < <= > >= == != =. Parens records
// whether it was written in parentheses (Hydro style), for fmt.
type Compare struct {
	Pos    Pos
	Op     string
	Left   Expr
	Right  Expr
	Parens bool
}

func (*Atom) literalNode()    {}
func (*Compare) literalNode() {}

// Position implements Literal.
func (a *Atom) Position() Pos { return a.Pos }

// Position implements Literal.
func (c *Compare) Position() Pos { return c.Pos }

// Expr is a term: variable, wildcard, constant, arithmetic, function call
// or instance address.
type Expr interface {
	exprNode()
	Position() Pos
}

// Ident is a name: a variable, relation, component or function.
type Ident struct {
	Pos  Pos
	Name string
}

// Wildcard is `_`: matches anything, binds nothing.
type Wildcard struct{ Pos Pos }

// IntLit is an integer constant.
type IntLit struct {
	Pos   Pos
	Value int64
}

// StringLit is a string constant; Value is unquoted.
type StringLit struct {
	Pos   Pos
	Value string
}

// Binary is `a op b` with op one of + - * / %.
type Binary struct {
	Pos   Pos
	Op    string
	Left  Expr
	Right Expr
}

// Unary is `-x`: arithmetic negation. The parser folds a minus written
// directly before an integer literal into a negative IntLit instead (so
// that -9223372036854775808 is representable); Unary is for every other
// operand, e.g. -x or -(a + b). Op is always "-".
type Unary struct {
	Pos Pos
	Op  string
	X   Expr
}

// Paren is a parenthesised expression, kept so fmt reproduces it.
type Paren struct {
	Pos Pos
	X   Expr
}

// Call is a built-in function call in expression form: hash(x).
type Call struct {
	Pos  Pos
	Func Ident
	Args []Expr
}

// InstanceAddr is `comp[k]`: the address of instance k (mod the count) of
// component comp.
type InstanceAddr struct {
	Pos   Pos
	Comp  Ident
	Index Expr
}

// BadExpr stands for an expression that failed to parse.
type BadExpr struct{ Pos Pos }

func (*Ident) exprNode()        {}
func (*Wildcard) exprNode()     {}
func (*IntLit) exprNode()       {}
func (*StringLit) exprNode()    {}
func (*Binary) exprNode()       {}
func (*Unary) exprNode()        {}
func (*Paren) exprNode()        {}
func (*Call) exprNode()         {}
func (*InstanceAddr) exprNode() {}
func (*BadExpr) exprNode()      {}

// Position implements Expr.
func (e *Ident) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Wildcard) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *IntLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *StringLit) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Binary) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Unary) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Paren) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *Call) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *InstanceAddr) Position() Pos { return e.Pos }

// Position implements Expr.
func (e *BadExpr) Position() Pos { return e.Pos }

func (*Decl) itemNode()      {}
func (*Component) itemNode() {}
func (*Rule) itemNode()      {}
func (*Fact) itemNode()      {}
