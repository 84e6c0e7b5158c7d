// Proof that the Meteroid spec is usable from TypeScript: typed requests and a
// reader for every response status of every operation (listCustomers,
// createCustomer, getCustomer, patchCustomer, archiveCustomer, since 2.3.0
// unarchiveCustomer, since 2.6.0 ingestEvents and the three usage reads).
// Type-checked by `make lint` (tsc --strict).
import type { components, operations } from "./generated/meteroid";
import { read, type AllBodiesTyped, type Body, type Handlers, type JsonRequest } from "./check";

type Schemas = components["schemas"];

// Every answer has a typed body, except the 204s of archiveCustomer and
// unarchiveCustomer, which have none.
type ArchiveWithoutNoContent = { responses: Omit<operations["archiveCustomer"]["responses"], 204> };
type UnarchiveWithoutNoContent = { responses: Omit<operations["unarchiveCustomer"]["responses"], 204> };
export const bodiesTyped: AllBodiesTyped<
  Omit<operations, "archiveCustomer" | "unarchiveCustomer"> & { archiveCustomer: ArchiveWithoutNoContent; unarchiveCustomer: UnarchiveWithoutNoContent }
> = "ok";
export const archiveNoContent: [Body<operations["archiveCustomer"]["responses"][204]>] extends [never] ? "no body" : "a body" = "no body";
export const unarchiveNoContent: [Body<operations["unarchiveCustomer"]["responses"][204]>] extends [never] ? "no body" : "a body" = "no body";

// --- requests ---

export const customerPath: operations["patchCustomer"]["parameters"]["path"] = { id_or_alias: "cus_7n42DGM5Tflk9n8mt7Fhc7" };
export const getPath: operations["getCustomer"]["parameters"]["path"] = { id_or_alias: "acme-0001" };
// Unarchive has no body: only the id or alias.
export const unarchivePath: operations["unarchiveCustomer"]["parameters"]["path"] = { id_or_alias: "acme-0001" };

export const patchCustomerRequest: JsonRequest<operations["patchCustomer"]> = {
  name: "Acme Widgets",
  billing_email: "billing@acme.example",
  invoicing_emails: ["ap@acme.example"],
  currency: "EUR",
  billing_address: { city: "Lyon", country: "FR" },
  shipping_address: { same_as_billing: true },
  custom_taxes: [{ name: "VAT", rate: "0.2", tax_code: "FR-VAT" }],
  is_tax_exempt: false,
};

export const ingestEventsRequest: JsonRequest<operations["ingestEvents"]> = {
  events: [
    { event_id: "evt_1", customer_id: "acme-fr", code: "api_calls", timestamp: "2026-01-15T10:30:00Z", properties: { bytes: "1048576" } },
  ],
  allow_partial_failures: true,
  allow_backfilling: null,
};
export const customerUsagePath: operations["getCustomerUsage"]["parameters"]["path"] = { customer_id: "acme-fr" };
export const customerUsageQuery: operations["getCustomerUsage"]["parameters"]["query"] = { start_date: "2026-01-01", end_date: "2026-01-31", metric_id: "bm_1" };
export const subscriptionUsagePath: operations["getSubscriptionUsage"]["parameters"]["path"] = { subscription_id: "sub_1" };
export const subscriptionUsageQuery: operations["getSubscriptionUsage"]["parameters"]["query"] = {};
export const summaryQuery: operations["getUsageSummary"]["parameters"]["query"] = { start_date: "2026-01-01", end_date: "2026-01-31" };
// @ts-expect-error an event needs event_id, customer_id, code and timestamp
export const badEvent: Schemas["Event"] = { event_id: "evt_1", code: "api_calls" };
// @ts-expect-error property values are strings
export const badProperties: Schemas["Event"]["properties"] = { bytes: 1048576 };

export const listQuery: operations["listCustomers"]["parameters"]["query"] = { page: 0, per_page: 100, search: "acme", archived: false };

export const createCustomerRequest: JsonRequest<operations["createCustomer"]> = {
  name: "Acme SARL",
  alias: "acme-fr",
  currency: "EUR",
  invoicing_emails: ["factures@acme.example"],
  custom_taxes: [{ name: "TVA", rate: "0.20", tax_code: "FR-TVA" }],
  billing_address: { city: "Paris", country: "FR" },
  shipping_address: { same_as_billing: true },
  bank_account_id: "ba_7n42DGM5Tflk9n8mt7Fhc7",
};

// @ts-expect-error a create needs name, currency, invoicing_emails and custom_taxes
export const badCreate: Schemas["CustomerCreate"] = { name: "Acme" };
// @ts-expect-error the list has no ordering parameter
export const badListQuery: operations["listCustomers"]["parameters"]["query"] = { order_by: "name" };

