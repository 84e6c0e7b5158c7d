package main

import (
	"strings"
	"testing"
)

// TestCSVQuotedHeaderAfterBOM: a spreadsheet's export that quotes every
// field and begins with a byte order mark converts like the unquoted one.
func TestCSVQuotedHeaderAfterBOM(t *testing.T) {
	in := "\uFEFF\"customer_id\",\"code\",\"timestamp\",\"region\"\r\n" +
		"\"cus_1\",\"calls\",\"2026-12-06T03:00:00Z\",\"eu, west\"\r\n"
	var out strings.Builder
	if err := (eventsJob{}).csvToJSONLines(strings.NewReader(in), &out); err != nil {
		t.Fatalf("csvToJSONLines: %v", err)
	}
	want := `{"code":"calls","customer_id":"cus_1","event_id":"","properties":{"region":"eu, west"},"timestamp":"2026-12-06T03:00:00Z"}` + "\n"
	if got := out.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestCSVRefusesInvalidUTF8: a cell that is not UTF-8 (a Latin-1 export)
// is refused, naming the row, rather than sent with U+FFFD in its place
// (JSON Lines input refuses such a line too).
func TestCSVRefusesInvalidUTF8(t *testing.T) {
	in := "customer_id,code,timestamp,city\n" +
		"cus_1,calls,2026-12-06T03:00:00Z,Paris\n" +
		"cus_1,calls,2026-12-06T03:00:01Z,Caf\xe9\n"
	var out strings.Builder
	err := (eventsJob{}).csvToJSONLines(strings.NewReader(in), &out)
	if err == nil || !strings.Contains(err.Error(), "row 2") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("got %v; output %q", err, out.String())
	}
}
