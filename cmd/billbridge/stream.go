package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/option"
)

// inputLines numbers the lines of an input as push sees them: from 1, a
// byte order mark dropped from the first, surrounding white space trimmed.
// Both passes read the input through it, so their line numbers agree.
type inputLines struct {
	lr    *lineReader
	n     int
	start int64 // offset of the line last returned
}

func newInputLines(r io.Reader) *inputLines { return &inputLines{lr: newLineReader(r)} }

// next returns the next line's number and trimmed bytes (valid until the
// next call); io.EOF at the end.
func (s *inputLines) next() (n int, raw []byte, tooLong bool, err error) {
	s.start = s.lr.off
	raw, tooLong, err = s.lr.next()
	if err != nil {
		return 0, nil, false, err
	}
	s.n++
	if s.n == 1 {
		raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	}
	return s.n, bytes.TrimSpace(raw), tooLong, nil
}

// inputID identifies an input by its SHA-256, byte size and line count. The
// results file starts with it, so that --resume can refuse to continue the
// results of another input even once the record of lines in flight is gone.
type inputID struct {
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	Lines  int    `json:"lines"`
}

// validateInput is the first pass: it checks every line, reporting each
// malformed one on stderr, without keeping any item, and refuses a line
// whose natural key an earlier line has (two lines for one entity: which
// one wins would differ from run to run). It returns the input's identity
// (its line count included) and the number of malformed lines. When spool
// is not nil the input is copied to it for the second pass (stdin cannot be
// read twice). path is where the lines read so far can be read again (the
// input, or the spool): see keySet. The input's SHA-256 is taken when
// identify is set (a results file records it); else it stays empty.
func validateInput(in io.Reader, spool io.Writer, path string, job pushJob, stderr io.Writer, identify bool) (id inputID, bad int, err error) {
	h := sha256.New()
	// The size is counted where the hash is fed: every byte read, once.
	w := io.Writer(writerFunc(func(b []byte) (int, error) {
		id.Bytes += int64(len(b))
		if !identify {
			return len(b), nil
		}
		return h.Write(b)
	}))
	var spoolErr error
	if spool != nil {
		w = io.MultiWriter(w, writerFunc(func(b []byte) (int, error) {
			n, err := spool.Write(b)
			if err != nil && spoolErr == nil {
				spoolErr = err
			}
			return n, err
		}))
	}
	lines := newInputLines(io.TeeReader(in, w))
	seen := newKeySet(path, job)
	for {
		n, raw, tooLong, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if spoolErr != nil {
				return id, bad, usagef("spooling stdin to a temporary file: %v", spoolErr)
			}
			return id, bad, usagef("reading input at line %d: %v", id.Lines+1, err)
		}
		id.Lines = n
		seen.mark(n, lines.start)
		switch {
		case tooLong:
			fmt.Fprintf(stderr, "line %d is longer than the %d MiB limit\n", n, maxLineBytes>>20)
			bad++
		case len(raw) == 0:
			fmt.Fprintf(stderr, "line %d: empty line\n", n)
			bad++
		default:
			keys, err := job.check(n, raw)
			if err != nil {
				fmt.Fprintln(stderr, err)
				bad++
				continue
			}
			k, earlier, err := seen.add(n, keys)
			if err != nil {
				return id, bad, err
			}
			if earlier > 0 {
				fmt.Fprintf(stderr, "line %d: %s %q repeats line %d\n", n, k.field, k.value, earlier)
				bad++
			}
		}
	}
	if identify {
		id.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	return id, bad, nil
}

// itemKey is a natural key of an item: the value that names its entity at
// the provider, and the field of the line that holds it (for messages).
type itemKey struct {
	field, value string
}

// markEvery is the number of lines between two offsets keySet keeps to
// read a line again: a re-read skips fewer than markEvery lines.
const markEvery = 64

// hashKey hashes a natural key (a variable so that a test can make every
// key collide). maphash's per-run seed keeps a crafted input from making
// many keys collide, each collision costing a re-read.
var hashKey = func(seed maphash.Seed, key string) uint64 { return maphash.String(seed, key) }

