//go:build !unix || darwin || aix

package fault

import "time"

// fineSleep sleeps d on the runtime's timer where syscall has no
// Nanosleep: not unix, or darwin (ios too) and aix, whose nanosleep is
// libc's.
func fineSleep(d time.Duration) { time.Sleep(d) }
