// Package batch is the engine under every billbridge facade's batch calls:
// it cuts a stream of items into chunks, sends them through a
// provider-specific SendFunc with up to Concurrency requests in flight, and
// yields exactly one Result per input item, in input order.
//
// Memory stays bounded whatever the input's length: at most Concurrency+1
// chunks being sent or waiting to be yielded behind a slow earlier one
// (reading stops once Concurrency chunks of results wait, and the chunks
// still in flight then land too: about 2×Concurrency+1 in all), one being
// filled per kind (see StreamKinds) and the reader's buffer of one chunk,
// so a million items from an iter.Seq stream through. Nothing read is dropped: when the context is
// cancelled, the items read and not yet sent still get a Result, with an
// error wrapping billbridge.ErrNotSent and the context's error, and no more
// input is read.
//
// A run is one call: it stops sending when the call's transport.Halt is
// stopped (the engine does so when the provider refuses the credentials).
// Input is still read to its end then, and every item not sent gets a
// Result with an error wrapping billbridge.ErrNotSent and the Halt's cause,
// without its SendFunc being called.
package batch

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/transport"
)

// Item is one input item with its position in the input.
type Item[In any] struct {
	Index int // the position in the input (0-based)
	Value In  // the input item itself
}

// Options shape a run. Zero values take the defaults.
type Options struct {
	// ChunkSize is the number of items per SendFunc call (default 1).
	ChunkSize int
	// Concurrency is the number of requests in flight (default 1). Above
	// 1, one more SendFunc call than that runs at a time and the requests
	// wait for a place (transport.WithGate): the extra call prepares its
	// chunk (validation, encoding) or decodes its answer while Concurrency
	// requests are on the wire, so no place waits for that CPU work. At 1,
	// chunks are sent one after another, in input order.
	Concurrency int
	// OnProgress, when set, is called after each chunk from the goroutine
	// that consumes the results; it must return quickly.
	OnProgress func(billbridge.Progress)
}

// SendFunc sends one chunk and returns one Result per item of chunk, in the
// same order. Index fields are filled in by the engine.
type SendFunc[In, Out any] func(ctx context.Context, chunk []Item[In]) []billbridge.Result[Out]

// Run sends a slice and returns its results, one per item, in input order:
// also when ctx ends midway, the items not sent get an ErrNotSent result.
func Run[In, Out any](ctx context.Context, items []In, opts Options, send SendFunc[In, Out]) []billbridge.Result[Out] {
	return RunKinds(ctx, items, opts, nil, send)
}

// RunKinds is Run with chunks per kind, as StreamKinds.
func RunKinds[In, Out any](ctx context.Context, items []In, opts Options, kind func(In) int, send SendFunc[In, Out]) []billbridge.Result[Out] {
	return RunShaped(ctx, items, opts, Shape[In]{Kind: kind}, send)
}

// Shape says how items fall into chunks beyond Options.ChunkSize: by kind
// (see StreamKinds), and cut where Split says.
type Shape[In any] struct {
	// Kind sorts items into chunks of their own kind; nil: one kind.
	Kind func(In) int
	// Split, when set, is asked before next joins the unsent chunk of its
	// kind (never empty): true sends that chunk first and starts a new one
	// with next. A provider with a limit other than a count (a body size, a
	// key that must not repeat in one request) says it here. It runs on
	// the loop that reads the input, so it must be cheap.
	Split func(chunk []Item[In], next In) bool
}

// RunShaped is Run with chunks shaped by shape (see Shape).
func RunShaped[In, Out any](ctx context.Context, items []In, opts Options, shape Shape[In], send SendFunc[In, Out]) []billbridge.Result[Out] {
	out := make([]billbridge.Result[Out], 0, len(items))
	for r := range streamKinds(ctx, nil, items, len(items), opts, shape, send) {
		out = append(out, r)
	}
	if len(out) < len(items) {
		// Stream stopped reading when ctx ended; a slice's items are all
		// known, so each still gets its result.
		rest := make([]Item[In], len(items)-len(out))
		for i := range rest {
			rest[i].Index = len(out) + i
		}
		out = append(out, complete(rest, notSent[In, Out](rest, context.Cause(ctx)))...)
	}
	return out
}

