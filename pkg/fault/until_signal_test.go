//go:build linux

package fault

import (
	"context"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSleepUntilThroughSignals: a signal that lands on the thread while
// the operating system sleeps the last stretch (nanosleep(2) returns
// EINTR, whatever SA_RESTART says) does not end the wait before its time.
// SIGURG is the runtime's own preemption signal, harmless to send; a
// SIGCHLD or a SIGPROF lands the same way.
func TestSleepUntilThroughSignals(t *testing.T) {
	for i := range 20 {
		until := time.Now().Add(coarse / 2) // within the last stretch only
		var tid atomic.Int32
		done := make(chan time.Time)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tid.Store(int32(syscall.Gettid()))
			sleepUntil(context.Background(), until)
			done <- time.Now()
		}()
		for tid.Load() == 0 {
			runtime.Gosched()
		}
		pid := syscall.Getpid()
	signal:
		for {
			select {
			case at := <-done:
				if at.Before(until) {
					t.Fatalf("round %d: sleepUntil returned %v before its time", i, until.Sub(at))
				}
				break signal
			default:
				_ = syscall.Tgkill(pid, int(tid.Load()), syscall.SIGURG)
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
}
