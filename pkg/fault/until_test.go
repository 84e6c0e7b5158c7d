package fault

import (
	"context"
	"testing"
	"time"
)

// TestSleepUntil: sleepUntil returns true at t or later, whether t is
// within the last stretch it sleeps by the operating system or beyond it,
// and false, early, once its context ends.
func TestSleepUntil(t *testing.T) {
	for _, d := range []time.Duration{-time.Millisecond, 0, 300 * time.Microsecond, coarse / 2, coarse + 3*time.Millisecond} {
		until := time.Now().Add(d)
		if !sleepUntil(context.Background(), until) {
			t.Fatalf("%v: sleepUntil returned false without a cancel", d)
		}
		if now := time.Now(); now.Before(until) {
			t.Errorf("%v: returned %v before its time", d, until.Sub(now))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if sleepUntil(ctx, time.Now().Add(time.Hour)) {
		t.Error("sleepUntil returned true for a context that ended an hour before its time")
	}
	if sleepUntil(ctx, time.Now().Add(coarse/2)) {
		t.Error("sleepUntil returned true for a context already ended")
	}
}
