// Command specgate runs the spec gate (see package specgate) on specs/:
//
//	go run ./internal/specgate/cmd/specgate [-dir specs] [-base REF] [tight chargeover meteroid]
//
// The base can also be forced with SPECGATE_BASE. Exit status 1: the gate failed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/billbridge/billbridge/internal/specgate"
)

func main() {
	dir := flag.String("dir", "specs", "the specs directory")
	base := flag.String("base", os.Getenv("SPECGATE_BASE"), "compare with this git ref instead of choosing one (default $SPECGATE_BASE)")
	allow := flag.String("allowlist", "", "allow-list file (default <dir>/breaking-changes.yaml)")
	changelog := flag.String("changelog", "", "changelog file (default <dir>/CHANGELOG.md)")
	flag.Parse()
	specs := flag.Args()
	if len(specs) == 0 {
		specs = []string{"tight", "chargeover", "meteroid"}
	}
	_, err := specgate.Run(specgate.Config{Dir: *dir, Specs: specs, Allowlist: *allow, Changelog: *changelog, Base: *base}, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
