package webhook_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
	"github.com/billbridge/billbridge/pkg/webhook/meteroid"
)

// A receiver of Meteroid's webhooks: invoice.paid handled, everything else
// acknowledged by the fallback. Meteroid's delivery is simulated with
// meteroid.Sign; a retry of the same webhook-id is not handled twice.
func Example() {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("the endpoint's signing key......"))

	h, err := meteroid.NewHandler(secret,
		webhook.WithMaxBodyBytes(256<<10),
		webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	h.On(meteroid.TypeInvoicePaid, func(ctx context.Context, e webhook.Event) error {
		inv := e.Data.(*meteroid.InvoiceEvent)
		fmt.Println("paid:", inv.InvoiceID, inv.Total, inv.Currency)
		return nil // an error here answers 500: Meteroid sends it again
	})
	h.Fallback(func(ctx context.Context, e webhook.Event) error {
		fmt.Println("other:", e.Type)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	deliver := func(id, body string) {
		hdr, _ := meteroid.Sign(secret, id, time.Now(), []byte(body))
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header = hdr
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	paid := `{"id":"evt_1","type":"invoice.paid","invoice_id":"inv_1","customer_id":"cus_1","status":"PAID","currency":"EUR","total":12000,"tax_amount":2000,"created_at":"2026-01-01T00:00:00Z","timestamp":"2026-01-01T00:00:00Z"}`
	deliver("msg_1", paid)
	deliver("msg_1", paid) // a retry: acknowledged, not handled again
	deliver("msg_2", `{"id":"evt_2","type":"plan.published","timestamp":"2026-01-01T00:00:00Z"}`)
	// Output:
	// paid: inv_1 12000 EUR
	// 200
	// 200
	// other: plan.published
	// 200
}
