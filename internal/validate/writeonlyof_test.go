package validate

import (
	"errors"
	"testing"
)

// WriteOnlyOf reads the writeOnly fields of the validator it names, and
// none when the schemas cannot be read.
func TestWriteOnlyOf(t *testing.T) {
	extract := []byte(`{"Item":{"type":"object","properties":{"name":{"type":"string"},"secret":{"type":"string","writeOnly":true}}}}`)
	load := Schemas("test", extract, "Item")
	if got := WriteOnlyOf(load, 0); len(got) != 1 || !got["secret"] {
		t.Errorf("WriteOnlyOf: %v, want secret", got)
	}
	broken := func() ([]*Validator, error) { return nil, errors.New("unreadable") }
	if got := WriteOnlyOf(broken, 0); got != nil {
		t.Errorf("WriteOnlyOf of unreadable schemas: %v, want none", got)
	}
}
