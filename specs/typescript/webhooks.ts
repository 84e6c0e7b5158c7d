// Proof (since tight 2.3.0, chargeover 2.3.0, meteroid 2.4.0) that the webhook payloads of the specs (components.schemas, listed in
// each spec's `x-webhooks`) are usable from TypeScript: for each provider a
// map from event type to payload, checked to cover every documented type, the
// payload union, and a handler over it that reads typed fields and keeps
// unknown types. Type-checked by `make lint` (tsc --strict); nothing runs.
import type { components as Meteroid } from "./generated/meteroid";
import type { components as Tight } from "./generated/tight";
import type { components as ChargeOver } from "./generated/chargeover";
import { read } from "./check";

type MS = Meteroid["schemas"];
type TS = Tight["schemas"];
type CS = ChargeOver["schemas"];

// --- Meteroid: 27 event types, flat payloads ---

/** Event type → payload, as in meteroid.yaml's x-webhooks. Every documented type must appear. */
export type MeteroidPayloads = {
  [K in MS["WebhookEventType"]]: K extends `customer.${string}`
    ? MS["CustomerEvent"]
    : K extends `invoice.${string}`
      ? MS["InvoiceEvent"]
      : K extends `subscription.${string}`
        ? MS["SubscriptionEvent"]
        : K extends `addon.${string}`
          ? MS["AddOnEvent"]
          : K extends `coupon.${string}`
            ? MS["CouponEvent"]
            : K extends `credit_note.${string}`
              ? MS["CreditNoteEvent"]
              : K extends `metric.${string}`
                ? MS["MetricEvent"]
                : K extends `plan.${string}`
                  ? MS["PlanEvent"]
                  : K extends `product.${string}`
                    ? MS["ProductEvent"]
                    : K extends `quote.${string}`
                      ? MS["QuoteEvent"]
                      : never;
};
/** Fails to compile if an event type maps to no payload schema. */
type NoNever<M> = { [K in keyof M]: [M[K]] extends [never] ? K : never }[keyof M];
export const meteroidAllMapped: [NoNever<MeteroidPayloads>] extends [never] ? "ok" : "unmapped" = "ok";
/** The 27 types of Meteroid's OpenAPI; the checks below fail if the spec's enum differs. */
export const meteroidTypes = [
  "addon.archived", "addon.created", "addon.updated",
  "coupon.archived", "coupon.created", "coupon.updated",
  "credit_note.created", "credit_note.finalized", "credit_note.voided",
  "customer.created",
  "invoice.consolidated", "invoice.created", "invoice.finalized", "invoice.paid", "invoice.voided",
  "metric.archived", "metric.created", "metric.updated",
  "plan.archived", "plan.created", "plan.published",
  "product.archived", "product.created", "product.updated",
  "quote.accepted", "quote.converted",
  "subscription.created",
] as const satisfies readonly MS["WebhookEventType"][];
export const meteroidTypeCount: 27 = meteroidTypes.length;
export const meteroidNoneMissing: [Exclude<MS["WebhookEventType"], (typeof meteroidTypes)[number]>] extends [never] ? "ok" : "missing" = "ok";

export type MeteroidWebhook = MeteroidPayloads[keyof MeteroidPayloads];

/** A decoded Meteroid delivery: typed where the spec types it, raw otherwise. */
export type MeteroidDecoded =
  | { kind: "customer"; event: MS["CustomerEvent"] }
  | { kind: "invoice"; event: MS["InvoiceEvent"] }
  | { kind: "subscription"; event: MS["SubscriptionEvent"] }
  | { kind: "other"; type: string; id: string; body: MeteroidWebhook };

export function decodeMeteroid(body: MeteroidWebhook): MeteroidDecoded {
  const type: MS["WebhookEventTypeOpen"] = body.type;
  if (type.startsWith("customer.")) return { kind: "customer", event: body as MS["CustomerEvent"] };
  if (type.startsWith("invoice.")) return { kind: "invoice", event: body as MS["InvoiceEvent"] };
  if (type.startsWith("subscription.")) return { kind: "subscription", event: body as MS["SubscriptionEvent"] };
  return { kind: "other", type, id: body.id, body }; // unknown types are kept, not refused
}

