package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

func TestUnarchiveCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv, option.WithConcurrency(1))
	ctx := context.Background()
	for _, r := range c.ArchiveCustomers(ctx, []string{"cus_0", "cus_1"}) {
		if !r.OK() {
			t.Fatalf("archive: %+v", r)
		}
	}
	// cus_2 is not archived: Meteroid answers 204 all the same.
	rs := c.UnarchiveCustomers(ctx, []string{"cus_0", "alias-1", "cus_2", "nobody", ""})
	if len(rs) != 5 {
		t.Fatalf("%d results", len(rs))
	}
	if r := rs[0]; !r.OK() || r.ID != "cus_0" || r.Value != "cus_0" || r.Status != 204 || r.Attempts != 1 {
		t.Errorf("item 0: %+v", r)
	}
	if r := rs[1]; !r.OK() || r.ID != "" || r.Value != "alias-1" || r.Status != 204 {
		t.Errorf("item 1 (by alias): %+v", r)
	}
	if r := rs[2]; !r.OK() || r.Status != 204 {
		t.Errorf("item 2 (not archived): %+v", r)
	}
	if !errors.Is(rs[3].Err, billbridge.ErrNotFound) || rs[3].Status != 404 {
		t.Errorf("item 3: %+v", rs[3])
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[4].Err, &ve) || ve.Index != 4 {
		t.Errorf("item 4: %v", rs[4].Err)
	}
	for _, id := range []string{"cus_0", "cus_1", "cus_2"} {
		if srv.Archived(id) {
			t.Errorf("%s still archived", id)
		}
	}
	if got, err := ids(c.ListCustomers(ctx, meteroid.CustomerQuery{})); err != nil || fmt.Sprint(got) != "[cus_0 cus_1 cus_2]" {
		t.Errorf("listed after unarchiving: %v %v", got, err)
	}
	if err := c.UnarchiveCustomer(ctx, "nobody"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("UnarchiveCustomer(nobody) = %v", err)
	}
	if err := c.UnarchiveCustomer(ctx, "cus_0"); err != nil {
		t.Errorf("UnarchiveCustomer(cus_0) again = %v", err)
	}
}

// TestUnarchiveRetriedAfterActing: unarchiving is a POST, but idempotent,
// so an attempt that acted and lost its answer (a dropped connection, a
// 500 after acting, a cut body) is sent again and succeeds.
func TestUnarchiveRetriedAfterActing(t *testing.T) {
	for _, k := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.Status503, fault.TooMany} {
		t.Run(string(k), func(t *testing.T) {
			// The archive passes, the unarchive's first attempt gets k.
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1),
				meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, k}}))
			c := newClient(t, srv)
			if err := c.ArchiveCustomer(context.Background(), "cus_0"); err != nil {
				t.Fatal(err)
			}
			r := c.UnarchiveCustomers(context.Background(), []string{"cus_0"})[0]
			if !r.OK() || r.Status != 204 || r.Attempts != 2 {
				t.Errorf("%+v: want a success after 2 attempts", r)
			}
			if srv.Archived("cus_0") {
				t.Error("still archived")
			}
		})
	}
}

func TestUnarchiveCustomersSeq(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv)
	in := []string{"cus_0", "nobody", "alias-2"}
	var got []billbridge.Result[string]
	for r := range c.UnarchiveCustomersSeq(context.Background(), slices.Values(in)) {
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
	if !got[0].OK() || !errors.Is(got[1].Err, billbridge.ErrNotFound) || !got[2].OK() || got[2].Value != "alias-2" {
		t.Errorf("%+v", got)
	}
}
