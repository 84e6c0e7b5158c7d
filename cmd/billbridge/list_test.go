package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
)

// listedIDs reads the JSON Lines of "billbridge list" as the spec's response
// shape (nothing else: unknown fields fail) and returns the ids id picks.
func listedIDs[T any](t *testing.T, stdout string, id func(T) string) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e T
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || id(e) == "" {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ids = append(ids, id(e))
	}
	return ids
}
