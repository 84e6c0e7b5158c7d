package chargeover_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// seededIDs seeds n customers keyed "<prefix>-i" and returns their ids.
func seededIDs(t *testing.T, srv *chargeovertest.Server, prefix string, n int) []int64 {
	t.Helper()
	srv.Seed(customers(prefix, n, false)...)
	var out []int64
	for _, c := range srv.Customers() {
		id, err := strconv.ParseInt(string(c.CustomerId), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func TestDeleteCustomers(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	ids := seededIDs(t, srv, "d", 3)
	res := c.DeleteCustomers(ctx, []int64{ids[0], 99999, 0, ids[2]})
	if len(res) != 4 {
		t.Fatalf("%d results", len(res))
	}
	for _, i := range []int{0, 3} {
		want := ids[0]
		if i == 3 {
			want = ids[2]
		}
		if r := res[i]; !r.OK() || r.Value != want || r.ID != strconv.FormatInt(want, 10) || r.Status != 200 || r.Attempts != 1 || r.AlreadyGone || r.Index != i {
			t.Errorf("item %d: %+v", i, r)
		}
	}
	if !errors.Is(res[1].Err, billbridge.ErrNotFound) || res[1].Status != 404 {
		t.Errorf("unknown id: %+v", res[1])
	}
	var ve *billbridge.ValidationError
	if !errors.As(res[2].Err, &ve) || ve.Index != 2 || ve.Field != "customer_id" || res[2].Attempts != 0 {
		t.Errorf("id 0: %+v", res[2])
	}
	left := srv.Customers()
	if len(left) != 1 || string(left[0].CustomerId) != strconv.FormatInt(ids[1], 10) {
		t.Fatalf("left in the fake: %+v", left)
	}
	if _, err := c.GetCustomer(ctx, ids[0]); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("deleted customer still reads: %v", err)
	}
	if _, ok := srv.CustomerByExternalKey("d-000"); ok {
		t.Error("deleted customer still found by its key")
	}
	if err := c.DeleteCustomer(ctx, ids[0]); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := c.DeleteCustomer(ctx, ids[1]); err != nil {
		t.Errorf("DeleteCustomer: %v", err)
	}
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("%d customers left", n)
	}
}

// TestDeleteAnswerLost: the first attempt deletes the customer and its
// answer is lost (dropped, replaced by a 500, cut); the retry gets 404,
// which is the delete's success (AlreadyGone).
func TestDeleteAnswerLost(t *testing.T) {
	for _, k := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON} {
		t.Run(string(k), func(t *testing.T) {
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{k}}))
			c := newClient(t, srv)
			ids := seededIDs(t, srv, "l", 1)
			r := c.DeleteCustomers(context.Background(), ids)[0]
			if r.Err != nil || !r.AlreadyGone || r.Value != ids[0] || r.Status != 404 || r.Attempts != 2 {
				t.Fatalf("%+v: want a success marked AlreadyGone after 2 attempts", r)
			}
			if n := len(srv.Customers()); n != 0 {
				t.Errorf("%d customers left", n)
			}
		})
	}
}

// TestDeleteRetriedBeforeActing: faults where the fake did not act are
// retried into a plain success, not AlreadyGone.
func TestDeleteRetriedBeforeActing(t *testing.T) {
	for _, k := range []fault.Kind{fault.Status503, fault.TooMany, fault.DropBefore, fault.HTMLErrorPage} {
		t.Run(string(k), func(t *testing.T) {
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{k}}))
			c := newClient(t, srv)
			ids := seededIDs(t, srv, "r", 1)
			r := c.DeleteCustomers(context.Background(), ids)[0]
			if !r.OK() || r.AlreadyGone || r.Status != 200 {
				t.Fatalf("%+v: want a plain success", r)
			}
		})
	}
}

// TestDeleteNotFoundFirst: a 404 to the first attempt is ErrNotFound, also
// with retries allowed: nothing this call sent could have deleted it.
func TestDeleteNotFoundFirst(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv, option.WithMaxRetries(3))
	r := c.DeleteCustomers(context.Background(), []int64{4242})[0]
	if !errors.Is(r.Err, billbridge.ErrNotFound) || r.AlreadyGone || r.Attempts != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestDeleteCustomersSeq(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	ids := seededIDs(t, srv, "s", 2)
	var got []billbridge.Result[int64]
	for r := range c.DeleteCustomersSeq(context.Background(), slices.Values([]int64{ids[0], 77777, ids[1]})) {
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d results", len(got))
	}
	for i, r := range got {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
	}
	if !got[0].OK() || !errors.Is(got[1].Err, billbridge.ErrNotFound) || !got[2].OK() {
		t.Fatalf("%+v", got)
	}
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("%d customers left", n)
	}
}
