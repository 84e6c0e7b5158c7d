package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLineReaderOverLongLineKeepsTooLong: a line that crosses the limit
// with more of it still to read is reported too long as a whole, not as
// its last piece in the reader's buffer: that piece may be a line of its
// own that passes every check.
func TestLineReaderOverLongLineKeepsTooLong(t *testing.T) {
	event := `{"event_id":"tail","customer_id":"cus_1","code":"api_calls","timestamp":"2026-01-01T00:00:00Z"}`
	// Garbage in whole buffers of 64 KiB past the limit, then the event:
	// the line's last piece, read from a buffer of its own, is the event.
	garbage := strings.Repeat("x", (maxLineBytes/(64<<10)+2)*(64<<10))
	t.Run("reader", func(t *testing.T) {
		lr := newLineReader(strings.NewReader(garbage + event + "\nnext\n"))
		if line, tooLong, err := lr.next(); err != nil || !tooLong {
			t.Fatalf("line 1: %d bytes (%.40q…), tooLong %v, err %v; want it too long", len(line), line, tooLong, err)
		}
		if line, tooLong, err := lr.next(); err != nil || tooLong || string(line) != "next" {
			t.Fatalf("line 2: %q, tooLong %v, err %v; want \"next\"", line, tooLong, err)
		}
	})
	t.Run("push", func(t *testing.T) { // refused, nothing sent
		pushTooLongTail(t, garbage+event+"\n"+event+"\n")
	})
}

func pushTooLongTail(t *testing.T, in string) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "push", "meteroid", "events", "--dry-run", path)
	if code != exitUsage || !strings.Contains(errOut, "line 1 is longer than the 16 MiB limit") {
		t.Errorf("exit %d, want %d with line 1 too long\n%s\n%s", code, exitUsage, out, errOut)
	}
}
