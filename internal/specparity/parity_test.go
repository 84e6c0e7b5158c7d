package specparity

import (
	"encoding/json"
	"slices"
	"testing"
)

func parse(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Each kind of difference is found, through $ref, allOf and anyOf, and the
// allow-list accepts exactly what it names.
func TestCompare(t *testing.T) {
	ours := parse(t, `{"paths":{"/c":{"post":{
		"parameters":[{"in":"query","name":"page"}],
		"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"}}}},
		"responses":{"201":{"content":{"application/json":{"schema":{"allOf":[{"properties":{"id":{}}},{"properties":{"old":{}}}]}}}}}},
		"delete":{}}},
		"components":{"schemas":{"In":{"properties":{"name":{},"extra":{}}}}}}`)
	theirs := parse(t, `{"paths":{"/c":{"post":{
		"parameters":[{"in":"query","name":"page"},{"in":"query","name":"order_by"}],
		"requestBody":{"content":{"application/json":{"schema":{"anyOf":[{"properties":{"name":{}}},{"type":"null"}]}}}},
		"responses":{"201":{"content":{"application/json":{"schema":{"properties":{"id":{},"new":{}}}}}}}}}}}`)
	got, stale := Compare(ours, theirs, []Allowed{
		{Operation: "POST /c", Part: "request", Name: "extra", Side: "ours", Reason: "deliberate"},
		{Operation: "POST /c", Part: "request", Name: "gone", Side: "ours", Reason: "stale"},
	})
	var names []string
	for _, f := range got {
		names = append(names, f.String())
	}
	want := []string{
		"DELETE /c operation DELETE /c: only in ours",
		"POST /c query order_by: only in theirs",
		"POST /c response 201 new: only in theirs",
		"POST /c response 201 old: only in ours",
	}
	if !slices.Equal(names, want) {
		t.Errorf("findings\n%q\nwant\n%q", names, want)
	}
	if len(stale) != 1 || stale[0].Name != "gone" {
		t.Errorf("stale %+v", stale)
	}
}
