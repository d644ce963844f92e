package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dsim-project/dsim/corpus"
)

// readSource returns the text of a program named on the command line: a
// file on disk, or else (for names starting with corpus/) a program
// embedded in the binary, so that corpus programs work from any directory.
func readSource(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err == nil {
		return src, nil
	}
	if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(path, corpus.Prefix) {
		return corpus.Open(path)
	}
	return nil, fmt.Errorf("%v (hint: give a .ded file, or an embedded program such as corpus/hashset/base.ded)", err)
}