// Stream sends the items of seq and yields their results in input order as
// they complete. total is the number of items when known, else -1 (it is
// only reported through OnProgress). Breaking out of the loop stops sending
// and cancels the chunks in flight; the loop returns once their SendFuncs
// have (so a SendFunc must honour its context).
//
// When ctx ends, Stream stops reading seq: the items read so far and not
// sent get an ErrNotSent result and the iteration ends promptly, even when
// seq is blocked producing its next item (which is then never read).
func Stream[In, Out any](ctx context.Context, seq iter.Seq[In], total int, opts Options, send SendFunc[In, Out]) iter.Seq[billbridge.Result[Out]] {
	return StreamKinds(ctx, seq, total, opts, nil, send)
}

// StreamKinds is Stream with items sorted into chunks of their own kind
// (Tight: upserts and creates, which go in separate requests), so that every
// request is full; results still come in input order. A chunk of a rare kind
// is sent before it is full once results pile up behind it, so memory stays
// bounded. kind nil puts every item in one kind.
func StreamKinds[In, Out any](ctx context.Context, seq iter.Seq[In], total int, opts Options, kind func(In) int, send SendFunc[In, Out]) iter.Seq[billbridge.Result[Out]] {
	return streamKinds(ctx, seq, nil, total, opts, Shape[In]{Kind: kind}, send)
}

// StreamShaped is Stream with chunks shaped by shape (see Shape): a chunk
// is sent once it holds Options.ChunkSize items or Split cuts it.
func StreamShaped[In, Out any](ctx context.Context, seq iter.Seq[In], total int, opts Options, shape Shape[In], send SendFunc[In, Out]) iter.Seq[billbridge.Result[Out]] {
	return streamKinds(ctx, seq, nil, total, opts, shape, send)
}

