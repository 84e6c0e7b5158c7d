package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billbridge/billbridge"
	"io"
	"os"
	"time"
)

// The --results file is a journal of the push: one JSON line per input line,
// appended as each item's result becomes known, flushed and fsynced every
// syncEvery lines, at least every syncInterval while results arrive, and at
// exit. Next to it, <results>.inflight records how far the push has handed
// input lines to the client (a high-water mark, fsynced before the lines it
// covers are handed over). Together they tell a later --resume, after any
// kind of death, which lines are done, which may have been sent without a
// result (in doubt: re-sent with a read-back first), and which were never
// sent. The results file's first line identifies its input (see
// journalHeader).

// syncInterval bounds the time a written result waits for its fsync.
const syncInterval = 250 * time.Millisecond

// journal appends result lines to the --results file. Every write, flush
// and fsync error is returned, naming the file: a result that cannot be
// recorded fails the push.
type journal struct {
	path     string
	f        *os.File
	w        *bufio.Writer
	regular  bool // fsync only regular files (/dev/stdout and pipes refuse it)
	every    int
	unsynced int
	last     time.Time
}

// journalHeader is the first line of a results file: the identity of the
// input whose results follow. Line numbers mean nothing without it.
type journalHeader struct {
	Input *inputID `json:"input"`
}

// openJournal opens the results file for appending (truncated first when
// truncate), and writes the header naming input when the file is empty: a
// new file, or one a resume cut back to nothing.
func openJournal(path string, truncate bool, every int, input inputID) (*journal, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, usagef("--results: %v", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, usagef("--results: %v", err)
	}
	j := &journal{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), regular: fi.Mode().IsRegular(), every: max(every, 1), last: time.Now()}
	if fi.Size() == 0 {
		// Buffered: it reaches the file with the first results, before them.
		b, _ := json.Marshal(journalHeader{Input: &input})
		j.w.Write(append(b, '\n'))
	}
	return j, nil
}

func (j *journal) write(rl resultLine) error {
	b, err := json.Marshal(rl)
	if err != nil {
		return fmt.Errorf("--results %s: %w", j.path, err)
	}
	b = append(b, '\n')
	if _, err := j.w.Write(b); err != nil {
		return usagef("--results %s: writing results: %v", j.path, err)
	}
	j.unsynced++
	if j.unsynced >= j.every || time.Since(j.last) >= syncInterval {
		return j.sync()
	}
	return nil
}

// sync makes every result written so far durable.
func (j *journal) sync() error {
	j.unsynced, j.last = 0, time.Now()
	if err := j.w.Flush(); err != nil {
		return usagef("--results %s: writing results: %v", j.path, err)
	}
	if j.regular {
		if err := j.f.Sync(); err != nil {
			return usagef("--results %s: syncing results: %v", j.path, err)
		}
	}
	return nil
}

func (j *journal) close() error {
	err := j.sync()
	if cerr := j.f.Close(); err == nil && cerr != nil {
		err = usagef("--results %s: closing: %v", j.path, cerr)
	}
	return err
}

// inflightRecord is the content of <results>.inflight.
type inflightRecord struct {
	Version int `json:"version"`
	// Input is the SHA-256 of the input's bytes and Lines its line count:
	// a resume of other input is refused.
	Input string `json:"input_sha256"`
	Lines int    `json:"lines"`
	// HandedOver is a line number at or above every line handed to the
	// client so far by any run of this push.
	HandedOver int `json:"handed_over"`
}

// inflight keeps the high-water mark of lines handed to the client. It is
// written ahead, window lines at a time, so that it costs one fsync per
// window rather than per line: lines at or below the mark may have been sent,
// lines above it surely were not.
type inflight struct {
	path   string
	f      *os.File
	rec    inflightRecord
	window int
}

func inflightPath(results string) string { return results + ".inflight" }

