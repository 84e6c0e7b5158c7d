//go:build !unix

package fault

import "time"

// fineSleep sleeps d on the runtime's timer where nanosleep(2) is not
// there.
func fineSleep(d time.Duration) { time.Sleep(d) }
