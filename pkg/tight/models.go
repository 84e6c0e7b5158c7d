package tight

import "github.com/billbridge/billbridge/gen/tightapi"

// Generated models, re-exported so that callers need not import gen/tightapi.
type (
	// Customer is a saved customer as Tight returns it.
	Customer = tightapi.Customer
	// CustomerInput is a customer to save: with Id an update, without a create.
	CustomerInput = tightapi.CustomerInput
	// CustomerAddress is a customer's address as returned.
	CustomerAddress = tightapi.CustomerAddress
	// CustomerAddressInput is a customer's address as sent.
	CustomerAddressInput = tightapi.CustomerAddressInput
	// InvoiceSettings says how a customer appears on invoices.
	InvoiceSettings = tightapi.InvoiceSettings
	// CustomData is the free-form object every entity carries.
	CustomData = tightapi.CustomData
	// Invoice is a saved invoice as Tight returns it.
	Invoice = tightapi.Invoice
	// InvoiceInput is an invoice to save: with Id an update, without a create.
	InvoiceInput = tightapi.InvoiceInput
	// InvoiceCustomer is the customer of a returned invoice.
	InvoiceCustomer = tightapi.InvoiceCustomer
	// InvoiceTotals are an invoice's computed totals in minor units.
	InvoiceTotals = tightapi.InvoiceTotals
	// LineItem is an invoice line as returned.
	LineItem = tightapi.LineItem
	// LineItemInput is an invoice line as sent.
	LineItemInput = tightapi.LineItemInput
	// Discount is an invoice-level discount.
	Discount = tightapi.Discount
	// SalesTax is a sales tax on an invoice or a line.
	SalesTax = tightapi.SalesTax
	// Installment is a part payment of an invoice.
	Installment = tightapi.Installment
	// CollectionInfoInput holds an invoice's collection settings as sent.
	CollectionInfoInput = tightapi.CollectionInfoInput
	// CollectionInfo holds an invoice's collection settings as returned.
	CollectionInfo = tightapi.CollectionInfo
	// RecurrenceInput is an invoice's recurrence as sent.
	RecurrenceInput = tightapi.RecurrenceInput
	// Recurrence is an invoice's recurrence as returned.
	Recurrence = tightapi.Recurrence
	// Term is a payment term.
	Term = tightapi.Term
	// AdjustmentType says how a discount, tax or amount due is read.
	AdjustmentType = tightapi.AdjustmentType
	// Payment is a saved payment as Tight returns it (the newer version,
	// ptxn_…; answers of the older pmt_… version read into it too).
	Payment = tightapi.Payment
	// PaymentInput is a payment to save: with Id an update, without a create.
	PaymentInput = tightapi.PaymentInput
	// PaymentChild is a line of a returned payment.
	PaymentChild = tightapi.PaymentChild
	// PaymentChildInput is a line of a payment as sent; InvoiceId names the
	// invoice it pays.
	PaymentChildInput = tightapi.PaymentChildInput
	// ItemTemplate is an invoice item template as Tight returns it.
	ItemTemplate = tightapi.ItemTemplate
	// ItemTemplateInput is an item template to save: with Id an update,
	// without a create.
	ItemTemplateInput = tightapi.ItemTemplateInput
	// InvoicingSetup is the defaults new invoices start from.
	InvoicingSetup = tightapi.InvoicingSetup
	// Error is one entry of the error list of a Tight answer.
	Error = tightapi.Error
	// ClassSegment is a class-tracking segment of a customer (Child
	// is the chosen segment below it).
	ClassSegment = tightapi.ClassSegment
	// ClassLabel is the label (level) of a class segment.
	ClassLabel = tightapi.ClassLabel
	// StringFilter holds Tight's conditions on a string field (Equal,
	// NotEqual, GreaterThan, GreaterThanEqual, LessThan, LessThanEqual,
	// Contain), combined with AND.
	StringFilter = tightapi.StringFilter
	// StatusFilter holds conditions on a record status (In, NotIn and the
	// string comparisons).
	StatusFilter = tightapi.StatusFilter
	// InvoiceStatusFilter holds conditions on an invoice's state (In, NotIn).
	InvoiceStatusFilter = tightapi.InvoiceStatusFilter
	// ClassSegmentsFilter keeps customers assigned to one of Id.In (with
	// Expand, also to a segment below them).
	ClassSegmentsFilter = tightapi.ClassSegmentsFilter
	// IDInFilter matches ids that are one of In.
	IDInFilter = tightapi.IdInFilter
	// SortDirection is Ascending or Descending.
	SortDirection = tightapi.SortDirection
)

// The adjustment types (unknown values from the server are tolerated).
const (
	AdjustmentPercent = tightapi.PERCENT
	AdjustmentAmount  = tightapi.AMOUNT
)