export function handleMeteroid(d: MeteroidDecoded): string {
  switch (d.kind) {
    case "customer": {
      const e = d.event;
      const alias: string | null | undefined = read(e.alias);
      return `${read(e.customer_id)} ${read(e.name)} ${read(e.currency)} ${read(e.invoicing_emails).join(",")} ${alias ?? ""} ${read(e.timestamp)}`;
    }
    case "invoice": {
      const e = d.event;
      const total: number = read(e.total);
      const status: string = read(e.status); // open: any string
      return `${read(e.invoice_id)} ${read(e.customer_id)} ${status} ${total + read(e.tax_amount)} ${e.consolidated_into_invoice_id ?? ""}`;
    }
    case "subscription": {
      const e = d.event;
      const mrr: number = read(e.mrr_cents);
      return `${read(e.subscription_id)} ${read(e.plan_name)} ${read(e.period)} ${read(e.status)} ${mrr} ${read(e.start_date)} ${e.end_date ?? ""} ${e.trial_duration ?? 0}`;
    }
    case "other":
      return `${d.type} ${d.id}`;
  }
}

// The add-on payload is typed as upstream; its enums are open (a fee type Meteroid adds later fits).
export const addOnCreated: MS["AddOnEvent"] = {
  id: "evt_1",
  type: "addon.created",
  timestamp: "2026-01-01T00:00:00Z",
  add_on_id: "add_1",
  name: "Seats",
  product_id: "prd_1",
  price_id: "pri_1",
  fee_type: "WEEKLY_SLOT",
  self_serviceable: true,
  created_at: "2026-01-01T00:00:00Z",
};
// And the type is open: a type Meteroid adds later still fits the header.
export const futureType: MS["WebhookEventHeader"] = { id: "evt_2", type: "wallet.topped_up", timestamp: "2026-01-01T00:00:00Z" };

export const customerCreated: MeteroidPayloads["customer.created"] = {
  id: "evt_7n42DGM5Tflk9n8mt7Fhc7",
  type: "customer.created",
  timestamp: "1970-01-01T00:00:00.000Z",
  customer_id: "cus_7n42DGM5Tflk9n8mt7Fhc7",
  name: "Acme Corporation",
  alias: "ACME",
  billing_email: "billing@acme.example",
  invoicing_emails: ["invoices@acme.example"],
  phone: null,
  currency: "USD",
};

// --- Tight: ENTITY_UPDATE and LIFECYCLE ---

export type TightPayloads = {
  ENTITY_UPDATE: TS["EntityUpdateWebhook"];
  LIFECYCLE: TS["LifecycleWebhook"];
};
/** Fails to compile if TightPayloads misses a documented type or adds one. */
export const tightCovered: [keyof TightPayloads] extends [TS["WebhookType"]]
  ? [TS["WebhookType"]] extends [keyof TightPayloads]
    ? "ok"
    : "missing"
  : "extra" = "ok";
export type TightWebhook = TightPayloads[keyof TightPayloads];

export function handleTight(body: TightWebhook): string {
  const type: string = read(body.type);
  if (type === "ENTITY_UPDATE") {
    const e = body as TS["EntityUpdateWebhook"];
    const data: Record<string, unknown> | undefined = e.data; // the entity, open
    return `${e.url ?? ""} ${e.company?.id ?? ""} ${e.editor?.userId ?? ""} ${JSON.stringify(data ?? {})}`;
  }
  if (type === "LIFECYCLE") {
    const e = body as TS["LifecycleWebhook"];
    const entityId: string | undefined = e.eventData?.entityId;
    const extra: unknown = e.eventData?.["apiName"]; // other eventData fields are open
    return `${e.event ?? ""} ${e.datetime ?? ""} ${entityId ?? ""} ${String(extra)}`;
  }
  return `ignored ${type}`; // a type Tight adds later: accepted, ignored
}

// --- ChargeOver: one envelope for every <context_str>.<event> ---

export type ChargeOverWebhook = CS["WebhookPayload"];

export function handleChargeOver(body: ChargeOverWebhook): string {
  const type = `${read(body.context_str)}.${read(body.event)}`;
  const id: number | string = read(body.context_id); // an integer or a numeric string
  const entity: unknown = body.data[body.context_str];
  const token: string | undefined = body.security_token; // compare, never log
  return `${type} ${String(id)} ${entity === undefined ? "no entity" : "entity"} ${token === undefined ? "no token" : "token"}`;
}

export const chargeOverUserInsert: ChargeOverWebhook = {
  context_str: "user",
  context_id: "370",
  event: "insert",
  data: { user: { user_id: 370, first_name: "Jane", unknown_field: true } },
  security_token: "SFkJ3fy02n17YxNXm96tCGUKVTOAIBsH",
};

// One handler over the three providers' unions.
export type AnyWebhook =
  | { provider: "meteroid"; body: MeteroidWebhook }
  | { provider: "tight"; body: TightWebhook }
  | { provider: "chargeover"; body: ChargeOverWebhook };

export function handle(w: AnyWebhook): string {
  switch (w.provider) {
    case "meteroid":
      return handleMeteroid(decodeMeteroid(w.body));
    case "tight":
      return handleTight(w.body);
    case "chargeover":
      return handleChargeOver(w.body);
  }
}
