package sim

import (
	"fmt"
	"strings"
)

// One header grammar for every reproducer file, `dsim explore`'s
// (Reproducer) and `dsim check`'s (checker.Reproducer): a schedule (every
// choice of one run) preceded by comment lines, so that the file is itself
// a schedule that `dsim replay` reads:
//
//	# dsim KIND reproducer; see DOC          KIND: explore or check
//	# KEY: VALUE                             one field
//	# KEY:                                   a field whose value is the
//	#   LINE                                 indented lines that follow
//	dsim schedule v1
//	...
//
// KEY is lower-case words. Which keys a kind requires is its parser's
// business (ParseReproducer, checker.ParseReproducer); keys it does not
// know are informational and ignored, so that a newer file's extra
// fields do not break an older reader.

// ReproHeader is a reproducer file's header.
type ReproHeader struct {
	Kind   string // "explore", "check"; "" for an explore file written before the first line existed
	Doc    string // where the format is described (the first line's "see ...")
	Fields []ReproField
}

// ReproField is one `# KEY: VALUE` field, with its indented lines.
type ReproField struct {
	Key, Value string
	More       []string
	Line       int // 1-based line of the field in the file (0: not parsed)
}

// Add appends a field.
func (h *ReproHeader) Add(key, value string, more ...string) {
	h.Fields = append(h.Fields, ReproField{Key: key, Value: value, More: more})
}

// Get returns the first field named key.
func (h *ReproHeader) Get(key string) (ReproField, bool) {
	for _, f := range h.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return ReproField{}, false
}

// Text renders the header, one line each, ending in a newline.
func (h *ReproHeader) Text() string {
	var b strings.Builder
	b.WriteString("# dsim " + h.Kind + " reproducer")
	if h.Doc != "" {
		b.WriteString("; see " + h.Doc)
	}
	b.WriteByte('\n')
	for _, f := range h.Fields {
		b.WriteString("# " + f.Key + ":")
		if f.Value != "" {
			b.WriteString(" " + f.Value)
		}
		b.WriteByte('\n')
		for _, m := range f.More {
			b.WriteString("#   " + m + "\n")
		}
	}
	return b.String()
}

// ParseReproHeader reads the header of a reproducer file: its comment
// lines up to the schedule. name is used in errors.
func ParseReproHeader(name, text string) (*ReproHeader, error) {
	h := &ReproHeader{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if !strings.HasPrefix(line, "#") {
			break
		}
		body := strings.TrimPrefix(line, "#")
		if i == 0 {
			if rest, ok := strings.CutPrefix(body, " dsim "); ok {
				kind, after, ok := strings.Cut(rest, " reproducer")
				if !ok || kind == "" || strings.Contains(kind, " ") {
					return nil, fmt.Errorf("%s:1: bad reproducer header %q (hint: the first line is `# dsim KIND reproducer`, KIND explore or check)", name, line)
				}
				h.Kind = kind
				h.Doc = strings.TrimPrefix(strings.TrimSpace(after), "; see ")
				continue
			}
		}
		if strings.HasPrefix(body, "   ") {
			if len(h.Fields) == 0 {
				return nil, fmt.Errorf("%s:%d: an indented line before any field", name, i+1)
			}
			f := &h.Fields[len(h.Fields)-1]
			f.More = append(f.More, strings.TrimSpace(body))
			continue
		}
		key, value, ok := strings.Cut(strings.TrimSpace(body), ":")
		if !ok || key == "" {
			continue // a free comment
		}
		h.Fields = append(h.Fields, ReproField{Key: key, Value: strings.TrimSpace(value), Line: i + 1})
	}
	return h, nil
}
