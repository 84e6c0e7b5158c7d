package validate

import (
	"strings"
	"testing"
)

// TestSchemasReadsOnlyTheNamed: Schemas decodes the named schemas of an
// extract, names the one that cannot be read or is missing, and leaves
// the others alone (a schema it is not asked for may even be malformed).
func TestSchemasReadsOnlyTheNamed(t *testing.T) {
	extract := []byte(`{"Good":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}},"Bad":{"type":5},"Other":{"type":5}}`)
	vs, err := Schemas("p", extract, "Good")()
	if err != nil || len(vs) != 1 {
		t.Fatalf("Good alone: %d validators, %v", len(vs), err)
	}
	if err := vs[0].Check(0, map[string]any{}); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("an item without the required name: %v, want an error naming it", err)
	}
	if _, err := Schemas("p", extract, "Good", "Bad")(); err == nil || !strings.Contains(err.Error(), "Bad") {
		t.Errorf("a malformed schema asked for: %v, want an error naming it", err)
	}
	if _, err := Schemas("p", extract, "Missing")(); err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Errorf("a missing schema: %v, want an error naming it", err)
	}
}

// TestSchemasNullIsMissing: a schema given as null is no schema (as when
// the whole extract was decoded into schemas), not an empty one that
// would let every item through.
func TestSchemasNullIsMissing(t *testing.T) {
	extract := []byte(`{"Good":{"type":"object","required":["name"]},"Null":null}`)
	if vs, err := Schemas("p", extract, "Good", "Null")(); err == nil || !strings.Contains(err.Error(), "Null") {
		t.Errorf("a null schema: %d validators, %v; want an error naming it", len(vs), err)
	}
}
