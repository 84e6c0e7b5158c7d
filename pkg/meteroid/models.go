package meteroid

import "github.com/billbridge/billbridge/gen/meteroidapi"

// The generated models are the facade's models: aliases, not copies, so that
// values move freely between this package and meteroidapi.

// Customer is a customer as the API returns it.
type Customer = meteroidapi.Customer

// CustomerPatch is the body of a partial update: only the fields set
// (non-nil) are changed.
type CustomerPatch = meteroidapi.CustomerPatch

// Address is a postal address.
type Address = meteroidapi.Address

// ShippingAddress is where goods are shipped.
type ShippingAddress = meteroidapi.ShippingAddress

// CustomTax is a customer-specific tax.
type CustomTax = meteroidapi.CustomTax

// Currency is an ISO 4217 currency code (constants CurrencyEUR, ...).
type Currency = meteroidapi.Currency

// Error is Meteroid's error body: {code, message}.
type Error = meteroidapi.Error

// ErrorCode is Meteroid's machine-readable error code.
type ErrorCode = meteroidapi.ErrorCode

// Currencies used most often; every other code is meteroidapi.Currency<CODE>.
const (
	CurrencyEUR = meteroidapi.CurrencyEUR
	CurrencyUSD = meteroidapi.CurrencyUSD
	CurrencyGBP = meteroidapi.CurrencyGBP
	CurrencyCHF = meteroidapi.CurrencyCHF
)

// Error codes Meteroid documents, for matching APIError.Code.
const (
	CodeBadRequest          = string(meteroidapi.ErrorCodeBadRequest)
	CodeNotFound            = string(meteroidapi.ErrorCodeNotFound)
	CodeConflict            = string(meteroidapi.ErrorCodeConflict)
	CodeForbidden           = string(meteroidapi.ErrorCodeForbidden)
	CodeUnauthorized        = string(meteroidapi.ErrorCodeUnauthorized)
	CodeTooManyRequests     = string(meteroidapi.ErrorCodeTooManyRequests)
	CodeInternalServerError = string(meteroidapi.ErrorCodeInternalServerError)
)

// CustomerCreate is the body of a create: name, invoicing_emails, currency
// and custom_taxes are required (send empty slices for none).
type CustomerCreate = meteroidapi.CustomerCreate

// CustomerList is one page of a listing: {data, pagination_meta}.
type CustomerList = meteroidapi.CustomerList

// PaginationMeta says where a page stands: page, per_page, total_items,
// total_pages.
type PaginationMeta = meteroidapi.PaginationMeta

// CustomerUpdateRequest is the body of a full replacement (ReplaceCustomers):
// name, invoicing_emails, currency, invoicing_entity_id and custom_taxes are
// required; an optional field left nil is cleared.
type CustomerUpdateRequest = meteroidapi.CustomerUpdateRequest

// Event is one usage event: event_id, customer_id (id or alias), code (the
// billable metric's), an RFC 3339 timestamp and string properties.
type Event = meteroidapi.Event

// IngestEventsRequest is the body of an ingest: 1 to 100 events and the
// allow_partial_failures and allow_backfilling switches.
type IngestEventsRequest = meteroidapi.IngestEventsRequest

// IngestEventsResult is the answer of an ingest: the events that failed.
type IngestEventsResult = meteroidapi.IngestEventsResult

// IngestFailure names one event that failed and why.
type IngestFailure = meteroidapi.IngestFailure

// UsageResponse is usage over a period, one entry per billable metric.
type UsageResponse = meteroidapi.UsageResponse

// MetricUsage is one billable metric's usage over a period.
type MetricUsage = meteroidapi.MetricUsage

// GroupedUsage is a metric's usage for one combination of dimensions.
type GroupedUsage = meteroidapi.GroupedUsage
