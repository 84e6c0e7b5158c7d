package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/billbridge/billbridge"
)

// checkResultsPath refuses a --results file that is the input (also through
// a link), and an earlier run's non-empty file unless --resume or --force.
func checkResultsPath(f *pushFlags, input string) error {
	if f.results == "" {
		return nil
	}
	rs, err := os.Stat(f.results)
	exists := err == nil
	if input != "-" {
		if is, err := os.Stat(input); err == nil {
			for _, p := range []string{f.results, inflightPath(f.results)} {
				if ps, err := os.Stat(p); err == nil && os.SameFile(is, ps) {
					return usagef("--results %s is the input file %s: the results would overwrite it", p, input)
				}
			}
		}
	}
	if f.resume && (!exists || !rs.Mode().IsRegular()) {
		if !exists {
			return nil // nothing to continue: a fresh push
		}
		return usagef("--resume: %s is not a regular file, nothing to continue", f.results)
	}
	if f.resume || f.force || !exists || !rs.Mode().IsRegular() {
		return nil
	}
	if rs.Size() > 0 {
		return usagef("--results %s holds the results of an earlier push (%d bytes): give --resume to continue it, or --force to replace it", f.results, rs.Size())
	}
	if ms, err := os.Stat(inflightPath(f.results)); err == nil && ms.Size() > 0 {
		return usagef("--results: %s records lines an earlier push may have sent: give --resume to continue that push, or --force to start over", inflightPath(f.results))
	}
	return nil
}

// openResults opens the journal (and the record of lines in flight) and
// plans the calls: on a fresh push one call sending every line; on
// --resume, the lines in doubt (handed over by an earlier run, no final
// result) are re-sent with a read-back first, or left in doubt when their
// item has no natural key to read back by, then the lines never handed
// over are sent. A resume of other input is refused before anything is
// changed: by the results file's first line, which identifies its input,
// and by the record of lines in flight.
func openResults(p *pushRun, f *pushFlags, job pushJob, id inputID, window int) ([]call, error) {
	rec := inflightRecord{Version: 1, Input: id.SHA256, Lines: p.total}
	var st *journalState
	if f.resume {
		if fi, err := os.Stat(f.results); err == nil && fi.Size() > 0 {
			var err error
			if st, err = readJournal(f.results, id); err != nil {
				return nil, err
			}
		}
		read := st != nil // the file has content, read above
		old, ok, err := readInflight(inflightPath(f.results))
		if err != nil {
			return nil, err
		}
		switch {
		case ok && (old.Input != id.SHA256 || old.Lines != p.total):
			return nil, usagef("--resume: %s records a push of other input (%d lines, sha256 %.12s…; this input: %d lines, %.12s…): give --force to start over", inflightPath(f.results), old.Lines, old.Input, p.total, id.SHA256)
		case st != nil && st.entries > 0 && !st.header && !ok:
			// Results written before the file named its input, and no
			// record to confirm the input either: they may be another
			// input's, whose line numbers would skip lines of this one.
			return nil, usagef("--resume: %s does not say which input its results are of (written by an older billbridge) and no %s confirms it: give --force to start over", f.results, inflightPath(f.results))
		case ok:
			rec.HandedOver = old.HandedOver
			if st == nil && old.HandedOver > 0 {
				st = &journalState{final: newBitset(p.total + 1)} // died before its first result
			}
		case st != nil:
			// Results but no record (it is removed once every line is
			// final, or the file came from elsewhere): any line without a
			// final result may have been sent.
			rec.HandedOver = p.total
		}
		if read {
			// Cut a torn last line before appending.
			if err := os.Truncate(f.results, st.end); err != nil {
				return nil, usagef("--resume: %v", err)
			}
		}
	}
	j, err := openJournal(f.results, f.force, window, id)
	if err != nil {
		return nil, err
	}
	p.journal = j
	if f.force {
		os.Remove(inflightPath(f.results))
	}
	if j.regular {
		if p.mark, err = openInflight(inflightPath(f.results), rec, window); err != nil {
			return nil, err
		}
	}
	if st == nil {
		return []call{{name: "send", selects: func(int) bool { return true }}}, nil
	}
	p.sum.Skipped, p.finals = st.finals, st.finals
	p.sum.Succeeded, p.sum.Failed = st.finalsOK, st.finals-st.finalsOK
	for o, n := range st.outcomes {
		for range n {
			p.sum.count(o)
		}
	}
	mark := rec.HandedOver
	// Lines in doubt whose item can be read back are settled; the others
	// stay in doubt, recorded again as such: re-sending them could create
	// them twice.
	settle := newBitset(p.total + 1)
	if err := forEachLine(p.input, func(n int, raw []byte) error {
		if n > mark || st.final.get(n) {
			return nil
		}
		if job.settleable(n, raw) {
			settle.set(n)
			return nil
		}
		return p.record(n, outcome{Err: fmt.Errorf("%w: an earlier run may have sent this line, and its item has no natural key to read it back by (not sent again: it could be created twice)", billbridge.ErrOutcomeUnknown)})
	}); err != nil {
		return nil, err
	}
	return []call{
		// Every keyed create looks its key up before sending (the reconcile
		// step), so the lines in doubt need no option of their own.
		{name: "settle", selects: settle.get, settle: true},
		{name: "send", selects: func(n int) bool { return n > mark && !st.final.get(n) }},
	}, nil
}

// forEachLine calls fn for every line of the input file.
func forEachLine(path string, fn func(n int, raw []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return usagef("input: %v", err)
	}
	defer file.Close()
	lines := newInputLines(file)
	for {
		n, raw, _, err := lines.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return usagef("reading input at line %d: %v", n, err)
		}
		if err := fn(n, raw); err != nil {
			return err
		}
	}
}
