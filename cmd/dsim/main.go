package main
import (
 _ "pgregory.net/rapid"
 _ "github.com/google/go-cmp/cmp"
 _ "github.com/stretchr/testify/require"
 _ "gonum.org/v1/gonum/graph/topo"
 _ "github.com/urfave/cli/v2"
)
func main(){}
