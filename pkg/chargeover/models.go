package chargeover

import "github.com/billbridge/billbridge/gen/chargeoverapi"

// Generated models, re-exported so that users need not import the generated
// package for everyday calls.
type (
	// CustomerCreate is the body of a customer create; only Company is required.
	CustomerCreate = chargeoverapi.CustomerCreate
	// Customer is a customer as ChargeOver returns it on a read.
	Customer = chargeoverapi.Customer
	// CustomerChanges is the body of a customer update (the spec's
	// CustomerUpdate): the fields to change, none required.
	CustomerChanges = chargeoverapi.CustomerUpdate
	// DeliveryMethod is how invoices are delivered ("email" or "print").
	DeliveryMethod = chargeoverapi.DeliveryMethod
)

// Delivery methods of CustomerCreate.InvoiceDelivery and DunningDelivery.
const (
	DeliveryEmail = chargeoverapi.DeliveryMethodEmail
	DeliveryPrint = chargeoverapi.DeliveryMethodPrint
)

// CustomerUpdate is one item of UpdateCustomers: the customer_id of the
// customer to change and the fields to change. meteroid.CustomerUpdate is
// its counterpart (addressed by id or alias, a string).
type CustomerUpdate struct {
	// ID is the customer's customer_id (at least 1).
	ID int64
	// Customer holds the fields to change; fields left nil are not sent
	// and keep their value.
	Customer CustomerChanges
}
