package molly

// Detect reports whether src reads as Molly's dialect rather than dsim's:
// outside comments, strings and backtick snippets, it has a ';' (which
// ends every Molly clause and is no dsim token), or @next or @async.
func Detect(src []byte) bool {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '/' && i+1 < len(src) && src[i+1] == '/', c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i+1 < len(src) && (src[i] != '*' || src[i+1] != '/') {
				i++
			}
			i++
		case c == '"' || c == '`':
			i++
			for i < len(src) && src[i] != c && (c == '`' || src[i] != '\n') {
				if c == '"' && src[i] == '\\' {
					i++
				}
				i++
			}
		case c == ';':
			return true
		case c == '@':
			rest := string(src[i+1 : min(len(src), i+6)])
			if len(rest) >= 4 && rest[:4] == "next" || rest == "async" {
				return true
			}
		}
	}
	return false
}
