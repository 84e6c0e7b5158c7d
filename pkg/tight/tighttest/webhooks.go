package tighttest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/billbridge/billbridge/pkg/fake"
	whtight "github.com/billbridge/billbridge/pkg/webhook/tight"
)

// The fake's webhooks (Config.Webhooks, WithWebhooks): every saved customer
// or invoice is an ENTITY_UPDATE whose url is the entity's path
// (/v6/customers/<id>, /v6/invoicing/invoices/<id>) and whose data is the
// entity in the response shape; a deleted one is a LIFECYCLE event
// customerDeleted or invoiceDeleted with eventData {"entityId": id} (the
// fake's own names: Tight's documents list no deletion event). Each
// attempt carries a fresh HS256 token in Tight-Verification, iat now and
// exp five minutes on, signed with the webhook secret (whtight.Sign).

// Editor and company the fake's webhooks name.
const (
	webhookUserID    = "u_fake"
	webhookCompanyID = "co_fake"
)

// WithWebhooks makes the fake send its webhooks to url, signed with secret
// (the webhook_secret), with the sender's defaults for retries.
func WithWebhooks(url, secret string) Option {
	return func(c *Config) { c.Webhooks.URL, c.Webhooks.Secret = url, secret }
}

// WithWebhookConfig sets the whole webhook configuration (retries,
// duplicates, drops).
func WithWebhookConfig(w fake.WebhookConfig) Option { return func(c *Config) { c.Webhooks = w } }

// signWebhook signs one attempt as Tight does.
func signWebhook(secret, _ string, at time.Time, body []byte) (http.Header, []byte, error) {
	tok, err := whtight.Sign(secret, jwt.MapClaims{"iat": at.Unix(), "exp": at.Add(5 * time.Minute).Unix()})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set(whtight.Header, tok)
	h.Set("Content-Type", "application/json")
	return h, body, nil
}

// entityUpdate queues an ENTITY_UPDATE for the entity at path. Callers
// hold mu.
func (st *state) entityUpdate(path string, data any) {
	if st.hooks == nil {
		return
	}
	st.queueWebhook(whtight.EntityUpdate{
		Editor: whtight.Editor{UserID: webhookUserID}, Company: whtight.Company{ID: webhookCompanyID},
		Type: whtight.TypeEntityUpdate, URL: "/v6" + path, Data: mustMarshal(data),
	})
}

// lifecycle queues a LIFECYCLE event about entityID. Callers hold mu.
func (st *state) lifecycle(event, entityID string) {
	if st.hooks == nil {
		return
	}
	st.queueWebhook(whtight.Lifecycle{
		Editor: whtight.Editor{UserID: webhookUserID}, Company: whtight.Company{ID: webhookCompanyID},
		Type: whtight.TypeLifecycle, Event: event, Datetime: st.cfg.Now().UTC(),
		EventData: mustMarshal(map[string]string{"entityId": entityID}),
	})
}

func (st *state) queueWebhook(payload any) {
	st.webhookSeq++
	b, err := json.Marshal(payload)
	mustJSON(err)
	st.hooks.Send("whk_"+strconv.Itoa(st.webhookSeq), b)
}
