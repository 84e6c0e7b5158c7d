// Package batch is the engine under every billbridge facade's batch calls:
// it cuts a stream of items into chunks, sends up to Concurrency chunks at a
// time through a provider-specific SendFunc, and yields exactly one Result per
// input item, in input order.
//
// Memory stays bounded whatever the input's length: at most Concurrency
// chunks in flight and one being filled, so a million items from an
// iter.Seq stream through. Nothing read is dropped: when the context is
// cancelled, the items read and not yet sent still get a Result, with an
// error wrapping billbridge.ErrNotSent and the context's error, and no more
// input is read.
package batch

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/billbridge/billbridge"
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
	// Concurrency is the number of SendFunc calls in flight (default 1).
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
	out := make([]billbridge.Result[Out], 0, len(items))
	for r := range Stream(ctx, slices.Values(items), len(items), opts, send) {
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
	size := max(opts.ChunkSize, 1)
	conc := max(opts.Concurrency, 1)
	return func(yield func(billbridge.Result[Out]) bool) {
		runCtx, cancel := context.WithCancel(ctx)
		// sends tracks the SendFunc calls in flight: Stream does not return
		// while one still runs, so no send outlives the loop that asked for it.
		var sends sync.WaitGroup
		stopped := make(chan struct{})
		defer func() {
			// Also on a panic in the loop body: stop the reader, cancel
			// the chunks in flight and wait for them.
			close(stopped)
			cancel()
			sends.Wait()
		}()

		// The reader is the only goroutine that runs seq: it hands items
		// over one by one, so that this loop never waits on seq itself.
		in := make(chan In)
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

		type pending struct {
			chunk []Item[In]
			done  chan []billbridge.Result[Out]
		}
		var queue []*pending // in input order
		dispatch := func(chunk []Item[In]) {
			p := &pending{chunk: chunk, done: make(chan []billbridge.Result[Out], 1)}
			queue = append(queue, p)
			if err := ctx.Err(); err != nil {
				p.done <- notSent[In, Out](chunk, err)
				return
			}
			sends.Add(1)
			go func() {
				defer sends.Done()
				p.done <- send(runCtx, chunk)
			}()
		}
		progress := billbridge.Progress{Total: total}
		// emit yields the results of the oldest chunk; false when the
		// loop body broke out.
		emit := func(results []billbridge.Result[Out]) bool {
			p := queue[0]
			queue = queue[1:]
			for _, r := range complete(p.chunk, results) {
				progress.Done++
				if r.Err != nil {
					progress.Failed++
				}
				if !yield(r) {
					return false
				}
			}
			if opts.OnProgress != nil {
				opts.OnProgress(progress)
			}
			return true
		}

		chunk := make([]Item[In], 0, size)
		index := 0
		input, cancelled := in, ctx.Done()
		for input != nil || len(queue) > 0 || len(chunk) > 0 {
			// Read input only while a send slot is free: memory stays at
			// Concurrency chunks in flight plus the one being filled.
			readable := input
			if len(queue) >= conc {
				readable = nil
			}
			var oldest chan []billbridge.Result[Out]
			if len(queue) > 0 {
				oldest = queue[0].done
			}
			if input == nil && len(chunk) > 0 && len(queue) < conc {
				dispatch(chunk)
				chunk = nil
				continue
			}
			select {
			case v, ok := <-readable:
				if !ok {
					input = nil
					continue
				}
				chunk = append(chunk, Item[In]{Index: index, Value: v})
				index++
				if len(chunk) == size {
					dispatch(chunk)
					chunk = make([]Item[In], 0, size)
				}
			case results := <-oldest:
				if !emit(results) {
					return
				}
			case <-cancelled:
				// Stop reading: what was read and not sent is not sent.
				input, cancelled = nil, nil
				if len(chunk) > 0 {
					queue = append(queue, &pending{chunk: chunk, done: make(chan []billbridge.Result[Out], 1)})
					queue[len(queue)-1].done <- notSent[In, Out](chunk, ctx.Err())
					chunk = nil
				}
			}
		}
	}
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
	}
	return results
}