// keySet is the set of natural keys of the lines validated so far. It holds
// 8 bytes of a hash of each key with the number of the line that has it
// (map[uint64]uint32: a 16-byte slot and a control byte per key, at a load
// of 7/16 to 7/8, so at most about 40 bytes per key, measured 27 to 38;
// 40 MB for a million keyed lines, twice that for Meteroid lines that also
// set an alias), and the offset of every markEvery-th line (8 bytes per 64
// lines). A hash match is confirmed by reading the earlier line again from
// path and comparing its keys, so a collision never refuses a line; a key
// whose hash another key already holds is kept whole in exact, which only
// collisions fill. Beyond 4 Gi lines the numbers kept wrap (uint32): a
// repeat may then go unnoticed or name the wrong earlier line, but as keys
// are compared before a line is refused, none is refused wrongly.
type keySet struct {
	path  string
	job   pushJob
	seed  maphash.Seed
	first map[uint64]uint32
	exact map[string]uint32
	marks []int64 // marks[i]: offset of line i*markEvery+1
}

// newKeySet returns an empty set whose lines are read again from path
// with job's keys.
func newKeySet(path string, job pushJob) *keySet {
	return &keySet{path: path, job: job, seed: maphash.MakeSeed(), first: map[uint64]uint32{}, exact: map[string]uint32{}}
}

// mark notes where line n starts; called for every line, in order.
func (s *keySet) mark(n int, start int64) {
	if (n-1)%markEvery == 0 {
		s.marks = append(s.marks, start)
	}
}

// add records line's keys, unless one of them is an earlier line's: then it
// returns that key and the earlier line's number (0: none repeats).
func (s *keySet) add(line int, keys []itemKey) (itemKey, int, error) {
	for i, k := range keys {
		if repeated(keys[:i], k.value) {
			continue
		}
		if earlier, ok := s.exact[k.value]; ok {
			return k, int(earlier), nil
		}
		earlier, ok := s.first[hashKey(s.seed, k.value)]
		if !ok {
			continue
		}
		same, err := s.holds(int(earlier), k.value)
		if err != nil {
			return k, 0, err
		}
		if same {
			return k, int(earlier), nil
		}
	}
	for i, k := range keys {
		if repeated(keys[:i], k.value) {
			continue
		}
		h := hashKey(s.seed, k.value)
		if _, taken := s.first[h]; taken {
			s.exact[k.value] = uint32(line) // a collision: another key has h
			continue
		}
		s.first[h] = uint32(line)
	}
	return itemKey{}, 0, nil
}

// repeated reports whether one of keys has value.
func repeated(keys []itemKey, value string) bool {
	return slices.ContainsFunc(keys, func(k itemKey) bool { return k.value == value })
}

// holds reads line again from the input and reports whether one of its keys
// is value. It reads from the last mark before the line, through a small
// buffer: each re-read costs a few kB, however long the input.
func (s *keySet) holds(line int, value string) (bool, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return false, usagef("input: reading line %d again: %v", line, err)
	}
	defer f.Close()
	m := (line - 1) / markEvery
	if _, err := f.Seek(s.marks[m], io.SeekStart); err != nil {
		return false, usagef("input: reading line %d again: %v", line, err)
	}
	lines := &inputLines{lr: &lineReader{r: bufio.NewReaderSize(f, 4<<10)}, n: m * markEvery}
	for {
		n, raw, _, err := lines.next()
		if err != nil {
			return false, usagef("input: reading line %d again: %v", line, err)
		}
		if n == line {
			return repeated(s.job.keys(n, raw), value), nil
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// createKey is the create key of an input line: a hash of its line number
// and its bytes, so that a re-run or a resume of the same input derives the
// same key for the same line without remembering anything per line, and
// two identical lines get different keys.
func createKey(line int, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(strconv.Itoa(line)))
	h.Write([]byte{'\n'})
	h.Write(raw)
	return "bb1-" + strconv.Itoa(line) + "-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// handed is an item handed to the client whose result has not come back.
type handed struct {
	line int
	key  string
}

// handover maps the index of an item in the client's stream to its input
// line (and create key). It holds only the items in flight, so its memory
// does not grow with the input. The stream fills it from the client's
// reading goroutine; the results loop drains it.
type handover struct {
	mu      sync.Mutex
	q       []handed
	base    int // index of q[0]
	started bool
	closed  bool
	done    chan struct{}
}

func newHandover() *handover { return &handover{done: make(chan struct{})} }

// begin is called when the stream starts; false means the call is over and
// nothing may be handed over any more.
func (h *handover) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.started = true
	return true
}

func (h *handover) push(e handed) {
	h.mu.Lock()
	h.q = append(h.q, e)
	h.mu.Unlock()
}

// pop removes the entry of the result with this index (results come in
// input order, so it is the first).
func (h *handover) pop(index int) (handed, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.q) == 0 || index != h.base {
		return handed{}, false
	}
	e := h.q[0]
	h.q = h.q[1:]
	h.base++
	return e, true
}

