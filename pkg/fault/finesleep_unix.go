//go:build unix && !darwin && !aix

package fault

import (
	"syscall"
	"time"
)

// fineSleep sleeps d in one nanosleep(2): the thread blocks, and the Go
// scheduler runs other goroutines on another thread meanwhile.
func fineSleep(d time.Duration) {
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil)
}