// streamKinds is StreamKinds over seq or, when seq is nil, over the slice
// items, which is read directly: no reader goroutine, no hand-over per item.
// It stops reading items when ctx ends; the caller answers for the rest.
func streamKinds[In, Out any](ctx context.Context, seq iter.Seq[In], items []In, total int, opts Options, shape Shape[In], send SendFunc[In, Out]) iter.Seq[billbridge.Result[Out]] {
	kind, split := shape.Kind, shape.Split
	size := max(opts.ChunkSize, 1)
	conc := max(opts.Concurrency, 1)
	return func(yield func(billbridge.Result[Out]) bool) {
		runCtx, halt := transport.WithHalt(ctx)
		runCtx, cancel := context.WithCancel(transport.WithGate(runCtx, conc))
		sendable := conc // SendFunc calls at once; see Options.Concurrency
		if conc > 1 {
			sendable++
		}
		// Chunks go to sendable worker goroutines, started as needed and
		// kept for the run (a goroutine per chunk would grow a fresh stack
		// through the JSON coding every time). sends tracks them: Stream
		// does not return while one still runs, so no send outlives the
		// loop that asked for it.
		work := make(chan []Item[In], sendable)
		workers := 0
		var sends sync.WaitGroup
		stopped := make(chan struct{})
		defer func() {
			// Also on a panic in the loop body: stop the reader, cancel
			// the chunks in flight and wait for them.
			close(stopped)
			cancel()
			close(work)
			sends.Wait()
		}()

		// The reader is the only goroutine that runs seq: it hands items
		// over through a buffer of one chunk (handing over one by one
		// would cost a goroutine switch per item), so that this loop never
		// waits on seq itself. What is in the buffer is still this loop's
		// to answer for when ctx ends.
		var in chan In
		if seq != nil {
			in = make(chan In, size)
			go func() {
				defer close(in)
				for v := range seq {
					select {
					case in <- v:
					case <-stopped:
						return
					}
				}
			}()
		}
		// more reports that input may remain: the reader's channel is
		// open, or the slice has items left and reading has not stopped.
		input, pos, reading := in, 0, seq == nil
		more := func() bool { return input != nil || reading && pos < len(items) }

		if kind == nil {
			kind = func(In) int { return 0 }
		}
		// Chunks fill per kind and complete in any order; results wait in
		// ready until every earlier item's result is there, so they are
		// yielded in input order.
		type completion struct {
			chunk   []Item[In]
			results []billbridge.Result[Out]
		}
		// Buffered for every chunk in flight: a worker never blocks on it,
		// even when the loop broke out and reads no more.
		done := make(chan completion, sendable)
		partial := map[int][]Item[In]{} // the chunk being filled, per kind
		var ready window[Out]
		inFlight, index := 0, 0
		progress := billbridge.Progress{Total: total}

		ends := map[int]bool{} // the last index of each chunk: progress is told per chunk
		dispatch := func(k int) {
			chunk := partial[k]
			delete(partial, k)
			ends[chunk[len(chunk)-1].Index] = true
			if err := ctx.Err(); err != nil {
				ready.put(complete(chunk, notSent[In, Out](chunk, err)))
				return
			}
			inFlight++
			if workers < inFlight {
				workers++
				sends.Add(1)
				go func() {
					defer sends.Done()
					for chunk := range work {
						if err := halt.Err(); err != nil {
							// The call was stopped (its credentials
							// refused): the chunk is not sent.
							done <- completion{chunk, notSent[In, Out](chunk, err)}
							continue
						}
						done <- completion{chunk, send(runCtx, chunk)}
					}
				}()
			}
			work <- chunk // never blocks: inFlight <= sendable
		}
		// holding returns the kind whose unsent chunk holds item i.
		holding := func(i int) (int, bool) {
			for k, c := range partial {
				if len(c) > 0 && c[0].Index <= i {
					return k, true
				}
			}
			return 0, false
		}
		// full reports that no more input may be read for now.
		full := func() bool { return inFlight >= sendable || ready.count/size >= conc }
		reported := 0
		report := func() {
			if opts.OnProgress != nil && progress.Done > reported {
				reported = progress.Done
				opts.OnProgress(progress)
			}
		}

		// flush yields what is ready in order; false when the loop body
		// broke out.
		flush := func() bool {
			for {
				r, ok := ready.pop()
				if !ok {
					return true
				}
				progress.Done++
				if r.Err != nil {
					progress.Failed++
				}
				if !yield(r) {
					return false
				}
				if ends[r.Index] {
					delete(ends, r.Index)
					report()
				}
			}
		}

		add := func(v In) {
			k := kind(v)
			if split != nil && len(partial[k]) > 0 && split(partial[k], v) {
				dispatch(k)
			}
			if partial[k] == nil {
				partial[k] = make([]Item[In], 0, size)
			}
			partial[k] = append(partial[k], Item[In]{Index: index, Value: v})
			index++
			if len(partial[k]) == size {
				dispatch(k)
			}
		}

		cancelled := ctx.Done()
		for more() || inFlight > 0 || len(partial) > 0 {
			if inFlight < sendable && len(partial) > 0 {
				// Send a chunk that is not full when nothing more can fill
				// it in time: the input ended, or results wait behind it
				// (a rare kind must not hold back the others).
				if !more() {
					k, _ := holding(index)
					dispatch(k)
					continue
				}
				if k, ok := holding(ready.next); ok && full() {
					dispatch(k)
					continue
				}
			}
			// Read input only while a chunk may be sent and the results
			// waiting for earlier ones are under Concurrency chunks (see
			// the package comment for the bound this gives). Counting the
			// waiting results against the chunks being sent, as before,
			// left workers idle behind one slow chunk.
			if reading && pos < len(items) && !full() && ctx.Err() == nil {
				// A slice: its next item is there, no need to wait.
				pos++
				add(items[pos-1])
				continue
			}
			readable := input
			if full() {
				readable = nil
			}
			select {
			case v, ok := <-readable:
				if !ok {
					input = nil
					continue
				}
				add(v)
			case c := <-done:
				inFlight--
				ready.put(complete(c.chunk, c.results))
				if !flush() {
					return
				}
			case <-cancelled:
				// Stop reading: what was read and not sent is not sent,
				// the items waiting in the buffer included.
			drain:
				for {
					select {
					case v, ok := <-in:
						if !ok {
							break drain
						}
						k := kind(v)
						partial[k] = append(partial[k], Item[In]{Index: index, Value: v})
						index++
					default:
						break drain
					}
				}
				input, cancelled, reading = nil, nil, false
				for k := range partial {
					dispatch(k) // ctx is done: every item ends as not sent
				}
				if !flush() {
					return
				}
			}
		}
		flush()
	}
}

// window holds the results that wait for an earlier one, in input order
// from index next: a slice, not a map, since they leave in that order. The
// slice is reused once drained, so a steady stream allocates it once.
type window[Out any] struct {
	next  int // the index of slots[head]
	head  int
	count int // results held
	slots []slot[Out]
}

type slot[Out any] struct {
	r  billbridge.Result[Out]
	ok bool
}