// key returns the create key of the item with this index.
func (h *handover) key(index int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := index - h.base; i >= 0 && i < len(h.q) {
		return h.q[i].key
	}
	return ""
}

// close ends the call: it waits for a started stream to return and gives
// the entries that never got a result.
func (h *handover) close() []handed {
	h.mu.Lock()
	h.closed = true
	started := h.started
	h.mu.Unlock()
	if started {
		<-h.done
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.q
}

// call is one facade call of a push: the lines it selects, streamed from
// the input, and its request options. A fresh push makes one call; a resume
// makes two, the lines in doubt first (with a read-back first), then the
// lines never sent.
type call struct {
	name    string
	selects func(line int) bool
	opts    []option.RequestOption
	settle  bool
}

// sendFunc is a facade's batch call over a stream.
type sendFunc[In, Out any] func(ctx context.Context, items iter.Seq[In], opts ...option.RequestOption) iter.Seq[billbridge.Result[Out]]

// runCall streams the lines call selects from the input into send and
// journals one result per selected line, in the order results become known.
func runCall[In, Out any](ctx context.Context, p *pushRun, j *typedJob[In, Out], send sendFunc[In, Out], c call) error {
	src, err := os.Open(p.input)
	if err != nil {
		return usagef("input: %v", err)
	}
	defer src.Close()
	lines := newInputLines(src)
	h := newHandover()
	p.keys.Store(h)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The stream runs on the client's goroutine; seqErr is read only after
	// h.close has waited for it.
	var seqErr error
	stuck := 0 // a line read but neither handed over nor refused by the stream
	seq := func(yield func(In) bool) {
		if !h.begin() {
			return
		}
		defer close(h.done)
		for {
			n, raw, _, err := lines.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				seqErr = usagef("reading input at line %d: %v", n, err)
				return
			}
			if !c.selects(n) {
				continue
			}
			item, err := j.parse(n, raw)
			if err != nil {
				seqErr, stuck = usagef("the input changed since it was validated: %v", err), n
				return
			}
			// Durable before it can be sent: a death from here on leaves
			// the line in doubt, not forgotten.
			if p.mark != nil {
				if err := p.mark.cover(n); err != nil {
					seqErr, stuck = err, n
					return
				}
			}
			h.push(handed{line: n, key: createKey(n, raw)})
			if !yield(item) {
				return
			}
		}
	}

	handedOver := 0
	var loopErr error
	for r := range send(ctx, seq, c.opts...) {
		e, ok := h.pop(r.Index)
		if !ok {
			loopErr = fmt.Errorf("the client returned a result for item %d, which it was not given next", r.Index)
			break
		}
		handedOver++
		o := outcome{OK: r.Err == nil, ID: r.ID, Existing: r.Existing, Status: r.Status, Attempts: r.Attempts, Err: r.Err,
			Outcome: r.Outcome, Changes: r.Changes}
		if loopErr = p.record(e.line, o); loopErr != nil {
			break
		}
	}
	if loopErr != nil {
		// Leaving the loop cancelled the call; wait for the stream to
		// return before the input and the record are closed under it.
		cancel()
		h.close()
		return loopErr
	}
	if c.settle {
		p.sum.Settled += handedOver
	} else {
		p.sum.Sent += handedOver
	}
	// Items handed over without a result, then the lines never handed over
	// (the call was cancelled, or the stream failed): every selected line
	// still gets its result.
	for _, e := range h.close() {
		err := fmt.Errorf("%w (the client returned no result for this item)", billbridge.ErrOutcomeUnknown)
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, context.Cause(ctx))
		}
		if err := p.record(e.line, outcome{Err: err}); err != nil {
			return err
		}
	}
	if stuck > 0 {
		if err := p.record(stuck, outcome{Err: fmt.Errorf("%w: %w", billbridge.ErrNotSent, seqErr)}); err != nil {
			return err
		}
	}
	for {
		n, _, _, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return usagef("reading input at line %d: %v", n, err)
		}
		if !c.selects(n) {
			continue
		}
		cause := seqErr
		if cause == nil {
			cause = context.Cause(ctx)
		}
		if cause == nil {
			cause = errors.New("the client stopped reading its input")
		}
		if err := p.record(n, outcome{Err: fmt.Errorf("%w: %w", billbridge.ErrNotSent, cause)}); err != nil {
			return err
		}
	}
	return seqErr
}
