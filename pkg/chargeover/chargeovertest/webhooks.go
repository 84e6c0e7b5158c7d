package chargeovertest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/fake"
	whchargeover "github.com/billbridge/billbridge/pkg/webhook/chargeover"
)

// The fake's webhooks (Config.Webhooks, WithWebhooks): every customer
// created, updated or deleted after the fake started is a delivery
// {"context_str":"customer","context_id":<id>,"event":"insert"|"update"|
// "delete","data":{"customer":{…}},"security_token":<secret>} with the
// secret also in X-ChargeOver-Key (whchargeover.Sign), the customer as
// stored (as it was, for a delete). The customers of Config.Customers,
// created before the fake serves, send nothing. Invoices, transactions and
// items send the same envelope with their context_str: invoice.insert,
// invoice.update (an update, a void, a payment applied), transaction.insert
// and item.insert, the entity as a read returns it.

// WithWebhooks makes the fake send its webhooks to url with the shared
// secret, with the sender's defaults for retries.
func WithWebhooks(url, secret string) Option {
	return func(c *Config) { c.Webhooks.URL, c.Webhooks.Secret = url, secret }
}

// WithWebhookConfig sets the whole webhook configuration (retries,
// duplicates, drops).
func WithWebhookConfig(w fake.WebhookConfig) Option { return func(c *Config) { c.Webhooks = w } }

func signWebhook(secret, _ string, _ time.Time, body []byte) (http.Header, []byte, error) {
	return whchargeover.Sign(secret, body)
}

// customerEvent queues a customer.<event> about c. Callers hold mu.
func (st *store) customerEvent(event string, c chargeoverapi.Customer) {
	st.event("customer", c.CustomerId, event, c)
}

// event queues a <context>.<event> about entity (id its id). Callers hold
// mu.
func (st *store) event(context string, id json.Number, event string, entity any) {
	if st.hooks == nil {
		return
	}
	data, err := json.Marshal(entity)
	if err != nil {
		panic("chargeovertest: " + err.Error())
	}
	b, err := json.Marshal(whchargeover.Payload{
		ContextStr: context, ContextID: id, Event: event,
		Data: map[string]json.RawMessage{context: data},
	})
	if err != nil {
		panic("chargeovertest: " + err.Error())
	}
	st.webhookSeq++
	st.hooks.Send("whk_"+strconv.Itoa(st.webhookSeq), b)
}
