package main

import (
	"testing"

	"github.com/billbridge/billbridge/pkg/tight"
)

// The baseline stamps the same create key field as the facade, or the
// benchmark would compare different payloads.
func TestCreateKeyFieldIsTights(t *testing.T) {
	if createKeyField != tight.CreateKeyField {
		t.Fatalf("createKeyField = %q, want tight.CreateKeyField %q", createKeyField, tight.CreateKeyField)
	}
}
