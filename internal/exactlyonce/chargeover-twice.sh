#!/usr/bin/env bash
# Pushes N ChargeOver items of a resource twice, through the CLI, against
# `billbridge fake chargeover` with after-acting faults (the fake acts, the
# answer is lost), and reports: entities in the fake, duplicates (by natural
# key), and lost creates settled (results journal lines with outcome
# "created" and "existing": true: a create whose answer was lost, found by
# reading its key back).
#
#   internal/exactlyonce/chargeover-twice.sh invoices|transactions|items [N] [AFTER_ACTING_RATE]
#
# Invoices name 50 customers by customer_external_key (synced first);
# transactions pay those invoices (synced first) and are keyed by
# gateway_transid.
set -euo pipefail
resource=${1:?invoices, transactions or items}
n=${2:-1000}
rate=${3:-0.15}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "$fakepid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/bb" "$root/cmd/billbridge"
bb=$work/bb
"$bb" fake chargeover --after-acting-rate "$rate" --seed 21 >"$work/fake.out" 2>&1 &
fakepid=$!
for _ in $(seq 50); do grep -q CHARGEOVER_PASSWORD "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
set -a; eval "$(grep '^CHARGEOVER_' "$work/fake.out")"; set +a

customers() { for i in $(seq 0 49); do printf '{"external_key":"c%d","company":"Customer %d"}\n' "$i" "$i"; done; }
invoices() {
	for i in $(seq 0 $(($1 - 1))); do
		printf '{"external_key":"inv-%d","customer_external_key":"c%d","date":"2026-01-02","line_items":[{"descrip":"Line %d","line_rate":%d.25,"line_quantity":2}]}\n' "$i" $((i % 50)) "$i" $((i % 90 + 10))
	done
}
sync() { # resource file results
	"$bb" sync chargeover "$1" --json --results "$3" --force "$2" || true
}
created_existing() { grep '"outcome":"created"' "$1" | grep -c '"existing":true' || true; }

case $resource in
invoices)
	customers >"$work/customers.jsonl"
	sync customers "$work/customers.jsonl" "$work/c.results" >/dev/null
	invoices "$n" >"$work/in.jsonl"
	key=external_key
	;;
items)
	for i in $(seq 0 $((n - 1))); do printf '{"external_key":"item-%d","name":"Item %d","item_type":"service","pricemodel":{"pricemodel":"fla","base":%d.5}}\n' "$i" "$i" $((i % 100)); done >"$work/in.jsonl"
	key=external_key
	;;
transactions)
	customers >"$work/customers.jsonl"
	sync customers "$work/customers.jsonl" "$work/c.results" >/dev/null
	invoices "$n" >"$work/invoices.jsonl"
	sync invoices "$work/invoices.jsonl" "$work/i.results" >/dev/null
	"$bb" list chargeover invoices >"$work/invoices.list"
	# One payment per invoice, of its whole total, by gateway_transid.
	jq -c '{customer_id: .customer_id, gateway_transid: ("gw-" + .external_key), amount: (.total|tonumber), transaction_type: "pay", transaction_method: "Check", transaction_date: "2026-01-03", applied_to: [{invoice_id: .invoice_id, applied: (.total|tonumber)}]}' \
		"$work/invoices.list" >"$work/in.jsonl"
	key=gateway_transid
	;;
*) echo "unknown resource $resource" >&2; exit 2 ;;
esac

echo "== first push ($n $resource, --after-acting-rate $rate)"
sync "$resource" "$work/in.jsonl" "$work/r1.jsonl"
echo "== second push"
sync "$resource" "$work/in.jsonl" "$work/r2.jsonl"
"$bb" list chargeover "$resource" >"$work/list.jsonl"
entities=$(wc -l <"$work/list.jsonl")
dups=$(jq -r ".$key // empty" "$work/list.jsonl" | sort | uniq -d | wc -l)
echo "entities: $entities"
echo "duplicates (by $key): $dups"
echo "lost creates settled by read-back (first push / second push): $(created_existing "$work/r1.jsonl") / $(created_existing "$work/r2.jsonl")"
