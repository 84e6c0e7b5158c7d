package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync"

	"github.com/billbridge/billbridge"
)

// idResult is the line "delete", "archive" and "send" print per id.
type idResult struct {
	ID          string `json:"id"`
	OK          bool   `json:"ok"`
	Status      int    `json:"status,omitempty"`
	AlreadyGone bool   `json:"already_gone,omitempty"`
	Error       string `json:"error,omitempty"`
}

// eachCommand runs "billbridge delete|archive|send <provider> <resource>
// ID...": one request per id through the registry's facade method, one JSON
// line per id on stdout in input order; failed reports that some id failed
// (exit 1). Ids come from the arguments and, with --from FILE (or a lone
// "-" argument, stdin), one per line; blank lines are skipped.
func eachCommand(ctx context.Context, verb string, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	var f readFlags
	var from string
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, false)
	fs.StringVar(&from, "from", "", `read ids one per line from FILE ("-": stdin), after those given as arguments`)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: billbridge %s <provider> <resource> <id>... [--from FILE|-] [flags]\n", verb)
		fmt.Fprintf(stderr, "pairs: %s\n", pairNames(verb))
		fmt.Fprintln(stderr, `prints one JSON line per id: {"id":…,"ok":…,"status":…,"error":…} ("already_gone": true when a retry found it gone)`)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return false, nil
	}
	if err != nil {
		return false, usagef("%v", err)
	}
	if len(pos) < 2 {
		return false, usagef("%s wants <provider> <resource> <id>..., got %q", verb, pos)
	}
	prov, v, err := lookup(verb, pos[0], pos[1])
	if err != nil {
		return false, err
	}
	ids := pos[2:]
	if len(ids) == 1 && ids[0] == "-" && from == "" {
		ids, from = nil, "-"
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" || id == "-" {
			return false, usagef("%s: %q is not an id (read ids from stdin with --from - or a lone -)", verb, id)
		}
	}
	var in io.Reader
	switch from {
	case "":
		if len(ids) == 0 {
			return false, usagef("%s %s %s: give the ids as arguments or with --from FILE|-", verb, pos[0], pos[1])
		}
	case "-":
		in = stdin
	default:
		file, err := os.Open(from)
		if err != nil {
			return false, usagef("--from: %v", err)
		}
		defer file.Close()
		in = file
	}
	opts, stop, err := f.clientOptions(prov)
	if err != nil {
		return false, err
	}
	defer stop()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	// The facade reads the ids as it sends them; given tracks each id by
	// its index until its result is printed (a failed item's result may not
	// carry it).
	var (
		mu      sync.Mutex
		given   = map[int]string{}
		readErr error
	)
	all := func(yield func(string) bool) {
		next := 0
		give := func(id string) bool {
			mu.Lock()
			given[next] = id
			next++
			mu.Unlock()
			return yield(id)
		}
		for _, id := range ids {
			if !give(id) {
				return
			}
		}
		if in == nil {
			return
		}
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if id := strings.TrimSpace(sc.Text()); id != "" && !give(id) {
				return
			}
		}
		mu.Lock()
		readErr = sc.Err()
		mu.Unlock()
	}
	results, _, err := v.each(ctx, opts, iter.Seq[string](all))
	if err != nil {
		return false, usagef("%v", err)
	}
	enc := json.NewEncoder(stdout)
	var refused error
	n := 0
	for r := range results {
		n++
		mu.Lock()
		id, ok := given[r.Index]
		delete(given, r.Index)
		mu.Unlock()
		if !ok {
			id = r.Value
		}
		line := idResult{ID: id, OK: r.Err == nil, Status: r.Status, AlreadyGone: r.AlreadyGone}
		if r.Err != nil {
			failed = true
			line.Error = r.Err.Error()
			if refused == nil && errors.Is(r.Err, billbridge.ErrUnauthorized) {
				refused = r.Err
			}
		}
		if err := enc.Encode(line); err != nil {
			return true, fmt.Errorf("writing stdout: %w", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if readErr != nil {
		return true, fmt.Errorf("reading ids: %w", readErr)
	}
	if refused != nil {
		return true, refused // a credential error: exit 2, said once
	}
	if n == 0 {
		return false, usagef("%s: no ids", verb)
	}
	return failed, nil
}
