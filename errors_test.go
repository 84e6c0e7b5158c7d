package billbridge

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestAPIErrorMatchingAndText(t *testing.T) {
	ae := &APIError{Provider: "tight", Operation: "saveCustomers", StatusCode: 422, Code: "REQUIRED",
		Message: "email is required", Param: "data/0/email", RequestID: "req_42", Err: io.ErrUnexpectedEOF}
	err := fmt.Errorf("item 3: %w", fmt.Errorf("chunk 0: %w", ae))
	var got *APIError
	if !errors.As(err, &got) || got != ae {
		t.Fatalf("errors.As through wrapping failed: %v", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal("errors.Is does not reach APIError.Err")
	}
	text := ae.Error()
	for _, want := range []string{"tight", "saveCustomers", "HTTP 422", "REQUIRED", "email is required", "data/0/email", "req_42", io.ErrUnexpectedEOF.Error()} {
		if !strings.Contains(text, want) {
			t.Errorf("Error() = %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "\n") {
		t.Errorf("Error() spans lines: %q", text)
	}
	if got := (&APIError{Operation: "createToken", StatusCode: 401}).Error(); got != "createToken: HTTP 401" {
		t.Errorf("Error() = %q", got)
	}
	// The cause is not repeated when the message already says it.
	dup := &APIError{Provider: "meteroid", Operation: "getPlan", Message: "failed: boom", Err: errors.New("boom")}
	if strings.Count(dup.Error(), "boom") != 1 {
		t.Errorf("Error() = %q repeats the cause", dup.Error())
	}
}

func TestValidationError(t *testing.T) {
	if got := (&ValidationError{Index: 2, Field: "lineItems/0/quantity", Reason: "must be positive"}).Error(); got != "item 2: field lineItems/0/quantity: must be positive" {
		t.Errorf("got %q", got)
	}
	if got := (&ValidationError{Index: 0, Reason: "empty"}).Error(); got != "item 0: empty" {
		t.Errorf("got %q", got)
	}
}

func TestOutcomeUnknownWrapping(t *testing.T) {
	err := fmt.Errorf("%w: %w", ErrOutcomeUnknown, io.EOF)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, io.EOF) {
		t.Fatal("ErrOutcomeUnknown wrapping")
	}
}
