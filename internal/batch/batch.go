// Package batch is the engine under every billbridge facade's batch calls:
// it cuts a stream of items into chunks, sends up to Concurrency chunks at a
// time through a provider-specific SendFunc, and yields exactly one Result per
// input item, in input order.
//
// Memory stays bounded whatever the input's length: at most about
// 2 × Concurrency chunks are held at once, so a million items from an
// iter.Seq stream through. Nothing is dropped: when the context is cancelled,
// the items not yet sent still get a Result, with an error wrapping billbridge.ErrNotSent
// and the context's error.
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

// Run sends a slice and returns its results, one per item, in input order.
func Run[In, Out any](ctx context.Context, items []In, opts Options, send SendFunc[In, Out]) []billbridge.Result[Out] {
	out := make([]billbridge.Result[Out], 0, len(items))
	for r := range Stream(ctx, slices.Values(items), len(items), opts, send) {
		out = append(out, r)
	}
	return out
}

// Stream sends the items of seq and yields their results in input order as
// they complete. total is the number of items when known, else -1 (it is
// only reported through OnProgress). Breaking out of the loop stops sending
// and cancels the chunks in flight; the loop returns once their SendFuncs
// have (so a SendFunc must honour its context).
func Stream[In, Out any](ctx context.Context, seq iter.Seq[In], total int, opts Options, send SendFunc[In, Out]) iter.Seq[billbridge.Result[Out]] {
	size := max(opts.ChunkSize, 1)
	conc := max(opts.Concurrency, 1)
	return func(yield func(billbridge.Result[Out]) bool) {
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		type pending struct {
			chunk []Item[In]
			done  chan []billbridge.Result[Out]
		}
		queue := make(chan *pending, conc)
		slots := make(chan struct{}, conc)
		stopped := make(chan struct{})
		// sends tracks the SendFunc calls in flight: Stream does not return
		// while one still runs, so no send outlives the loop that asked for it.
		var sends sync.WaitGroup
		defer func() {
			// Also on a panic in the loop body: stop the producer, cancel
			// the chunks in flight, let the producer finish, then wait.
			close(stopped)
			cancel()
			for range queue {
				// chunks in flight see the cancellation
			}
			sends.Wait()
		}()

		go func() {
			defer close(queue)
			dispatch := func(chunk []Item[In]) bool {
				select {
				case <-stopped:
					return false
				default:
				}
				p := &pending{chunk: chunk, done: make(chan []billbridge.Result[Out], 1)}
				select {
				case slots <- struct{}{}:
					// select picks among ready cases at random: check that
					// the consumer has not left before sending anything.
					select {
					case <-stopped:
						<-slots
						return false
					default:
					}
					if ctx.Err() != nil {
						<-slots
						p.done <- notSent[In, Out](chunk, ctx.Err())
						break
					}
					sends.Add(1)
					go func() {
						defer sends.Done()
						defer func() { <-slots }()
						p.done <- send(runCtx, chunk)
					}()
				case <-ctx.Done():
					p.done <- notSent[In, Out](chunk, ctx.Err())
				case <-stopped:
					return false
				}
				select {
				case queue <- p:
					return true
				case <-stopped:
					return false
				}
			}
			chunk := make([]Item[In], 0, size)
			index := 0
			for v := range seq {
				chunk = append(chunk, Item[In]{Index: index, Value: v})
				index++
				if len(chunk) == size {
					if !dispatch(chunk) {
						return
					}
					chunk = make([]Item[In], 0, size)
				}
			}
			if len(chunk) > 0 {
				dispatch(chunk)
			}
		}()

		progress := billbridge.Progress{Total: total}
		for p := range queue {
			results := complete(p.chunk, <-p.done)
			for _, r := range results {
				progress.Done++
				if r.Err != nil {
					progress.Failed++
				}
				if !yield(r) {
					return // the deferred cleanup stops and waits
				}
			}
			if opts.OnProgress != nil {
				opts.OnProgress(progress)
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
