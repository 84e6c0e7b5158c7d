// Proof that the Meteroid spec is usable from TypeScript: typed requests and a
// reader for every response status of every operation (listCustomers,
// createCustomer, getCustomer, patchCustomer, archiveCustomer, since 2.3.0
// unarchiveCustomer, since 3.0.0 updateCustomer and the subscriptions, invoices and catalog,
// since 3.1.0 ingestEvents and the three usage reads). Type-checked by `make lint` (tsc --strict).
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

export const listQuery: operations["listCustomers"]["parameters"]["query"] = { order_by: "created_at.asc", page: 0, per_page: 100, search: "acme", archived: false };
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


export const createCustomerRequest: JsonRequest<operations["createCustomer"]> = {
  name: "Acme SARL",
  alias: "acme-fr",
  currency: "EUR",
  invoicing_emails: ["factures@acme.example"],
  custom_taxes: [{ name: "TVA", rate: "0.20", tax_code: "FR-TVA" }],
  billing_address: { city: "Paris", country: "FR" },
  shipping_address: { same_as_billing: true },
  connected_account_id: "cac_3kTn8PqR2sLm",
};

// A full replacement (PUT): invoicing_entity_id is required too.
export const updatePath: operations["updateCustomer"]["parameters"]["path"] = { id_or_alias: "acme-de" };
export const updateCustomerRequest: JsonRequest<operations["updateCustomer"]> = {
  name: "Acme GmbH",
  alias: "acme-de",
  currency: "EUR",
  invoicing_emails: ["billing@acme.example"],
  invoicing_entity_id: "ive_7n42DGM5Tflk9n8mt7Fhc7",
  custom_taxes: [],
  billing_address: { line1: "Friedrichstraße 1", line2: null, city: "Berlin", country: "DE" },
  is_tax_exempt: false,
};
// @ts-expect-error a replacement needs invoicing_entity_id
export const badUpdate: Schemas["CustomerUpdateRequest"] = { name: "Acme", currency: "EUR", invoicing_emails: [], custom_taxes: [] };

// @ts-expect-error a create needs name, currency, invoicing_emails and custom_taxes
export const badCreate: Schemas["CustomerCreate"] = { name: "Acme" };
// @ts-expect-error order_by is a string ("column.direction")
export const badListQuery: operations["listCustomers"]["parameters"]["query"] = { order_by: 1 };

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
  return `${read(c.id)} ${read(c.name)} ${read(c.alias) ?? ""} ${read(c.currency)} ${read(c.invoicing_entity_id)} ${read(c.invoicing_emails).join(",")} ${read(c.billing_address)?.city ?? ""} ${read(c.billing_address)?.line2 ?? ""} ${ship ? read(ship.same_as_billing) : ""} ${taxes.join(";")} ${read(c.connected_account_id) ?? ""}`;
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
  201: (c) => `created ${customer(c)}`,
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

