package meteroid

import (
	"runtime"
	"strconv"
	"testing"
)

// A call starts with an empty window: its table grows with the pairs it
// holds. Made at its full size it cost every call about 1.5 MB cleared
// before the first request (5 ms of a push's start, BENCHMARKS.md §7).
func TestRepeatWindowStartsSmall(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const calls = 10
	windows := make([]*repeatWindow, calls)
	for i := range windows {
		windows[i] = newRepeatWindow(RepeatWindow)
		windows[i].add("evt", "cus", 0)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
		t.Fatalf("%d new windows holding one pair each allocated %d bytes, want under 256 KiB", calls, got)
	}
	runtime.KeepAlive(windows)
}

// The window keeps what its doc promises as it grows and turns over: the
// last RepeatWindow/2 pairs at least, RepeatWindow at most.
func TestRepeatWindowBounds(t *testing.T) {
	w := newRepeatWindow(8)
	for i := range 20 {
		if _, ok := w.add("evt-"+strconv.Itoa(i), "cus", i); !ok {
			t.Fatalf("pair %d taken for a repeat", i)
		}
	}
	for i := 16; i < 20; i++ { // the last half are held
		if earlier, ok := w.add("evt-"+strconv.Itoa(i), "cus", 100); ok || earlier != i {
			t.Fatalf("repeat of pair %d: earlier %d, ok %v", i, earlier, ok)
		}
	}
	if _, ok := w.add("evt-0", "cus", 101); !ok {
		t.Fatal("pair 0, 20 pairs back in a window of 8, still held")
	}
	if _, ok := w.add("evt-1", "cus-other", 102); !ok {
		t.Fatal("another customer's pair taken for a repeat")
	}
	// Event ids and customers may hold NUL (JSON's \u0000).
	w.add("a\x00b", "c", 103)
	if _, ok := w.add("a", "b\x00c", 104); !ok {
		t.Fatal(`("a", "b\x00c") taken for a repeat of ("a\x00b", "c")`)
	}
}