// put holds results, each at its Index (which is never below next).
func (w *window[Out]) put(rs []billbridge.Result[Out]) {
	for _, r := range rs {
		i := w.head + r.Index - w.next
		if i >= len(w.slots) {
			if w.head > 0 {
				// Move the live part to the front before growing.
				n := copy(w.slots, w.slots[w.head:])
				clear(w.slots[n:])
				w.slots, i, w.head = w.slots[:n], i-w.head, 0
			}
			if i >= len(w.slots) {
				w.slots = append(w.slots, make([]slot[Out], i+1-len(w.slots))...)
			}
		}
		w.slots[i] = slot[Out]{r, true}
		w.count++
	}
}

// pop takes the result at next, if it is there.
func (w *window[Out]) pop() (billbridge.Result[Out], bool) {
	if w.head == len(w.slots) || !w.slots[w.head].ok {
		return billbridge.Result[Out]{}, false
	}
	r := w.slots[w.head].r
	w.slots[w.head] = slot[Out]{} // let go of the value
	w.head++
	w.next++
	w.count--
	if w.head == len(w.slots) {
		w.slots, w.head = w.slots[:0], 0
	}
	return r, true
}

// notSent gives every item of chunk an ErrNotSent result.
func notSent[In, Out any](chunk []Item[In], cause error) []billbridge.Result[Out] {
	out := make([]billbridge.Result[Out], len(chunk))
	for i := range chunk {
		out[i].Err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, cause)
	}
	return out
}

// complete pins each result to its item's index and gives an error result
// to any item a SendFunc forgot, so that no item can go missing.
func complete[In, Out any](chunk []Item[In], results []billbridge.Result[Out]) []billbridge.Result[Out] {
	if len(results) != len(chunk) {
		fixed := make([]billbridge.Result[Out], len(chunk))
		copy(fixed, results)
		for i := len(results); i < len(chunk); i++ {
			fixed[i].Err = fmt.Errorf("batch: internal error: the sender returned %d results for %d items", len(results), len(chunk))
		}
		results = fixed
	}
	for i := range results {
		results[i].Index = chunk[i].Index
		requestID(&results[i])
	}
	return results
}

// requestID settles r.RequestID for every sender in one place: an item with
// no answer (Status 0) has no answer's id, and a failed item the sender did
// not name one for takes its *billbridge.APIError's (an error answer's, or
// a failed token request's).
func requestID[Out any](r *billbridge.Result[Out]) {
	if r.Status == 0 {
		r.RequestID = ""
	}
	var ae *billbridge.APIError
	if r.RequestID == "" && r.Err != nil && errors.As(r.Err, &ae) {
		r.RequestID = ae.RequestID
	}
}

// answers is what NoteAnswer records for one item of Each: the status and
// request id of every answer its requests got, in order.
type answers struct {
	mu   sync.Mutex
	list []answer
}

type answer struct {
	status int
	id     string
}

type answersKey struct{}

// NoteAnswer records an answer (its HTTP status and the provider's request
// id) for the item of Each whose requests ctx carries; elsewhere it does
// nothing. The engine calls it for every answer.
func NoteAnswer(ctx context.Context, status int, requestID string) {
	a, _ := ctx.Value(answersKey{}).(*answers)
	if a == nil || requestID == "" {
		return
	}
	a.mu.Lock()
	a.list = append(a.list, answer{status, requestID})
	a.mu.Unlock()
}

// stamp returns the request id of the last answer recorded with status, or
// "".
func (a *answers) stamp(status int) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.list) - 1; i >= 0; i-- {
		if a.list[i].status == status {
			return a.list[i].id
		}
	}
	return ""
}

// Each is the SendFunc of a fan-out, one request per item (providers with no
// batch call): chunks hold one item each, but the loop keeps the contract
// whatever the chunk size.
//
// An item's result that names no RequestID gets the request id of the last
// answer its requests got with the result's Status (recorded through
// NoteAnswer): one may send a lookup, a create and a read-back, and its
// result reports the status of the one that decided it.
func Each[In, Out any](one func(ctx context.Context, index int, in In) billbridge.Result[Out]) SendFunc[In, Out] {
	return func(ctx context.Context, chunk []Item[In]) []billbridge.Result[Out] {
		out := make([]billbridge.Result[Out], len(chunk))
		for i, it := range chunk {
			a := &answers{}
			out[i] = one(context.WithValue(ctx, answersKey{}, a), it.Index, it.Value)
			if out[i].RequestID == "" && out[i].Status != 0 {
				out[i].RequestID = a.stamp(out[i].Status)
			}
		}
		return out
	}
}
