package meteroidtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/fake"
	whmeteroid "github.com/billbridge/billbridge/pkg/webhook/meteroid"
)

// The fake's webhooks (Config.Webhooks, WithWebhooks): every customer
// created through POST is a customer.created event (CustomerEvent: id
// evt_…, type, timestamp and the customer's fields), delivered under a
// webhook-id msg_… that stays the same across retries, each attempt signed
// anew as Standard Webhooks (whmeteroid.Sign) with the whsec_ secret.
// Meteroid's OpenAPI lists no customer.updated or customer.archived event,
// so patches and archives send nothing.

// WithWebhooks makes the fake send its webhooks to url, signed with secret
// (a whsec_ key), with the sender's defaults for retries.
func WithWebhooks(url, secret string) Option {
	return func(c *Config) { c.Webhooks.URL, c.Webhooks.Secret = url, secret }
}

// WithWebhookConfig sets the whole webhook configuration (retries,
// duplicates, drops).
func WithWebhookConfig(w fake.WebhookConfig) Option { return func(c *Config) { c.Webhooks = w } }

// newWebhooks checks the secret and starts the sender (nil without URL).
func newWebhooks(w fake.WebhookConfig) (*fake.Webhooks, error) {
	if w.URL == "" {
		return nil, nil
	}
	if _, err := whmeteroid.New(w.Secret); err != nil {
		return nil, fmt.Errorf("meteroidtest: webhook secret: %w", err)
	}
	return fake.NewWebhooks(w, signWebhook), nil
}

func signWebhook(secret, id string, at time.Time, body []byte) (http.Header, []byte, error) {
	h, err := whmeteroid.Sign(secret, id, at, body)
	return h, body, err
}

// customerCreated queues a customer.created for c. Callers hold mu.
func (st *store) customerCreated(c *meteroidapi.Customer) {
	if st.hooks == nil {
		return
	}
	st.webhookSeq++
	ev := whmeteroid.CustomerEvent{
		Envelope: whmeteroid.Envelope{
			ID: fmt.Sprintf("evt_%d", st.webhookSeq), Type: whmeteroid.TypeCustomerCreated, Timestamp: time.Now().UTC(),
		},
		CustomerID: c.Id, Name: c.Name, Alias: c.Alias, BillingEmail: c.BillingEmail,
		InvoicingEmails: c.InvoicingEmails, Phone: c.Phone, Currency: string(c.Currency),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic("meteroidtest: " + err.Error())
	}
	st.hooks.Send(fmt.Sprintf("msg_%d", st.webhookSeq), b)
}
