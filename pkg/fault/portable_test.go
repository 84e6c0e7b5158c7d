package fault

import (
	"os"
	"os/exec"
	"testing"
)

// TestBuildsOnEverySystem: the package (and with it every fake, and the
// command, which embeds them) builds where syscall has no Nanosleep
// (darwin, ios, aix: unix all the same) and where it is not unix.
func TestBuildsOnEverySystem(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the standard library the first time")
	}
	for _, target := range [][2]string{{"darwin", "arm64"}, {"ios", "arm64"}, {"aix", "ppc64"}, {"freebsd", "amd64"}, {"windows", "amd64"}} {
		cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
		cmd.Env = append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s/%s: %v\n%s", target[0], target[1], err, out)
		}
	}
}
