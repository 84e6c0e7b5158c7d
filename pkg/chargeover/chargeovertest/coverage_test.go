package chargeovertest

import (
	"context"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/fault"
)

// TestSpecCoverage runs a representative scenario and counts which of the
// spec's operations and declared status codes the fake produced. Every
// response is also checked against the spec (a collecting CheckResponse, so
// the scenario can assert that none failed).
func TestSpecCoverage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var mismatches []error
	// The first requests get these faults, in order, for each of the eighteen
	// operations; then every request passes.
	faults := []fault.Kind{fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504}
	var sequence []fault.Kind
	for range 18 {
		sequence = append(sequence, faults...)
	}
	srv := NewTestServer(t,
		WithFaults(fault.Config{Sequence: sequence}),
		WithCheckResponse(func(err error) { mu.Lock(); mismatches = append(mismatches, err); mu.Unlock() }))
	c := client(t, srv)
	anon := clientAs(t, srv, "", "")
	ctx := context.Background()
	one := chargeoverapi.BulkRequest{createSub(cust("b", "B"))}
	upd := chargeoverapi.CustomerUpdate{Company: ptr("A2")}
	srv.Seed(cust("seed", "Seed"))

	for range faults {
		_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))
	}
	for range faults {
		_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "a")
	}
	for range faults {
		_, _ = c.BulkWithResponse(ctx, one)
	}
	for range faults {
		_, _ = c.ListCustomersWithResponse(ctx, nil)
	}
	for range faults {
		_, _ = c.GetCustomerWithResponse(ctx, firstID)
	}
	for range faults {
		_, _ = c.UpdateCustomerWithResponse(ctx, firstID, upd)
	}
	for range faults {
		_, _ = c.DeleteCustomerWithResponse(ctx, firstID+1)
	}
	inv := chargeoverapi.InvoiceCreate{CustomerExternalKey: ptr("seed"), ExternalKey: ptr("i1"),
		LineItems: []chargeoverapi.InvoiceLineCreate{{LineRate: ptr(29.95), LineQuantity: ptr(3.0)}}}
	for range faults {
		_, _ = c.CreateInvoiceWithResponse(ctx, inv)
	}
	for range faults {
		_, _ = c.ListInvoicesWithResponse(ctx, nil)
	}
	for range faults {
		_, _ = c.GetInvoiceWithResponse(ctx, firstInvoiceID)
	}
	pay := chargeoverapi.TransactionCreate{CustomerExternalKey: ptr("seed"), TransactionType: chargeoverapi.TransactionTypePay, GatewayTransid: ptr("gw1"),
		AppliedTo: &[]chargeoverapi.TransactionAppliedCreate{{InvoiceExternalKey: ptr("i1"), Applied: ptr(10.0)}}}
	badPay := chargeoverapi.TransactionCreate{CustomerId: ptr(int64(99999)), TransactionType: chargeoverapi.TransactionTypePay, Amount: ptr(1.0)}
	for range faults {
		_, _ = c.CreateTransactionWithResponse(ctx, pay)
	}
	for range faults {
		_, _ = c.ListTransactionsWithResponse(ctx, nil)
	}
	for range faults {
		_, _ = c.GetTransactionWithResponse(ctx, firstTransactionID)
	}
	invUpd := chargeoverapi.InvoiceUpdate{Memo: ptr("thanks")}
	void := &chargeoverapi.InvoiceActionParams{Action: chargeoverapi.InvoiceActionParamsActionVoid}
	for range faults {
		_, _ = c.UpdateInvoiceWithResponse(ctx, firstInvoiceID, invUpd)
	}
	for range faults {
		_, _ = c.InvoiceActionWithResponse(ctx, firstInvoiceID, void, chargeoverapi.InvoiceActionRequest{})
	}
	item := chargeoverapi.ItemCreate{Name: "Support", ExternalKey: ptr("it1")}
	for range faults {
		_, _ = c.CreateItemWithResponse(ctx, item)
	}
	for range faults {
		_, _ = c.ListItemsWithResponse(ctx, nil)
	}
	for range faults {
		_, _ = c.GetItemWithResponse(ctx, firstItemID)
	}
	_, _ = c.CreateInvoiceWithResponse(ctx, inv)                                                                                                                                          // 201
	_, _ = c.CreateInvoiceWithResponse(ctx, inv)                                                                                                                                          // 400 (i1 is used)
	_, _ = anon.CreateInvoiceWithResponse(ctx, inv)                                                                                                                                       // 401
	_, _ = c.ListInvoicesWithResponse(ctx, &chargeoverapi.ListInvoicesParams{Where: ptr("total:GT:10")})                                                                                  // 200
	_, _ = c.ListInvoicesWithResponse(ctx, &chargeoverapi.ListInvoicesParams{Where: ptr("nosuch:GT:10")})                                                                                 // 400
	_, _ = anon.ListInvoicesWithResponse(ctx, nil)                                                                                                                                        // 401
	_, _ = c.GetInvoiceWithResponse(ctx, firstInvoiceID)                                                                                                                                  // 200
	_, _ = c.GetInvoiceWithResponse(ctx, 0)                                                                                                                                               // 400 (minimum 1)
	_, _ = c.GetInvoiceWithResponse(ctx, 99999)                                                                                                                                           // 404
	_, _ = anon.GetInvoiceWithResponse(ctx, firstInvoiceID)                                                                                                                               // 401
	_, _ = c.CreateTransactionWithResponse(ctx, pay)                                                                                                                                      // 201
	_, _ = c.CreateTransactionWithResponse(ctx, badPay)                                                                                                                                   // 400
	_, _ = anon.CreateTransactionWithResponse(ctx, pay)                                                                                                                                   // 401
	_, _ = c.ListTransactionsWithResponse(ctx, &chargeoverapi.ListTransactionsParams{Where: ptr("gateway_transid:EQUALS:gw1")})                                                           // 200
	_, _ = c.ListTransactionsWithResponse(ctx, &chargeoverapi.ListTransactionsParams{Where: ptr("nosuch:EQUALS:1")})                                                                      // 400
	_, _ = anon.ListTransactionsWithResponse(ctx, nil)                                                                                                                                    // 401
	_, _ = c.GetTransactionWithResponse(ctx, firstTransactionID)                                                                                                                          // 200
	_, _ = c.GetTransactionWithResponse(ctx, 0)                                                                                                                                           // 400 (minimum 1)
	_, _ = c.GetTransactionWithResponse(ctx, 99999)                                                                                                                                       // 404
	_, _ = anon.GetTransactionWithResponse(ctx, firstTransactionID)                                                                                                                       // 401
	_, _ = c.CreateItemWithResponse(ctx, item)                                                                                                                                            // 201
	_, _ = c.CreateItemWithResponse(ctx, item)                                                                                                                                            // 400 (it1 is used)
	_, _ = anon.CreateItemWithResponse(ctx, item)                                                                                                                                         // 401
	_, _ = c.ListItemsWithResponse(ctx, &chargeoverapi.ListItemsParams{Where: ptr("external_key:EQUALS:it1")})                                                                            // 200
	_, _ = c.ListItemsWithResponse(ctx, &chargeoverapi.ListItemsParams{Where: ptr("nosuch:EQUALS:1")})                                                                                    // 400
	_, _ = anon.ListItemsWithResponse(ctx, nil)                                                                                                                                           // 401
	_, _ = c.GetItemWithResponse(ctx, firstItemID)                                                                                                                                        // 200
	_, _ = c.GetItemWithResponse(ctx, 0)                                                                                                                                                  // 400 (minimum 1)
	_, _ = c.GetItemWithResponse(ctx, 99999)                                                                                                                                              // 404
	_, _ = anon.GetItemWithResponse(ctx, firstItemID)                                                                                                                                     // 401
	_, _ = c.UpdateInvoiceWithResponse(ctx, firstInvoiceID, invUpd)                                                                                                                       // 202
	_, _ = c.UpdateInvoiceWithResponse(ctx, firstInvoiceID, chargeoverapi.InvoiceUpdate{LineItems: &[]chargeoverapi.InvoiceLineCreate{{LineRate: ptr(1.0)}}})                             // 400 (below the 10.00 paid)
	_, _ = c.UpdateInvoiceWithResponse(ctx, 99999, invUpd)                                                                                                                                // 404
	_, _ = anon.UpdateInvoiceWithResponse(ctx, firstInvoiceID, invUpd)                                                                                                                    // 401
	_, _ = c.InvoiceActionWithResponse(ctx, firstInvoiceID, &chargeoverapi.InvoiceActionParams{Action: chargeoverapi.InvoiceActionParamsActionPay}, chargeoverapi.InvoiceActionRequest{}) // 200
	_, _ = c.InvoiceActionWithResponse(ctx, firstInvoiceID, void, chargeoverapi.InvoiceActionRequest{})                                                                                   // 400 (paid)
	_, _ = c.InvoiceActionWithResponse(ctx, 99999, void, chargeoverapi.InvoiceActionRequest{})                                                                                            // 404
	_, _ = anon.InvoiceActionWithResponse(ctx, firstInvoiceID, void, chargeoverapi.InvoiceActionRequest{})                                                                                // 401
	_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))                                                                                                                              // 201
	_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))                                                                                                                              // 400
	_, _ = anon.CreateCustomerWithResponse(ctx, cust("z", "Z"))                                                                                                                           // 401
	_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "a")                                                                                                                               // 200
	_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "zz")                                                                                                                              // 404
	_, _ = anon.GetCustomerByExternalKeyWithResponse(ctx, "a")                                                                                                                            // 401
	_, _ = c.BulkWithResponse(ctx, one)                                                                                                                                                   // 200
	_, _ = c.BulkWithResponse(ctx, chargeoverapi.BulkRequest{})                                                                                                                           // 400
	_, _ = anon.BulkWithResponse(ctx, one)                                                                                                                                                // 401
	_, _ = c.ListCustomersWithResponse(ctx, &chargeoverapi.ListCustomersParams{Where: ptr("company:EQUALS:A")})                                                                           // 200
	_, _ = c.ListCustomersWithResponse(ctx, &chargeoverapi.ListCustomersParams{Where: ptr("nosuch:EQUALS:A")})                                                                            // 400
	_, _ = anon.ListCustomersWithResponse(ctx, nil)                                                                                                                                       // 401
	_, _ = c.GetCustomerWithResponse(ctx, firstID)                                                                                                                                        // 200
	_, _ = c.GetCustomerWithResponse(ctx, 0)                                                                                                                                              // 400 (minimum 1)
	_, _ = c.GetCustomerWithResponse(ctx, 99999)                                                                                                                                          // 404
	_, _ = anon.GetCustomerWithResponse(ctx, firstID)                                                                                                                                     // 401
	_, _ = c.UpdateCustomerWithResponse(ctx, firstID, upd)                                                                                                                                // 202
	_, _ = c.UpdateCustomerWithResponse(ctx, firstID, chargeoverapi.CustomerUpdate{ExternalKey: ptr("b")})                                                                                // 400 (b is used)
	_, _ = c.UpdateCustomerWithResponse(ctx, 99999, upd)                                                                                                                                  // 404
	_, _ = anon.UpdateCustomerWithResponse(ctx, firstID, upd)                                                                                                                             // 401
	_, _ = c.DeleteCustomerWithResponse(ctx, firstID+1)                                                                                                                                   // 200 (a)
	_, _ = c.DeleteCustomerWithResponse(ctx, firstID+1)                                                                                                                                   // 404 (deleted)
	_, _ = c.DeleteCustomerWithResponse(ctx, 0)                                                                                                                                           // 400 (minimum 1)
	_, _ = anon.DeleteCustomerWithResponse(ctx, firstID)                                                                                                                                  // 401

	waitRequests(t, srv, 18*5+24+38)
	cov := srv.Coverage()
	t.Logf("fake coverage: %s", cov)
	if cov.Operations != 18 || cov.OperationsSeen != 18 || len(cov.Missing) > 0 {
		t.Errorf("not produced: %v", cov.Missing)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range mismatches {
		t.Errorf("response mismatch: %v", e)
	}
}