// openInflight opens (creating) the record and writes rec to it.
func openInflight(path string, rec inflightRecord, window int) (*inflight, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, usagef("--results: %v", err)
	}
	m := &inflight{path: path, f: f, rec: rec, window: max(window, 1)}
	if err := m.store(); err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

// store writes the record in place, padded to a fixed width so that an
// update never leaves a longer old tail behind, and fsyncs it.
func (m *inflight) store() error {
	b, _ := json.Marshal(m.rec)
	line := fmt.Sprintf("%-160s\n", b)
	if _, err := m.f.WriteAt([]byte(line), 0); err != nil {
		return usagef("--results: recording lines in flight in %s: %v", m.path, err)
	}
	if err := m.f.Sync(); err != nil {
		return usagef("--results: syncing %s: %v", m.path, err)
	}
	return nil
}

// cover makes the mark durable at or above line before the line is handed
// over.
func (m *inflight) cover(line int) error {
	if line <= m.rec.HandedOver {
		return nil
	}
	m.rec.HandedOver = min(line+m.window-1, max(m.rec.Lines, line))
	return m.store()
}

func (m *inflight) close() error { return m.f.Close() }

// readInflight reads an existing record; ok is false when there is none.
func readInflight(path string) (rec inflightRecord, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, usagef("--resume: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return rec, false, nil
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &rec); err != nil || rec.Version != 1 {
		return rec, false, usagef("--resume: %s is not a record of lines in flight (%v); give --force to start over", path, err)
	}
	return rec, true, nil
}

// journalState is what --resume learns from an existing results file.
type journalState struct {
	final            bitset // lines whose result is final
	finals, finalsOK int
	// outcomes counts the final lines by what their keyed create did.
	outcomes map[billbridge.Outcome]int
	end      int64 // bytes of complete lines: a torn last line is cut off
	entries  int
	header   bool // the file starts with a header naming this input
}

// readJournal reads the results file of an earlier run of a push of the
// input id. A header naming another input is refused; a file without one
// (written before there were headers) is read, and openResults decides
// whether anything confirms its input. A last line without its newline
// (the run died writing it) is ignored; any other unreadable line is an
// error.
func readJournal(path string, id inputID) (*journalState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--resume: %v", err)
	}
	defer f.Close()
	lines := id.Lines
	st := &journalState{final: newBitset(lines + 1)}
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return st, nil // b, if any, is a torn line
		}
		if err != nil {
			return nil, usagef("--resume: reading %s: %v", path, err)
		}
		if n == 1 {
			var h journalHeader
			if json.Unmarshal(b, &h) == nil && h.Input != nil {
				if *h.Input != id {
					return nil, usagef("--resume: %s holds the results of other input (%d lines, %d bytes, sha256 %.12s…; this input: %d lines, %d bytes, %.12s…): give --force to start over", path, h.Input.Lines, h.Input.Bytes, h.Input.SHA256, id.Lines, id.Bytes, id.SHA256)
				}
				st.header = true
				st.end += int64(len(b))
				continue
			}
		}
		var rl resultLine
		if err := json.Unmarshal(b, &rl); err != nil {
			return nil, usagef("--resume: %s line %d is not a result line (%v); give --force to replace the file", path, n, err)
		}
		if rl.Line < 1 || rl.Line > lines {
			return nil, usagef("--resume: %s line %d is the result of input line %d, but the input has %d lines: is it the results of another input?", path, n, rl.Line, lines)
		}
		st.end += int64(len(b))
		st.entries++
		if rl.Final && !st.final.get(rl.Line) {
			st.final.set(rl.Line)
			st.finals++
			if rl.OK {
				st.finalsOK++
			}
			if rl.Outcome != "" {
				if st.outcomes == nil {
					st.outcomes = map[billbridge.Outcome]int{}
				}
				st.outcomes[rl.Outcome]++
			}
		}
	}
}

// bitset holds one bit per input line: flat memory (125 kB per million
// lines), unlike a map or a slice of results.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) get(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
