package main

import (
	"strings"
	"testing"
)

// -h and --help print the command's usage to stderr and exit 0 on every
// command, and run nothing (demo --help does not push its sample data);
// the top-level help goes to stdout.
func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range []string{"push", "list", "get", "fake", "demo"} {
		for _, h := range []string{"-h", "--help", "-help"} {
			code, stdout, stderr := runCLI(t, "", cmd, h)
			if code != exitOK || stdout != "" || !strings.HasPrefix(stderr, "usage: billbridge "+cmd) {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want 0, nothing, the usage", cmd, h, code, stdout, stderr)
			}
		}
	}
	// After the positional arguments too.
	if code, _, stderr := runCLI(t, "", "list", "tight", "customers", "--help"); code != exitOK || !strings.Contains(stderr, "--page-size") {
		t.Errorf("list tight customers --help: exit %d, stderr %q", code, stderr)
	}
	for _, h := range []string{"-h", "--help", "-help", "help"} {
		if code, stdout, _ := runCLI(t, "", h); code != exitOK || !strings.HasPrefix(stdout, "usage:") {
			t.Errorf("billbridge %s: exit %d, stdout %q", h, code, stdout)
		}
	}
	// Usage errors still exit 2.
	for _, args := range [][]string{{}, {"demo", "extra"}, {"list", "--no-such-flag"}, {"nope"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("billbridge %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