export const updateCustomer: Handlers<operations["updateCustomer"]> = {
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

// --- subscriptions (3.0.0) ---

export const subscriptionPath: operations["subscriptionDetails"]["parameters"]["path"] = { subscription_id: "sub_7n42DGM5Tflk9n8mt7Fhc7" };
export const listSubscriptionsQuery: operations["listSubscriptions"]["parameters"]["query"] = {
  customer_id: "acme-de",
  plan_id: "plan_starter",
  statuses: ["ACTIVE", "PAUSED"],
  order_by: "created_at.asc",
  page: 0,
  per_page: 100,
};
export const createSubscriptionRequest: JsonRequest<operations["createSubscription"]> = {
  plan_id: "plan_starter",
  customer_id_or_alias: "acme-de",
  start_date: "2024-11-01",
  activation_condition: "ON_START",
  skip_past_invoices: true,
  payment_methods_config: { type: "bank_transfer", account_id: null },
};
export const updateSubscriptionRequest: JsonRequest<operations["updateSubscription"]> = { net_terms: 45, invoice_memo: "PO 4711" };
export const cancelSubscriptionRequest: JsonRequest<operations["cancelSubscription"]> = { effective_date: "2026-12-31", reason: "churn" };
// @ts-expect-error a subscription create needs plan, customer, start date and activation condition
export const badSubscription: Schemas["SubscriptionCreateRequest"] = { plan_id: "plan_starter" };
// @ts-expect-error PATCH changes only its six settings
export const badSubscriptionPatch: Schemas["SubscriptionUpdateRequest"] = { plan_id: "plan_pro" };
// @ts-expect-error the activation condition is an enum
export const badActivation: Schemas["SubscriptionActivationCondition"] = "NOW";

function subscription(s: Schemas["Subscription"]): string {
  const status: Schemas["SubscriptionStatusOpen"] = read(s.status); // open: any string
  const pay = read(s.payment_methods_config);
  return `${read(s.id)} ${read(s.customer_id)} ${read(s.customer_alias) ?? ""} ${read(s.plan_id)} v${read(s.plan_version)} ${status} ${read(s.start_date)}..${read(s.end_date) ?? ""} ${read(s.mrr_cents)} ${read(s.period)} ${read(s.net_terms)} ${pay ? read(pay.type) : ""}`;
}

function subscriptionDetails(d: Schemas["SubscriptionDetails"]): string {
  const parts = read(d.components).map((c) => `${read(c.name)} ${read(c.fee).type}`);
  return `${read(d.id)} ${read(d.status)} ${parts.join(";")} ${read(d.add_ons).length} add-ons ${read(d.applied_coupons).length} coupons ${read(d.checkout_url) ?? ""}`;
}

export const listSubscriptions: Handlers<operations["listSubscriptions"]> = {
  200: (l) => `${read(l.data).map(subscription).join("\n")} ${read(read(l.pagination_meta).total_items)} in all`,
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const createSubscription: Handlers<operations["createSubscription"]> = {
  201: subscriptionDetails,
  400: failureOrText,
  401: failure,
  415: text,
  422: text,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const subscriptionDetailsHandlers: Handlers<operations["subscriptionDetails"]> = {
  200: subscriptionDetails,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const updateSubscription: Handlers<operations["updateSubscription"]> = {
  200: (r) => subscriptionDetails(read(r.subscription)),
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

export const cancelSubscription: Handlers<operations["cancelSubscription"]> = {
  200: (r) => `cancelled ${subscription(read(r.subscription))}`,
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

// --- invoices (3.0.0) ---

export const invoicePath: operations["getInvoiceById"]["parameters"]["path"] = { invoice_id: "inv_7n42DGM5Tflk9n8mt7Fhc7" };
export const downloadPath: operations["downloadInvoicePdf"]["parameters"]["path"] = { invoice_id: "inv_7n42DGM5Tflk9n8mt7Fhc7" };
export const listInvoicesQuery: operations["listInvoices"]["parameters"]["query"] = {
  customer_id: "acme-de",
  subscription_id: "sub_7n42DGM5Tflk9n8mt7Fhc7",
  statuses: ["FINALIZED"],
  order_by: "invoice_date.asc",
  page: 0,
  per_page: 100,
};
// @ts-expect-error statuses are the four invoice statuses
export const badInvoiceStatus: Schemas["InvoiceStatus"] = "OPEN";

function invoice(i: Schemas["Invoice"]): string {
  const status: Schemas["InvoiceStatusOpen"] = read(i.status);
  const lines = read(i.line_items).map((l) => `${read(l.name)} ${read(l.amount_total)} ${String(read(l.tax_rate))}`);
  return `${read(i.id)} ${read(i.invoice_number)} ${status} ${read(i.payment_status)} ${read(i.customer_details).name} ${read(i.total)} ${read(i.currency)} ${read(i.due_date) ?? ""} ${lines.join(";")}`;
}

export const listInvoices: Handlers<operations["listInvoices"]> = {
  200: (l) => read(l.data).map(invoice).join("\n"),
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getInvoiceById: Handlers<operations["getInvoiceById"]> = {
  200: invoice,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

// The PDF is binary: openapi-typescript types it as a string; read it as a
// stream (fetch's body) in real code.
export const downloadInvoicePdf: Handlers<operations["downloadInvoicePdf"]> = {
  200: (pdf) => `pdf ${read(pdf).length} bytes`,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

// --- catalog (3.0.0): plans and versions, products, metrics ---

export const listPlansQuery: operations["listPlans"]["parameters"]["query"] = {
  product_family_id: "pf_default",
  search: "start",
  status: ["ACTIVE"],
  plan_type: ["STANDARD"],
  order_by: "created_at.asc",
  page: 0,
  per_page: 100,
};
export const planQuery: operations["getPlanDetails"]["parameters"]["query"] = { version: "draft" };
export const planVersionsPath: operations["listPlanVersions"]["parameters"]["path"] = { plan_id: "plan_starter" };
export const productPath: operations["getProduct"]["parameters"]["path"] = { product_id: "prd_platform" };
export const metricPath: operations["getMetric"]["parameters"]["path"] = { metric_id: "bm_api_calls" };
export const listProductsQuery: operations["listProducts"]["parameters"]["query"] = { search: "plat", order_by: "name.asc" };
export const listMetricsQuery: operations["listMetrics"]["parameters"]["query"] = { search: "api", order_by: "code.desc" };
// @ts-expect-error plan statuses are DRAFT, ACTIVE, INACTIVE, ARCHIVED
export const badPlanStatus: Schemas["PlanStatus"] = "LIVE";

function plan(p: Schemas["Plan"]): string {
  const trial = read(p.trial);
  const products = read(p.price_components).map((c) => `${read(c.name)}->${read(c.product_id) ?? ""}`);
  return `${read(p.id)} ${read(p.name)} v${read(p.version)} ${read(p.status)} ${read(p.plan_type)} ${read(p.product_family).name} ${products.join(",")} ${trial ? read(trial.duration_days) : ""}`;
}
function product(p: Schemas["Product"]): string {
  return `${read(p.id)} ${read(p.name)} ${read(p.fee_type)} ${read(p.product_family_id)} ${read(p.catalog)}`;
}
function metricSummary(m: Schemas["MetricSummary"]): string {
  return `${read(m.id)} ${read(m.code)} ${read(m.aggregation_type)}`;
}
function metric(m: Schemas["Metric"]): string {
  const conv = read(m.unit_conversion);
  return `${metricSummary(m)} ${read(m.product_id) ?? ""} ${read(m.segmentation_matrix)?.type ?? ""} ${conv ? read(conv.factor) : ""}`;
}

export const listPlans: Handlers<operations["listPlans"]> = {
  200: (l) => read(l.data).map(plan).join("\n"),
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getPlanDetails: Handlers<operations["getPlanDetails"]> = {
  200: plan,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const listPlanVersions: Handlers<operations["listPlanVersions"]> = {
  200: (l) => read(l.data).map((v) => `${read(v.id)} v${read(v.version)}${read(v.is_draft) ? " draft" : ""}`).join(","),
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const listProducts: Handlers<operations["listProducts"]> = {
  200: (l) => read(l.data).map(product).join("\n"),
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getProduct: Handlers<operations["getProduct"]> = {
  200: product,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const listMetrics: Handlers<operations["listMetrics"]> = {
  200: (l) => read(l.data).map(metricSummary).join("\n"),
  400: failureOrText,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrText,
  503: failureOrText,
  504: failureOrText,
  default: failureOrText,
};

export const getMetric: Handlers<operations["getMetric"]> = {
  200: metric,
  401: failure,
  404: failure,
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
  updateCustomer,
  archiveCustomer,
  unarchiveCustomer,
  listSubscriptions,
  createSubscription,
  subscriptionDetails: subscriptionDetailsHandlers,
  updateSubscription,
  cancelSubscription,
  listInvoices,
  getInvoiceById,
  downloadInvoicePdf,
  listPlans,
  getPlanDetails,
  listPlanVersions,
  listProducts,
  getProduct,
  listMetrics,
  getMetric,
  ingestEvents,
  getCustomerUsage,
  getSubscriptionUsage,
  getUsageSummary,
};
