package specs_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/tightapi"
)

// Importing a generated client costs next to nothing at start: its
// embedded spec is decoded on first use (specs/templates/inline.tmpl), not
// while the package initialises. oapi-codegen's own template decoded it at
// init, about 2 ms and half a megabyte per client package for every
// program, a CLI's one-line push included. This runs the test binary again
// with GODEBUG=inittrace=1 and reads what each client package's init
// allocated.
func TestClientPackagesDecodeSpecLazily(t *testing.T) {
	if os.Getenv("BILLBRIDGE_INITTRACE_CHILD") != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientPackagesDecodeSpecLazily$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "BILLBRIDGE_INITTRACE_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.Bytes())
	}
	for _, pkg := range []string{"tightapi", "chargeoverapi", "meteroidapi"} {
		// init github.com/.../gen/tightapi @12 ms, 0.010 ms clock, 1024 bytes, 12 allocs
		re := regexp.MustCompile(`init github.com/billbridge/billbridge/gen/` + pkg + ` @[^,]*, [^,]*, (\d+) bytes`)
		m := re.FindSubmatch(stderr.Bytes())
		if m == nil {
			continue // nothing allocated at init: the runtime leaves no line
		}
		if n, _ := strconv.Atoi(string(m[1])); n > 64<<10 {
			t.Errorf("gen/%s allocates %d bytes while initialising, want under 64 KiB (is its spec decoded at init again?)", pkg, n)
		}
	}
	// The spec is still there on first use, the same bytes each time.
	for name, get := range map[string]func() ([]byte, error){
		"tightapi": tightapi.GetSpecJSON, "chargeoverapi": chargeoverapi.GetSpecJSON, "meteroidapi": meteroidapi.GetSpecJSON,
	} {
		a, err := get()
		if err != nil || len(a) < 1000 || a[0] != '{' {
			t.Fatalf("%s.GetSpecJSON: %d bytes, %v", name, len(a), err)
		}
		if b, _ := get(); &a[0] != &b[0] {
			t.Errorf("%s.GetSpecJSON decoded the spec twice", name)
		}
	}
}
