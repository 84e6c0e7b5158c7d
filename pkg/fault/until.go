package fault

import (
	"context"
	"time"
)

// coarse is how early sleepUntil stops waiting on the runtime's timer: Go
// wakes a timer through epoll, whose timeout counts whole milliseconds,
// so a timer is often late by a fraction of one (measured here 0.2 ms on
// average; 20.59 ms for a 20 ms answer, 20.50 ms with this).
const coarse = 2 * time.Millisecond

// sleepUntil waits until t or until ctx ends (false). The last stretch
// before t is slept by the operating system (fineSleep), which wakes
// within tens of microseconds, so that an answer held until t (FromArrival)
// leaves when it says.
func sleepUntil(ctx context.Context, t time.Time) bool {
	if d := time.Until(t) - coarse; d > 0 && !sleep(ctx, d) {
		return false
	}
	// nanosleep(2) ends early when a signal lands on the thread (EINTR:
	// a SIGCHLD, a SIGPROF, the runtime's SIGURG), so sleep again what is
	// left of it.
	if ctx.Err() != nil {
		return false
	}
	for d := time.Until(t); d > 0; d = time.Until(t) {
		fineSleep(d)
	}
	return true
}
