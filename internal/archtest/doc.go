// Package archtest holds the dependency rules of ../shared/DESIGN.md (the
// folders table and conventions 1 and 2) as an ordinary test, so they fail
// `go test ./...` the day they drift instead of being found by reading. It
// has no code of its own: the rules, the checker and its tests are in
// deps_test.go.
package archtest
