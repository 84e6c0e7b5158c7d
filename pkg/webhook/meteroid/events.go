package meteroid

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
)

// Event types, as in Meteroid's OpenAPI (`webhooks` section, EventType).
const (
	TypeAddonArchived       = "addon.archived"
	TypeAddonCreated        = "addon.created"
	TypeAddonUpdated        = "addon.updated"
	TypeCouponArchived      = "coupon.archived"
	TypeCouponCreated       = "coupon.created"
	TypeCouponUpdated       = "coupon.updated"
	TypeCreditNoteCreated   = "credit_note.created"
	TypeCreditNoteFinalized = "credit_note.finalized"
	TypeCreditNoteVoided    = "credit_note.voided"
	TypeCustomerCreated     = "customer.created"
	TypeInvoiceConsolidated = "invoice.consolidated"
	TypeInvoiceCreated      = "invoice.created"
	TypeInvoiceFinalized    = "invoice.finalized"
	TypeInvoicePaid         = "invoice.paid"
	TypeInvoiceVoided       = "invoice.voided"
	TypeMetricArchived      = "metric.archived"
	TypeMetricCreated       = "metric.created"
	TypeMetricUpdated       = "metric.updated"
	TypePlanArchived        = "plan.archived"
	TypePlanCreated         = "plan.created"
	TypePlanPublished       = "plan.published"
	TypeProductArchived     = "product.archived"
	TypeProductCreated      = "product.created"
	TypeProductUpdated      = "product.updated"
	TypeQuoteAccepted       = "quote.accepted"
	TypeQuoteConverted      = "quote.converted"
	TypeSubscriptionCreated = "subscription.created"
)

// Types lists every event type of the OpenAPI, in its order.
var Types = []string{
	TypeAddonArchived, TypeAddonCreated, TypeAddonUpdated,
	TypeCouponArchived, TypeCouponCreated, TypeCouponUpdated,
	TypeCreditNoteCreated, TypeCreditNoteFinalized, TypeCreditNoteVoided,
	TypeCustomerCreated,
	TypeInvoiceConsolidated, TypeInvoiceCreated, TypeInvoiceFinalized, TypeInvoicePaid, TypeInvoiceVoided,
	TypeMetricArchived, TypeMetricCreated, TypeMetricUpdated,
	TypePlanArchived, TypePlanCreated, TypePlanPublished,
	TypeProductArchived, TypeProductCreated, TypeProductUpdated,
	TypeQuoteAccepted, TypeQuoteConverted,
	TypeSubscriptionCreated,
}

// Envelope holds the fields every Meteroid event carries (schema
// <X>Event = <X>EventData + {id, type, timestamp}, flat, not nested).
type Envelope struct {
	ID        string    `json:"id"` // evt_…
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
}

// CustomerEvent is the payload of customer.* events (CustomerEvent).
type CustomerEvent struct {
	Envelope
	CustomerID      string   `json:"customer_id"`
	Name            string   `json:"name"`
	Alias           *string  `json:"alias"`
	BillingEmail    *string  `json:"billing_email"`
	InvoicingEmails []string `json:"invoicing_emails"`
	Phone           *string  `json:"phone"`
	Currency        string   `json:"currency"`
}

// InvoiceEvent is the payload of invoice.* events (InvoiceEvent). Amounts
// are in minor units.
type InvoiceEvent struct {
	Envelope
	InvoiceID                 string    `json:"invoice_id"`
	CustomerID                string    `json:"customer_id"`
	Status                    string    `json:"status"`
	Currency                  string    `json:"currency"`
	Total                     int64     `json:"total"`
	TaxAmount                 int64     `json:"tax_amount"`
	CreatedAt                 time.Time `json:"created_at"`
	ConsolidatedIntoInvoiceID *string   `json:"consolidated_into_invoice_id"` // invoice.consolidated
}

// SubscriptionEvent is the payload of subscription.* events
// (SubscriptionEvent). Dates without a time are kept as "YYYY-MM-DD".
type SubscriptionEvent struct {
	Envelope
	SubscriptionID   string     `json:"subscription_id"`
	CustomerID       string     `json:"customer_id"`
	CustomerName     string     `json:"customer_name"`
	CustomerAlias    *string    `json:"customer_alias"`
	BillingDayAnchor int32      `json:"billing_day_anchor"`
	Currency         string     `json:"currency"`
	StartDate        string     `json:"start_date"`
	EndDate          *string    `json:"end_date"`
	BillingStartDate *string    `json:"billing_start_date"`
	PlanName         string     `json:"plan_name"`
	Version          int32      `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	ActivatedAt      *time.Time `json:"activated_at"`
	NetTerms         int32      `json:"net_terms"`
	MrrCents         int64      `json:"mrr_cents"`
	Period           string     `json:"period"`
	Status           string     `json:"status"`
	TrialDuration    *int32     `json:"trial_duration"`
	InvoiceMemo      *string    `json:"invoice_memo"`
	InvoiceThreshold *string    `json:"invoice_threshold"`
}

// Decode implements webhook.Provider. Event.ID is the webhook-id header
// (the same for every retry of a message); EntityType is the part of the
// type before the dot and EntityID the matching <entity>_id field, where
// the payload is typed.
func (*Verifier) Decode(h http.Header, body []byte) (webhook.Event, error) {
	ev := webhook.Event{Provider: "meteroid", ID: h.Get(HeaderID), Raw: append([]byte(nil), body...)}
	var env struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, fmt.Errorf("meteroid: %w: %v", webhook.ErrMalformed, err)
	}
	ev.Type = env.Type
	ev.EntityType, ev.Action, _ = strings.Cut(env.Type, ".")
	if t, err := time.Parse(time.RFC3339Nano, env.Timestamp); err == nil {
		ev.Time = t
	}
	var err error
	switch ev.EntityType {
	case "customer":
		var p CustomerEvent
		err = json.Unmarshal(body, &p)
		ev.Data, ev.EntityID = &p, p.CustomerID
	case "invoice":
		var p InvoiceEvent
		err = json.Unmarshal(body, &p)
		ev.Data, ev.EntityID = &p, p.InvoiceID
	case "subscription":
		var p SubscriptionEvent
		err = json.Unmarshal(body, &p)
		ev.Data, ev.EntityID = &p, p.SubscriptionID
	}
	if err != nil {
		// The type is known but a field does not fit its schema: keep the
		// event, untyped, rather than refuse what Meteroid signed.
		ev.Data = nil
	}
	return ev, nil
}
