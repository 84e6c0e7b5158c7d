package engine

import (
	"context"
	"iter"
)

// Page is one page of a list or query: its items and where the next page
// starts.
type Page[T any, C any] struct {
	// Items are the page's entities, in the provider's order.
	Items []T
	// Next addresses the next page (a cursor, an offset, a page number).
	Next C
	// Last reports that no page follows.
	Last bool
	// Total is the number of entities of the whole listing when the
	// provider says (Meteroid's pagination_meta.total_items); 0 when it
	// does not.
	Total int
}

// FetchPage reads the page at cursor. Its requests go through Call, so the
// rate limiter and retries apply to every page.
type FetchPage[T any, C any] func(ctx context.Context, cursor C) (Page[T, C], error)

// Pages walks every page from first and yields each item once, in order.
// A page that fails (after the retries Call made) yields its error once and
// ends the iteration: nothing is skipped silently. Breaking out of the loop
// or a cancelled context stops it without another request. A page that
// comes back empty without saying it is the last ends the walk too, so that
// a provider that never says "last" cannot loop forever.
func Pages[T any, C any](ctx context.Context, first C, fetch FetchPage[T, C]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cursor := first
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			page, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range page.Items {
				if err := ctx.Err(); err != nil {
					yield(zero, err) // a cancel ends the walk mid-page too
					return
				}
				if !yield(it, nil) {
					return
				}
			}
			if page.Last || len(page.Items) == 0 {
				return
			}
			cursor = page.Next
		}
	}
}

// Distinct passes a walk on, dropping every item whose key it has yielded
// already (a zero key is never taken for a repeat): page-number and offset
// paging can hand an item out twice when others are created during the
// walk. It keeps one key per item seen.
func Distinct[T any, K comparable](items iter.Seq2[T, error], key func(T) K) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero K
		seen := map[K]struct{}{}
		for v, err := range items {
			if err == nil {
				k := key(v)
				if _, dup := seen[k]; dup && k != zero {
					continue
				}
				seen[k] = struct{}{}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// Fail is a walk that yields err and ends: a query refused before any
// request (a page size out of range, say).
func Fail[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
