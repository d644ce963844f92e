package analysis

// buildRelations turns the relations found by collectRelations, with their
// inferred column types, into the Program's sorted Relations.
func (a *analyser) buildRelations() {
	for _, name := range a.sortedRelNames() {
		ri := a.rels[name]
		r := &Relation{Name: name, Pos: ri.pos, Columns: append([]Column(nil), ri.cols...)}
		ri.rel = r
		a.prog.Relations = append(a.prog.Relations, r)
	}
}
