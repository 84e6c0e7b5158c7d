// Command specparity compares one of our specs with the vendor's own
// OpenAPI file (see package specparity):
//
//	go run ./internal/specparity/cmd/specparity -ours specs/meteroid.yaml -theirs FILE -allow specs/parity-meteroid.yaml
//
// Exit status 1: a difference the allow-list does not name, or an entry
// that matches nothing.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/billbridge/billbridge/internal/specparity"
)

func main() {
	ours := flag.String("ours", "specs/meteroid.yaml", "our spec")
	theirs := flag.String("theirs", "", "the vendor's OpenAPI file")
	allow := flag.String("allow", "specs/parity-meteroid.yaml", "the allow-list of deliberate differences")
	flag.Parse()
	a, err := specparity.Load(*ours)
	check(err)
	b, err := specparity.Load(*theirs)
	check(err)
	allowed, err := specparity.LoadAllowed(*allow)
	check(err)
	findings, stale := specparity.Compare(a, b, allowed)
	for _, f := range findings {
		fmt.Println("difference:", f)
	}
	for _, s := range stale {
		fmt.Printf("stale allow-list entry (matches nothing): %s %s %s only in %s\n", s.Operation, s.Part, s.Name, s.Side)
	}
	if len(findings)+len(stale) > 0 {
		fmt.Fprintf(os.Stderr, "specparity: %d differences with %s not in %s, %d stale entries\n", len(findings), *theirs, *allow, len(stale))
		os.Exit(1)
	}
	fmt.Printf("specparity: %s matches %s but for %d listed differences\n", *ours, *theirs, len(allowed))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "specparity:", err)
		os.Exit(2)
	}
}
