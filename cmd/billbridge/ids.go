package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"slices"
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
	// Path is the file a success wrote (download).
	Path string `json:"path,omitempty"`
}

// eachCommand runs "billbridge delete|archive|send <provider> <resource>
// ID...": one request per id through the registry's facade method, one JSON
// line per id on stdout in input order; failed reports that some id failed
// (exit 1). Ids come from the arguments and, with --from FILE (or a lone
// "-" argument, stdin), one per line; blank lines are skipped. The verb's
// own flags (verbDef.flags, such as download's --dir) are checked once the
// pair is known, before anything is read or sent.
func eachCommand(ctx context.Context, verb string, args []string, stdin io.Reader, stdout, stderr io.Writer) (failed bool, err error) {
	var f readFlags
	var from string
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, false)
	fs.StringVar(&from, "from", "", `read ids one per line from FILE ("-": stdin), after those given as arguments`)
	for _, vf := range verbFlags(verb) {
		fs.String(vf.name, vf.def, vf.usage)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: billbridge %s <provider> <resource> <id>... [--from FILE|-]%s [flags]\n", verb, verbFlagSynopsis(verb))
		fmt.Fprintf(stderr, "pairs: %s\n", pairNames(verb))
		fmt.Fprint(stderr, `prints one JSON line per id: {"id":…,"ok":…,"status":…,"error":…} ("already_gone": true when a retry found it gone`)
		if writesFiles(verb) {
			fmt.Fprint(stderr, `; "path": the file a success wrote`)
		}
		fmt.Fprintln(stderr, ")")
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
	values, err := v.flagValues(fs, verb+" "+pos[0]+" "+pos[1])
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
	results, _, err := v.each(ctx, opts, iter.Seq[string](all), values)
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
		if v.paths && r.Err == nil {
			line.Path = r.Value
		}
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

// flagValues are the values of v's own flags as set parsed them (the
// default where one was left out), each checked; a flag that another pair
// of the verb takes and v does not is refused. pair names the command in
// the errors.
func (v *verbDef) flagValues(set *flag.FlagSet, pair string) (verbValues, error) {
	values := verbValues{}
	for _, vf := range v.flags {
		values[vf.name] = vf.def
	}
	var refused error
	set.Visit(func(fl *flag.Flag) {
		if !slices.ContainsFunc(verbFlags(v.name), func(vf verbFlag) bool { return vf.name == fl.Name }) {
			return // a flag all verbs over ids share
		}
		if _, ok := values[fl.Name]; !ok {
			if refused == nil {
				refused = usagef("--%s: %s takes no such flag", fl.Name, pair)
			}
			return
		}
		values[fl.Name] = fl.Value.String()
	})
	if refused != nil {
		return nil, refused
	}
	for _, vf := range v.flags {
		if vf.check == nil {
			continue
		}
		if err := vf.check(values[vf.name]); err != nil {
			return nil, err
		}
	}
	return values, nil
}

// checkOutputDir is the check of a verb's --dir: dir is an existing
// directory in which this process can create files, so that a typo or a
// read-only place is one usage error naming it before any request, not a
// failure per id after the fake or the provider was reached. The directory
// is not created: a mistyped name would make a tree somewhere unexpected.
func checkOutputDir(dir string) error {
	if dir == "" {
		return usagef("--dir: empty (leave it out for the working directory)")
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("--dir %s: no such directory (create it first: downloads do not create it)", dir)
	case err != nil:
		return usagef("--dir %s: %v", dir, errors.Unwrap(err))
	case !info.IsDir():
		return usagef("--dir %s: not a directory", dir)
	}
	// A file of the kind the downloads write first, removed at once.
	probe, err := os.CreateTemp(dir, ".billbridge-*.pdf.part")
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return usagef("--dir %s: cannot create files there: %v", dir, err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return usagef("--dir %s: cannot remove files there: %v", dir, err)
	}
	return nil
}

// writesFiles reports whether a pair of verb writes files (verbDef.paths).
func writesFiles(verb string) bool {
	for _, v := range pairsOf(verb) {
		if v.paths {
			return true
		}
	}
	return false
}
