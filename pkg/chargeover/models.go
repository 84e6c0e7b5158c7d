package chargeover

import "github.com/billbridge/billbridge/gen/chargeoverapi"

// Generated models, re-exported so that users need not import the generated
// package for everyday calls.
type (
	// CustomerCreate is the body of a customer create; only Company is required.
	CustomerCreate = chargeoverapi.CustomerCreate
	// Customer is a customer as ChargeOver returns it on a read.
	Customer = chargeoverapi.Customer
	// DeliveryMethod is how invoices are delivered ("email" or "print").
	DeliveryMethod = chargeoverapi.DeliveryMethod
)

// Delivery methods of CustomerCreate.InvoiceDelivery and DunningDelivery.
const (
	DeliveryEmail = chargeoverapi.DeliveryMethodEmail
	DeliveryPrint = chargeoverapi.DeliveryMethodPrint
)
