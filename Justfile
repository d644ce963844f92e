# Convenience recipes. Nothing in the README requires `just`.

# Run the whole test suite (what CI runs).
test:
    go test ./...

# Static checks.
vet:
    go vet ./...
    test -z "$(gofmt -l .)"

# Fuzz every parser target for a while (FUZZTIME=2m by default).
fuzz fuzztime="2m":
    go test ./semantics/syntax -run='^$' -fuzz=FuzzLex -fuzztime={{fuzztime}}
    go test ./semantics/syntax -run='^$' -fuzz=FuzzParse -fuzztime={{fuzztime}}
    go test ./semantics/analysis -run='^$' -fuzz=FuzzAnalyse -fuzztime={{fuzztime}}

# Benchmarks of the hot paths; figures go to docs/PERFORMANCE.md.
bench:
    go test ./... -run='^$' -bench=. -benchmem
