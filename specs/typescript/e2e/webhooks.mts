// A Meteroid delivery verified in TypeScript with the standardwebhooks npm
// package (pinned in specs/package.json) and the same secret as the Go
// receiver: ../../testdata/webhooks/meteroid-delivery.json was signed by
// pkg/webhook/meteroid.Sign (the Go Standard Webhooks library), and
// specs/webhooks_test.go checks the Go side of the same file. Here: the
// package computes the same signature, accepts the delivery (at its own
// time), refuses a tampered body and a wrong secret, and the body reads as
// the spec's CustomerEvent. `make typescript-webhooks` compiles and runs it:
// node webhooks.mjs <path to the fixture>.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import type { components } from "../generated/meteroid.js";

type MeteroidWebhook = components["schemas"]["CustomerEvent"] | components["schemas"]["InvoiceEvent"] | components["schemas"]["SubscriptionEvent"] | components["schemas"]["AddOnEvent"];

function fail(msg: string): never {
  console.error(`typescript-webhooks: FAIL: ${msg}`);
  process.exit(1);
}

const file = process.argv[2];
if (!file) fail("usage: node webhooks.mjs <meteroid-delivery.json>");
const d = JSON.parse(readFileSync(file, "utf8")) as { secret: string; headers: Record<string, string>; body: string };
const id = d.headers["webhook-id"] ?? fail("no webhook-id");
const ts = d.headers["webhook-timestamp"] ?? fail("no webhook-timestamp");
const at = new Date(Number(ts) * 1000);
const wh = new Webhook(d.secret);

// 1. The same bytes as Go: the package's signature of the fixture equals the one Go wrote.
const sig = wh.sign(id, at, d.body);
if (sig !== d.headers["webhook-signature"]) fail(`standardwebhooks signs ${sig}, Go signed ${d.headers["webhook-signature"]}`);

// 2. verify() checks the timestamp against the clock (5 minutes), so replay the
// fixture's body re-signed now with the same secret, and check refusals.
const now = new Date();
const fresh = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": wh.sign(id, now, d.body) };
const payload = wh.verify(d.body, fresh) as MeteroidWebhook;
let refused = 0;
try {
  wh.verify(d.body.replace("Acme", "Acne"), fresh);
} catch {
  refused++;
}
try {
  new Webhook("whsec_" + Buffer.from("another secret, 24 bytes").toString("base64")).verify(d.body, fresh);
} catch {
  refused++;
}
try {
  wh.verify(d.body, d.headers); // the fixture's own timestamp is long past
} catch {
  refused++;
}
if (refused !== 3) fail(`${3 - refused} of 3 bad deliveries verified`);

// 3. The body reads as the spec's payload, the unknown field notwithstanding.
if (payload.type !== "customer.created") fail(`type ${payload.type}`);
const customer = payload as components["schemas"]["CustomerEvent"];
if (customer.customer_id !== "cus_7n42DGM5Tflk9n8mt7Fhc7" || customer.invoicing_emails.length !== 1 || customer.phone !== null) fail(`customer ${JSON.stringify(customer)}`);
console.log(`typescript-webhooks: ok (${payload.type} ${customer.customer_id}, signature ${sig.slice(0, 12)}…)`);
