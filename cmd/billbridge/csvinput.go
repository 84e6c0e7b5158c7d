package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/billbridge/billbridge/pkg/meteroid"
)

// csvJob is a push job that also reads CSV (an input named *.csv): the CSV
// is turned into JSON Lines of the job's shape first, into a temporary
// file that both passes read, so that everything after it (validation,
// journal, resume, line numbers) is the JSON Lines path. A record's line
// number is its data row's: the header is not counted.
type csvJob interface {
	pushJob
	csvToJSONLines(in io.Reader, out io.Writer) error
}

// eventsJob is "push meteroid events": a typed job that also takes CSV.
type eventsJob struct {
	*typedJob[meteroid.Event, meteroid.Event]
}

// csvToJSONLines writes one meteroid.Event per CSV record: the header row
// names the columns (event_id, customer_id, code, timestamp; any other
// column is a property, left out where its cell is empty; a cell that is
// not UTF-8 fails the conversion, naming its row); an empty
// event_id is left out (push derives one from the line). The output is a
// function of the input's bytes, so a re-run converts to the same lines.
func (eventsJob) csvToJSONLines(in io.Reader, out io.Writer) error {
	// A byte order mark goes before the reader sees it: in front of a
	// quoted first field it made the header a parse error.
	br := bufio.NewReader(in)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("CSV header: %v", err)
	}
	header = append([]string(nil), header...)
	seen := map[string]bool{}
	for _, h := range header {
		if !utf8.ValidString(h) {
			return fmt.Errorf("CSV header: column %q is not valid UTF-8 (convert the file to UTF-8)", h)
		}
		if h == "" || seen[h] {
			return fmt.Errorf("CSV header: column %q is empty or repeated", h)
		}
		seen[h] = true
	}
	for _, need := range []string{"customer_id", "code", "timestamp"} {
		if !seen[need] {
			return fmt.Errorf("CSV header: no %s column (want event_id, customer_id, code, timestamp and properties)", need)
		}
	}
	w := bufio.NewWriter(out)
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("CSV row %d: %v", row, err)
		}
		var e meteroid.Event
		props := map[string]string{}
		for i, h := range header {
			v := rec[i]
			if !utf8.ValidString(v) {
				// json.Marshal would send U+FFFD in its place.
				return fmt.Errorf("CSV row %d, column %q: not valid UTF-8 (convert the file to UTF-8)", row, h)
			}
			switch {
			case h == "event_id":
				e.EventId = v
			case h == "customer_id":
				e.CustomerId = v
			case h == "code":
				e.Code = v
			case h == "timestamp":
				e.Timestamp = v
			case v != "":
				props[h] = v
			}
		}
		if len(props) > 0 {
			e.Properties = &props
		}
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("CSV row %d: %v", row, err)
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	return w.Flush()
}

// convertCSV turns a CSV input of job into a temporary JSON Lines file and
// returns its path and its removal; the path is unchanged for other input.
func convertCSV(job pushJob, path string) (string, func(), error) {
	cj, ok := job.(csvJob)
	if !ok || !strings.EqualFold(filepath.Ext(path), ".csv") {
		return path, func() {}, nil
	}
	src, err := os.Open(path)
	if err != nil {
		return "", nil, usagef("input: %v", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp("", "billbridge-csv-*.jsonl")
	if err != nil {
		return "", nil, usagef("converting CSV: %v", err)
	}
	remove := func() { os.Remove(tmp.Name()) }
	err = cj.csvToJSONLines(bufio.NewReaderSize(src, 1<<20), tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return "", nil, usagef("input %s: %v", path, err)
	}
	return tmp.Name(), remove, nil
}

// fastEvent decodes an event line of the common form in one scan: one flat
// object whose members are event_id, customer_id, code, timestamp (strings)
// and properties (an object of strings), each at most once, strings without
// escapes. Anything else (escapes, nulls, numbers, unknown or repeated
// fields, malformed JSON) is not ok, and the general checks take the line.
func fastEvent(raw []byte) (meteroid.Event, bool) { return scanEvent(raw, nil) }

// eventScratch decodes as fastEvent does, for a check that keeps nothing
// (the first pass): the event's strings are raw's own bytes and its
// properties one map, reused, so decoding allocates nothing, and the event
// is valid only until raw changes or the next call. The first pass waits
// for every line before anything is sent, so its cost adds to a push's
// time one for one; the copies were half of it (BenchmarkFirstPassEvents).
type eventScratch struct{ props *map[string]string }

func (s *eventScratch) decode(raw []byte) (meteroid.Event, bool) {
	if s.props == nil {
		s.props = &map[string]string{}
	}
	clear(*s.props)
	return scanEvent(raw, s.props)
}

// scanEvent is fastEvent, borrowing raw's bytes and filling *props when
// props is not nil.
func scanEvent(raw []byte, props *map[string]string) (meteroid.Event, bool) {
	var e meteroid.Event
	s := eventScanner{b: raw, borrow: props != nil}
	if !s.byte('{') {
		return e, false
	}
	var seen [5]bool
	first := true
	for {
		s.space()
		if s.peek() == '}' && first {
			return e, false // empty: the general path refuses it
		}
		if !first && !s.byte(',') {
			if s.byte('}') {
				break
			}
			return e, false
		}
		first = false
		key, ok := s.str()
		if !ok || !s.byte(':') {
			return e, false
		}
		field := -1
		switch key {
		case "event_id":
			field = 0
		case "customer_id":
			field = 1
		case "code":
			field = 2
		case "timestamp":
			field = 3
		case "properties":
			field = 4
		}
		if field < 0 || seen[field] {
			return e, false
		}
		seen[field] = true
		if field == 4 {
			if props == nil {
				props = &map[string]string{}
			}
			if !s.strMap(*props) {
				return e, false
			}
			e.Properties = props
			continue
		}
		v, ok := s.str()
		if !ok {
			return e, false
		}
		switch field {
		case 0:
			e.EventId = v
		case 1:
			e.CustomerId = v
		case 2:
			e.Code = v
		case 3:
			e.Timestamp = v
		}
	}
	s.space()
	return e, s.i == len(s.b)
}

// eventScanner reads the JSON subset fastEvent takes.
type eventScanner struct {
	b      []byte
	i      int
	borrow bool // strings share b's bytes instead of copying them
}

func (s *eventScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\r' || s.b[s.i] == '\n') {
		s.i++
	}
}

func (s *eventScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// byte consumes c after white space.
func (s *eventScanner) byte(c byte) bool {
	// Most lines are compact JSON: c is usually next, without white space.
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	s.space()
	if s.peek() != c {
		return false
	}
	s.i++
	return true
}

// plain marks the bytes a string scanned by str may hold as they are: not
// the closing quote, a backslash or a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// str reads a string without escapes or control characters.
func (s *eventScanner) str() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	rest := s.b[s.i:]
	n := 0
	for n < len(rest) && plain[rest[n]] {
		n++
	}
	if n == len(rest) || rest[n] != '"' {
		return "", false
	}
	s.i += n + 1
	if s.borrow {
		return unsafe.String(unsafe.SliceData(rest), n), true
	}
	return string(rest[:n]), true
}

// strMap reads an object of strings into m, refusing a repeated key.
func (s *eventScanner) strMap(m map[string]string) bool {
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.byte(':') {
			return false
		}
		v, ok := s.str()
		if !ok {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		m[k] = v
		if s.byte('}') {
			return true
		}
		if !s.byte(',') {
			return false
		}
	}
}
