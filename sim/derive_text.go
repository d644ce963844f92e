package sim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Text renders the tree, one fact a line, children indented under the
// fact they explain.
func (x *Derivation) Text() string {
	var b strings.Builder
	x.write(&b, "")
	return b.String()
}

func (x *Derivation) write(b *strings.Builder, indent string) {
	fmt.Fprintf(b, "%s%s at %s @%d tick %d: %s\n", indent, x.Fact, x.Node, x.Time, x.Tick, x.How())
	for _, c := range x.Children {
		c.write(b, indent+"  ")
	}
}

// How says in words why the fact held.
func (x *Derivation) How() string {
	var s string
	switch x.Kind {
	case "input":
		s = fmt.Sprintf("input from client %d", x.Client)
	case "static":
		s = "static fact"
	case "timer":
		s = "timer firing"
	case "message":
		s = fmt.Sprintf("message from %s, sent @%d tick %d", x.FromNode, x.FromTime, x.From)
		if x.Rule != "" {
			s += " by rule " + x.Rule
		}
	case "rule":
		s = "rule " + x.Rule
	case "carried":
		s = fmt.Sprintf("carried from tick %d @%d by rule %s", x.From, x.FromTime, x.Rule)
	case "persisted":
		s = fmt.Sprintf("persisted since tick %d @%d by rule %s", x.From, x.FromTime, x.Rule)
	default:
		s = x.Kind
	}
	if len(x.Absent) > 0 {
		s += ", with " + strings.Join(x.Absent, ", ") + " absent"
	}
	if x.Note != "" {
		s += " (" + x.Note + ")"
	}
	if x.Choice != "" {
		s += "; chosen by " + x.Choice
	}
	return s
}

type jsonDerivation struct {
	Fact     string            `json:"fact"`
	Node     string            `json:"node"`
	Time     int64             `json:"time"`
	Tick     int               `json:"tick"`
	Kind     string            `json:"kind"`
	Rule     string            `json:"rule,omitempty"`
	From     *jsonFrom         `json:"from,omitempty"`
	Client   *int              `json:"client,omitempty"`
	Absent   []string          `json:"absent,omitempty"`
	Choice   string            `json:"choice,omitempty"`
	Note     string            `json:"note,omitempty"`
	Children []*jsonDerivation `json:"children,omitempty"`
}

type jsonFrom struct {
	Node string `json:"node"`
	Time int64  `json:"time"`
	Tick int    `json:"tick"`
}

func (x *Derivation) toJSON() *jsonDerivation {
	j := &jsonDerivation{Fact: x.Fact.String(), Node: x.Node.String(), Time: x.Time, Tick: x.Tick, Kind: x.Kind, Rule: x.Rule, Absent: x.Absent, Choice: x.Choice, Note: x.Note}
	switch x.Kind {
	case "message", "carried", "persisted":
		j.From = &jsonFrom{Node: x.FromNode.String(), Time: x.FromTime, Tick: x.From}
	case "input":
		c := x.Client
		j.Client = &c
	}
	for _, c := range x.Children {
		j.Children = append(j.Children, c.toJSON())
	}
	return j
}

// MarshalJSON renders the tree with facts and addresses in their text
// form.
func (x *Derivation) MarshalJSON() ([]byte, error) { return json.Marshal(x.toJSON()) }