// @ts-expect-error currency is an enum of ISO codes
export const badCurrency: Schemas["CustomerPatch"] = { currency: "EURO" };
// @ts-expect-error a custom tax needs name, rate and tax_code
export const badTax: Schemas["CustomTax"] = { name: "VAT" };

// --- responses ---

function failure(e: Schemas["Error"]): string {
  const code: Schemas["ErrorCodeOpen"] = read(e.code); // open: a known code or any string
  return `${code}: ${read(e.message)}`;
}

// The body extractor answers in text/plain, a proxy may answer in HTML.
function failureOrText(e: Schemas["Error"] | string): string {
  return typeof e === "string" ? `text: ${e}` : failure(e);
}

function text(e: string): string {
  return `text: ${e}`;
}

function customer(c: Schemas["Customer"]): string {
  // rate is a decimal the server writes as a number (and accepts as a string).
  const taxes = read(c.custom_taxes).map((t) => `${read(t.name)} ${String(read(t.rate))} ${read(t.tax_code)}`);
  const ship = read(c.shipping_address);
  return `${read(c.id)} ${read(c.name)} ${read(c.alias) ?? ""} ${read(c.currency)} ${read(c.invoicing_entity_id)} ${read(c.invoicing_emails).join(",")} ${read(c.billing_address)?.city ?? ""} ${ship ? read(ship.same_as_billing) : ""} ${taxes.join(";")} ${read(c.is_tax_exempt) ?? ""}`;
}

function page(l: Schemas["CustomerList"]): string {
  const m = read(l.pagination_meta);
  const last = read(m.page) + 1 >= read(m.total_pages);
  return `${read(l.data).map(customer).join("\n")} page ${read(m.page)}/${read(m.total_pages)} of ${read(m.per_page)}, ${read(m.total_items)} in all${last ? " (last)" : ""}`;
}

export const listCustomers: Handlers<operations["listCustomers"]> = {
  200: page,
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const createCustomer: Handlers<operations["createCustomer"]> = {
  201: (c) => `created ${customer(c)} ${read(c.bank_account_id) ?? ""}`,
  400: failureOrText,
  401: failure,
  409: (e) => `alias in use: ${failure(e)}`,
  415: text,
  422: text,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const archiveCustomer: Handlers<operations["archiveCustomer"]> = {
  204: () => "archived",
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const unarchiveCustomer: Handlers<operations["unarchiveCustomer"]> = {
  204: () => "restored",
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getCustomer: Handlers<operations["getCustomer"]> = {
  200: customer,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const patchCustomer: Handlers<operations["patchCustomer"]> = {
  200: customer,
  400: failureOrText,
  401: failure,
  404: failure,
  415: text,
  422: text,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

function ingested(r: Schemas["IngestEventsResponse"]): string {
  const failures = read(r.failures) ?? [];
  return failures.length === 0 ? "all ingested" : failures.map((f) => `${read(f.event_id)}: ${read(f.reason)}`).join("\n");
}

export const ingestEvents: Handlers<operations["ingestEvents"]> = {
  200: ingested,
  400: failureOrText,
  401: failure,
  413: (t) => `too large, split the batch: ${t}`,
  415: text,
  422: text,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

function usage(u: Schemas["UsageResponse"]): string {
  const lines = read(u.usage).map((m) => {
    // total_value is a decimal, a string or a number as read.
    const groups = read(m.grouped_usage).map((g) => `${Object.entries(read(g.dimensions)).join(",")}=${String(read(g.value))}`);
    return `${read(m.metric_id)} ${read(m.metric_code)} ${read(m.metric_name)} ${String(read(m.total_value))} ${groups.join(";")}`;
  });
  return `${read(u.period_start)}..${read(u.period_end)}\n${lines.join("\n")}`;
}

export const getCustomerUsage: Handlers<operations["getCustomerUsage"]> = {
  200: usage,
  400: failureOrText,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getSubscriptionUsage: Handlers<operations["getSubscriptionUsage"]> = {
  200: usage,
  400: failureOrText,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getUsageSummary: Handlers<operations["getUsageSummary"]> = {
  200: usage,
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const operationsCovered: { [K in keyof operations]: Handlers<operations[K]> } = {
  listCustomers,
  createCustomer,
  getCustomer,
  patchCustomer,
  archiveCustomer,
  unarchiveCustomer,
  ingestEvents,
  getCustomerUsage,
  getSubscriptionUsage,
  getUsageSummary,
};
