package batch_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
)

// The request id of a result: Each matches the result's Status with the
// answers noted for its item; a failure without one takes its APIError's;
// an item with no answer (Status 0) has none.
func TestResultRequestID(t *testing.T) {
	one := func(ctx context.Context, index int, in int) billbridge.Result[int] {
		switch in {
		case 0: // a lookup (404), a create (201), a read-back (200)
			batch.NoteAnswer(ctx, 404, "look")
			batch.NoteAnswer(ctx, 201, "create")
			batch.NoteAnswer(ctx, 200, "read")
			return billbridge.Result[int]{Status: 201}
		case 1: // the sender names the id itself
			batch.NoteAnswer(ctx, 200, "noted")
			return billbridge.Result[int]{Status: 200, RequestID: "own"}
		case 2: // a failure whose error names the answer
			return billbridge.Result[int]{Status: 500, Err: fmt.Errorf("wrapped: %w", &billbridge.APIError{RequestID: "err"})}
		default: // no answer, a stale id
			return billbridge.Result[int]{RequestID: "stale", Err: fmt.Errorf("not sent")}
		}
	}
	res := batch.Run(context.Background(), []int{0, 1, 2, 3}, batch.Options{}, batch.Each(one))
	for i, want := range []string{"create", "own", "err", ""} {
		if res[i].RequestID != want {
			t.Errorf("item %d: RequestID %q, want %q", i, res[i].RequestID, want)
		}
	}
	// Outside Each, NoteAnswer records nothing and does not fail.
	batch.NoteAnswer(context.Background(), 200, "x")
}
