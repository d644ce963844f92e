package molly

import "github.com/dsim-project/dsim/semantics/syntax"

// This file holds the tree of a Molly-dialect file, before translation.

// timeKind says when a predicate holds.
type timeKind int

const (
	timeNone  timeKind = iota // same round
	timeNext                  // @next
	timeAsync                 // @async
	timeAt                    // @N
)

// file is one parsed file.
type file struct {
	name     string
	src      []byte
	includes []include
	rules    []*rule
	facts    []*pred
}

type include struct {
	pos  syntax.Pos
	path string
}

// pred is a predicate: a head, a body atom or a fact.
type pred struct {
	pos   syntax.Pos
	file  *file
	name  string
	args  []term
	notin bool
	time  timeKind
	at    int64 // for timeAt
}

// rule is `head :- body;`.
type rule struct {
	pos   syntax.Pos
	file  *file
	head  *pred
	atoms []*pred // body predicates, in source order
	quals []*qual // body comparisons, in source order
	order []int   // body elements in source order: i >= 0 atom i, -1-i qual i
}

// qual is a body comparison `a op b`.
type qual struct {
	pos syntax.Pos
	op  string
	l   term
	r   term
}

// term is a predicate argument or an operand.
type term interface{ position() syntax.Pos }

type (
	varTerm struct {
		pos  syntax.Pos
		name string // "_" is the wildcard
	}
	strTerm struct {
		pos syntax.Pos
		s   string
	}
	intTerm struct {
		pos syntax.Pos
		i   int64
	}
	aggTerm struct {
		pos       syntax.Pos
		fn, varNm string
	}
	binTerm struct {
		pos  syntax.Pos
		op   string
		l, r term
	}
)

func (t *varTerm) position() syntax.Pos { return t.pos }
func (t *strTerm) position() syntax.Pos { return t.pos }
func (t *intTerm) position() syntax.Pos { return t.pos }
func (t *aggTerm) position() syntax.Pos { return t.pos }
func (t *binTerm) position() syntax.Pos { return t.pos }
