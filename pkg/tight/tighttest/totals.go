package tighttest

import (
	"fmt"
	"math/big"
	"regexp"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/flex"
)

// decimalRE is the spec's pattern for decimal strings; big.Rat alone would
// also take "1/3" and "1e2".
var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// parseDecimal parses d exactly; param names the field in errors.
func parseDecimal(d flex.Decimal, param string) (*big.Rat, *tightapi.Error) {
	r, ok := new(big.Rat).SetString(string(d))
	if !decimalRE.MatchString(string(d)) || !ok {
		e := errorOf(tightapi.INVALIDFORMAT, fmt.Sprintf("%s %q is not a decimal number", param, string(d)), param)
		return nil, &e
	}
	return r, nil
}

// roundHalfUp rounds x to the nearest integer, halves away from zero (so
// 843.125 → 843, 887.5 → 888, -0.5 → -1).
func roundHalfUp(x *big.Rat) int64 {
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	// floor((2·|num| + den) / (2·den)) = round-half-up of |num|/den.
	q := new(big.Int).Lsh(num, 1)
	q.Add(q, den)
	q.Quo(q, new(big.Int).Lsh(den, 1))
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return q.Int64()
}

var (
	hundred = big.NewRat(100, 1)
	one     = big.NewRat(1, 1)
)

// adjustment is the amount in minor units of a discount or sales tax of type
// typ and value v taken on base: PERCENT is v % of base, AMOUNT is v in major
// units (× 100).
func adjustment(typ *tightapi.AdjustmentType, v *big.Rat, base int64) int64 {
	if typ != nil && *typ == tightapi.AMOUNT {
		return roundHalfUp(new(big.Rat).Mul(v, hundred))
	}
	x := new(big.Rat).Mul(big.NewRat(base, 1), v)
	return roundHalfUp(x.Quo(x, hundred))
}

// computeTotals computes the totals of in (see the package doc) and each
// line's amount; it reports values that do not parse, naming them as params
// such as "lineItems/0/price".
func computeTotals(in *tightapi.InvoiceInput, paid int64) (tightapi.InvoiceTotals, []int64, []tightapi.Error) {
	var errs []tightapi.Error
	dec := func(d *flex.Decimal, param string, def *big.Rat) *big.Rat {
		if d == nil || *d == "" {
			return def
		}
		r, e := parseDecimal(*d, param)
		if e != nil {
			errs = append(errs, *e)
			return def
		}
		return r
	}
	var subtotal int64
	var amounts []int64
	if in.LineItems != nil {
		for j, li := range *in.LineItems {
			q := dec(li.Quantity, fmt.Sprintf("lineItems/%d/quantity", j), one)
			p := dec(li.Price, fmt.Sprintf("lineItems/%d/price", j), new(big.Rat))
			if li.SalesTax != nil {
				dec(li.SalesTax.Value, fmt.Sprintf("lineItems/%d/salesTax/value", j), nil)
			}
			amount := roundHalfUp(new(big.Rat).Mul(q, p))
			if li.Amount != nil {
				amount = *li.Amount
			}
			amounts = append(amounts, amount)
			subtotal += amount
		}
	}
	var discount int64
	before := false
	if d := in.Discount; d != nil {
		if v := dec(d.Value, "discount/value", nil); v != nil {
			discount = adjustment(d.Type, v, subtotal)
		}
		before = d.CalculateBeforeSalesTax != nil && bool(*d.CalculateBeforeSalesTax)
	}
	discounted := subtotal - discount
	var tax int64
	if t := in.SalesTax; t != nil {
		if v := dec(t.Value, "salesTax/value", nil); v != nil {
			base := subtotal
			if before {
				base = discounted
			}
			tax = adjustment(t.Type, v, base)
		}
	}
	total := discounted + tax
	return tightapi.InvoiceTotals{
		Subtotal:        ptr(subtotal),
		DiscountedTotal: ptr(discounted),
		SalesTax:        ptr(tax),
		Total:           ptr(total),
		PaidAmount:      ptr(paid),
		Balance:         ptr(total - paid),
	}, amounts, errs
}
