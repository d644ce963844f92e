package importer

import (
	"strings"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// keyPositions maps every dotted key path of a TOML document ("roles",
// "roles.leader", "roles.leader.count") to the position of the key, so
// that a manifest error can point at the entry it is about. The decoder
// (BurntSushi/toml) does not expose key positions; this scanner reads
// table headers, key = value lines and one level of inline tables, which
// is all a manifest needs. Keys it does not find fall back to their
// parent's position (see lookup).
type keyPositions map[string]syntax.Pos

func scanKeys(src []byte) keyPositions {
	kp := keyPositions{}
	prefix := ""
	depth := 0 // open brackets of a multi-line value
	for n, raw := range strings.Split(string(src), "\n") {
		line := stripComment(raw)
		trim := strings.TrimLeft(line, " \t")
		col := len(line) - len(trim) + 1
		if depth > 0 {
			depth += bracketDelta(trim)
			continue
		}
		switch {
		case trim == "":
		case strings.HasPrefix(trim, "["):
			inner := strings.TrimLeft(trim, "[")
			name := inner
			if k := strings.Index(inner, "]"); k >= 0 {
				name = inner[:k]
			}
			prefix = joinKey(splitKey(name))
			if prefix != "" {
				kp.add(prefix, syntax.Pos{Line: n + 1, Col: col + (len(trim) - len(inner))})
			}
		default:
			eq := strings.Index(trim, "=")
			if eq < 0 {
				continue
			}
			path := joinKey(append(splitKey(prefix), splitKey(trim[:eq])...))
			kp.add(path, syntax.Pos{Line: n + 1, Col: col})
			value := trim[eq+1:]
			vcol := col + eq + 1 + (len(value) - len(strings.TrimLeft(value, " \t")))
			kp.add(path+"=", syntax.Pos{Line: n + 1, Col: vcol})
			kp.inline(path, value, n+1, col+eq+1)
			depth = bracketDelta(value)
		}
	}
	return kp
}

func (kp keyPositions) add(path string, p syntax.Pos) {
	if _, ok := kp[path]; !ok {
		kp[path] = p
	}
}

// inline records the keys of an inline table value { a = 1, b = 2 }.
func (kp keyPositions) inline(path, value string, line, col int) {
	open := strings.Index(value, "{")
	if open < 0 {
		return
	}
	body := value[open+1:]
	off := col + open + 1
	for _, part := range strings.Split(body, ",") {
		if eq := strings.Index(part, "="); eq >= 0 {
			k := strings.TrimSpace(part[:eq])
			lead := len(part) - len(strings.TrimLeft(part, " \t"))
			kp.add(path+"."+strings.Trim(k, `"`), syntax.Pos{Line: line, Col: off + lead})
		}
		off += len(part) + 1
	}
}

// lookup returns the position of path, else of its longest known prefix,
// else line 1.
func (kp keyPositions) lookup(path ...string) syntax.Pos {
	for n := len(path); n > 0; n-- {
		if p, ok := kp[joinKey(path[:n])]; ok {
			return p
		}
	}
	return syntax.Pos{Line: 1, Col: 1}
}

// value returns the position of path's value (after the =), else of the
// key.
func (kp keyPositions) value(path ...string) syntax.Pos {
	if p, ok := kp[joinKey(path)+"="]; ok {
		return p
	}
	return kp.lookup(path...)
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// splitKey splits a dotted key, honouring "quoted" parts.
func splitKey(s string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	for _, c := range s {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '.' && !quoted:
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	if t := strings.TrimSpace(cur.String()); t != "" || len(parts) > 0 {
		parts = append(parts, t)
	}
	return parts
}

// stripComment drops a # comment outside strings.
func stripComment(line string) string {
	quoted := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case '#':
			if !quoted {
				return line[:i]
			}
		}
	}
	return line
}

// bracketDelta counts opened minus closed brackets outside strings.
func bracketDelta(s string) int {
	d, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case '[', '{':
			if !quoted {
				d++
			}
		case ']', '}':
			if !quoted {
				d--
			}
		}
	}
	return d
}
