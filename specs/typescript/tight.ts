// Proof that the Tight spec is usable from TypeScript: typed requests and a
// reader for every response status of every operation (createToken,
// saveCustomers, saveInvoices, getCustomer, deleteCustomer, queryCustomers,
// queryInvoices, deleteInvoice, sendInvoice, savePayments, queryPayments,
// getPayment, deletePayment, saveItemTemplates, deleteItemTemplate,
// getInvoicingSetup). Type-checked by `make lint`
// (tsc --strict).
import type { components, operations } from "./generated/tight";
import { read, type AllBodiesTyped, type Handlers, type JsonRequest } from "./check";

type Schemas = components["schemas"];

export const bodiesTyped: AllBodiesTyped<operations> = "ok";

// --- requests ---

export const tokenRequest: operations["createToken"]["requestBody"]["content"]["application/x-www-form-urlencoded"] = {
  grant_type: "client_credentials",
  scope: "write",
  userId: "usr_1234",
};

export const saveCustomersRequest: JsonRequest<operations["saveCustomers"]> = {
  data: [
    {
      name: "Acme Corp",
      email: "billing@acme.com",
      ccEmails: ["cc@acme.com"],
      invoiceSettings: { invoicePrefix: "INV-", showName: true },
      address: { city: "Springfield", zip: "12345" },
      customData: { internal_key: "k1", some_other_field: 23434 },
    },
    { id: "cus_28868401", status: "ACTIVE" },
  ],
};

export const saveInvoicesRequest: JsonRequest<operations["saveInvoices"]> = {
  data: [
    {
      name: "June Consulting Invoice",
      customerId: "cus_28868401",
      date: "2025-06-26",
      lineItems: [
        { description: "Consulting", amount: 10000, quantity: "2.0", price: "5000.0", glAccountId: "gla_1", salesTax: { value: "8.875", type: "PERCENT" } },
      ],
      discount: { value: "5.0", type: "PERCENT", calculateBeforeSalesTax: true },
      recurrence: { updateType: "FUTURE_ONLY", frequency: "MONTHLY", interval: 1 },
      collectionInfo: { sendEmail: true, paymentMethods: ["DIRECT"] },
    },
  ],
};

export const customerPath: operations["getCustomer"]["parameters"]["path"] = { id: "cus_28868401" };
export const invoicePath: operations["deleteInvoice"]["parameters"]["path"] = { id: "inv_158998869" };

export const queryCustomersRequest: JsonRequest<operations["queryCustomers"]> = {
  limit: 250,
  sort: { orderBy: "NAME", direction: "ASC" },
  filter: {
    name: { contain: "acme", greaterThanEqual: "a" },
    email: { equal: "billing@acme.com" },
    status: { in: ["ACTIVE"], notEqual: "ARCHIVED" },
    classSegments: { expand: true, id: { in: ["cls_593051"] } },
  },
};

// The next page: the same query with the previous answer's cursor.after.
export function nextPage(q: Schemas["CustomerQueryRequest"], page: Schemas["CustomerQueryEnvelope"]): Schemas["CustomerQueryRequest"] | null {
  const after: string | null | undefined = read(page.cursor)?.after;
  return after ? { ...q, cursor: after } : null;
}

export const queryInvoicesRequest: JsonRequest<operations["queryInvoices"]> = {
  limit: 100,
  sort: { orderBy: "NAME", direction: "DESC" },
  filter: { search: "consulting", name: { contain: "june" }, status: { in: ["ACTIVE"] }, invoiceStatus: { in: ["OPEN"], notIn: ["DRAFT"] } },
};

export const sendInvoiceRequest: JsonRequest<operations["sendInvoice"]> = { type: "QUOTE" };

// A payment of 5000 cents, all of it paying one invoice (the newer version: children name invoiceId).
export const savePaymentsRequest: JsonRequest<operations["savePayments"]> = {
  data: [
    {
      date: "2025-07-01",
      amount: 5000,
      description: "June, first half",
      customerId: "cus_28868401",
      bankAccountId: "bka_7542850",
      dimensionValueIds: ["dv_593051"],
      children: [{ amount: 5000, invoiceId: "inv_158998869" }],
      customData: { internal_key: "k1" },
    },
  ],
};

export const queryPaymentsRequest: JsonRequest<operations["queryPayments"]> = {
  limit: 100,
  sort: { orderBy: "DISPLAY_NAME", direction: "ASC" },
  filter: { search: "june", description: { contain: "june" }, status: { in: ["ACTIVE"] }, bankAccount: { id: { in: ["bka_7542850"] } } },
};

export const paymentPath: operations["getPayment"]["parameters"]["path"] = { id: "ptxn_158998869" };

export const saveItemTemplatesRequest: JsonRequest<operations["saveItemTemplates"]> = {
  data: [{ name: "Standard Service Fee", amount: 5000, quantity: "1.0", price: "50.0", salesTax: { value: "8.875", type: "PERCENT" }, glAccountId: "gla_1" }],
};
export const itemTemplatePath: operations["deleteItemTemplate"]["parameters"]["path"] = { id: "tili_28868401" };

// The spec's constraints reach TypeScript:
// @ts-expect-error direction is ASC or DESC
export const badDirection: Schemas["CustomerSort"] = { orderBy: "NAME", direction: "UP" };
// @ts-expect-error a string filter's operators are strings
export const badFilter: Schemas["StringFilter"] = { contain: 1 };
// @ts-expect-error grant_type is an enum
export const badGrant: Schemas["TokenRequest"] = { grant_type: "password", scope: "write" };
// @ts-expect-error data is required
export const noData: JsonRequest<operations["saveCustomers"]> = {};
// @ts-expect-error a payment's amount is an integer number of cents, not a string
export const badPaymentAmount: Schemas["PaymentInput"] = { amount: "50.00" };
// @ts-expect-error money is an integer number of cents, not a string
export const badAmount: Schemas["LineItemInput"] = { amount: "100" };

// --- responses ---

function errors(e: Schemas["ErrorResponse"]): string {
  const first = read(e.error)?.[0];
  return `${read(e.result) ?? "?"}: ${first ? `${read(first.type)} ${read(first.message)} (${read(first.param)})` : "no detail"}`;
}

// Gateway and default answers may be a proxy's HTML page instead of the envelope.
function errorsOrPage(e: Schemas["ErrorResponse"] | string): string {
  return typeof e === "string" ? `page of ${e.length} bytes` : errors(e);
}

function customerItem(it: Schemas["CustomerItemResult"]): string {
  // Nothing in a response is required: a missing statusCode is not a success.
  const status: number = read(it.statusCode) ?? 0;
  const ok = read(it.result) === "SUCCESS" && status >= 200 && status < 300;
  const c = read(it.data);
  if (!ok || !c) return `failed ${status}: ${(read(it.error) ?? []).map((e) => e.message).join("; ")}`;
  const id: string = read(c.id) ?? "";
  const segments = (read(c.classSegments) ?? []).map((s) => `${read(s.label)?.name}=${read(s.name)}${s.child ? `/${s.child.name}` : ""}`);
  const emails: string[] = [...(read(c.ccEmails) ?? []), ...(read(c.bccEmails) ?? [])];
  return `${id} ${read(c.name) ?? ""} <${read(c.email) ?? ""}> ${read(c.address)?.countryCode ?? ""} ${read(c.invoiceSettings)?.invoicePrefix ?? ""} ${emails.length} ${segments.join(",")} ${read(c.createdDateTime) ?? ""} ${JSON.stringify(read(c.customData))}`;
}

function invoiceItem(it: Schemas["InvoiceItemResult"]): string {
  const inv = read(it.data);
  if (read(it.result) !== "SUCCESS" || !inv) return `failed ${read(it.statusCode)}`;
  const totals = read(inv.totals);
  const total: number | undefined = totals?.total;
  const lines = (read(inv.lineItems) ?? []).map((l) => `${read(l.quantity)} x ${read(l.price)} = ${read(l.amount)} [${read(l.glAccount)?.name}]`);
  return `${read(inv.id)} ${read(inv.customer)?.id} total ${total} balance ${read(totals?.balance)} paid via ${read(inv.collectionInfo)?.paymentUrl} ${lines.join(", ")}`;
}

export const createToken: Handlers<operations["createToken"]> = {
  200: (t) => `${read(t.token_type)} ${read(t.access_token)} expires in ${read(t.expires_in) ?? 3600}s scope ${read(t.scope)} refresh ${read(t.refresh_token)}`,
  400: errors,
  401: errors,
  429: errors,
  500: errors,
  502: errorsOrPage,
  503: errorsOrPage,
  504: errorsOrPage,
  default: errorsOrPage,
};

function customers(env: Schemas["CustomerSaveEnvelope"]): string {
  return `${read(env.result)}: ${(read(env.data) ?? []).map(customerItem).join("\n")} ${(read(env.error) ?? []).length}`;
}

export const saveCustomers: Handlers<operations["saveCustomers"]> = {
  200: customers,
  207: customers,
  400: errors,
  401: errors,
  403: errors,
  404: errors,
  429: errors,
  500: errors,
  502: errorsOrPage,
  503: errorsOrPage,
  504: errorsOrPage,
  default: errorsOrPage,
};

function invoices(env: Schemas["InvoiceSaveEnvelope"]): string {
  return `${read(env.result)}: ${(read(env.data) ?? []).map(invoiceItem).join("\n")}`;
}

export const saveInvoices: Handlers<operations["saveInvoices"]> = {
  200: invoices,
  207: invoices,
  400: errors,
  401: errors,
  403: errors,
  404: errors,
  429: errors,
  500: errors,
  502: errorsOrPage,
  503: errorsOrPage,
  504: errorsOrPage,
  default: errorsOrPage,
};

function customer(env: Schemas["CustomerEnvelope"]): string {
  const c = read(env.data);
  if (!c) return `${read(env.result)}: no customer`;
  const created: string | undefined = read(c.createdDateTime);
  return `${read(c.id)} ${read(c.name) ?? ""} created ${created ?? "?"} ${(read(c.classSegments) ?? []).length} segments`;
}

function invoice(env: Schemas["InvoiceEnvelope"]): string {
  const inv = read(env.data);
  if (!inv) return `${read(env.result)}: no invoice`;
  const info = read(inv.collectionInfo);
  return `${read(inv.id)} ${read(inv.totals)?.total} e-mail ${info?.emailStatus ?? "?"} at ${info?.emailSentDatetime ?? "?"}`;
}

function customerPage(env: Schemas["CustomerQueryEnvelope"]): string {
  const cursor = read(env.cursor);
  const last: boolean = cursor?.after == null;
  return `${(read(env.data) ?? []).map((c) => read(c.id)).join(",")} last=${last} before=${cursor?.before ?? "first"}`;
}

function invoicePage(env: Schemas["InvoiceQueryEnvelope"]): string {
  const items = (read(env.data) ?? []).map((i) => `${read(i.id)} ${read(i.invoiceStatus)}`);
  return `${items.join(",")} next=${read(env.cursor)?.after ?? "none"}`;
}

const errorStatuses = {
  400: errors,
  401: errors,
  403: errors,
  429: errors,
  500: errors,
  502: errorsOrPage,
  503: errorsOrPage,
  504: errorsOrPage,
  default: errorsOrPage,
};

export const getCustomer: Handlers<operations["getCustomer"]> = { 200: customer, 404: errors, ...errorStatuses };
export const deleteCustomer: Handlers<operations["deleteCustomer"]> = { 200: customer, 404: errors, ...errorStatuses };
export const queryCustomers: Handlers<operations["queryCustomers"]> = { 200: customerPage, ...errorStatuses };
export const queryInvoices: Handlers<operations["queryInvoices"]> = { 200: invoicePage, ...errorStatuses };
export const deleteInvoice: Handlers<operations["deleteInvoice"]> = { 200: invoice, 404: errors, ...errorStatuses };
export const sendInvoice: Handlers<operations["sendInvoice"]> = { 200: invoice, 404: errors, ...errorStatuses };

// A payment of either version: children name the invoices they pay (newer), or
// carry a type and class segments (older).
function paymentLine(p: Schemas["Payment"]): string {
  const paid = (read(p.children) ?? []).map((c) => `${read(c.amount)}→${read(c.invoiceId) ?? read(c.type) ?? "?"}`);
  const segments = (read(p.dimensionValues) ?? []).length + (read(p.classSegments) ?? []).length;
  return `${read(p.id)} ${read(p.date)} ${read(p.amount)} ${read(p.customer)?.id ?? ""} ${read(p.bankAccount)?.name ?? ""} [${paid.join(",")}] ${segments} segments`;
}

function paymentItem(it: Schemas["PaymentItemResult"]): string {
  const status: number = read(it.statusCode) ?? 0;
  const p = read(it.data);
  if (read(it.result) !== "SUCCESS" || status < 200 || status >= 300 || !p) return `failed ${status}`;
  return paymentLine(p);
}

function payments(env: Schemas["PaymentSaveEnvelope"]): string {
  return `${read(env.result)}: ${(read(env.data) ?? []).map(paymentItem).join("\n")}`;
}

function payment(env: Schemas["PaymentEnvelope"]): string {
  const p = read(env.data);
  return p ? paymentLine(p) : `${read(env.result)}: no payment`;
}

function paymentPage(env: Schemas["PaymentQueryEnvelope"]): string {
  return `${(read(env.data) ?? []).map(paymentLine).join("\n")} next=${read(env.cursor)?.after ?? "none"}`;
}

export const savePayments: Handlers<operations["savePayments"]> = { 200: payments, 207: payments, 404: errors, ...errorStatuses };
export const queryPayments: Handlers<operations["queryPayments"]> = { 200: paymentPage, ...errorStatuses };
export const getPayment: Handlers<operations["getPayment"]> = { 200: payment, 404: errors, ...errorStatuses };
export const deletePayment: Handlers<operations["deletePayment"]> = { 200: payment, 404: errors, ...errorStatuses };

function templateItem(it: Schemas["ItemTemplateItemResult"]): string {
  const tp = read(it.data);
  if (read(it.result) !== "SUCCESS" || !tp) return `failed ${read(it.statusCode)}`;
  return `${read(tp.id)} ${read(tp.name)} ${read(tp.amount)} (${read(tp.quantity)} x ${read(tp.price)}) gl ${read(tp.glAccount)?.id ?? "-"}`;
}

function templates(env: Schemas["ItemTemplateSaveEnvelope"]): string {
  return `${read(env.result)}: ${(read(env.data) ?? []).map(templateItem).join("\n")}`;
}

function template(env: Schemas["ItemTemplateEnvelope"]): string {
  const tp = read(env.data);
  return tp ? `${read(tp.id)} ${read(tp.name)}` : `${read(env.result)}: no template`;
}

function setup(env: Schemas["InvoicingSetupEnvelope"]): string {
  const s = read(env.data);
  if (!s) return `${read(env.result)}: no setup`;
  const complete = read(s.setupComplete);
  return `#${read(s.brandColor)} ${read(s.defaultTerm)?.type} every ${read(s.defaultReminderRecurrence)?.interval} ${read(s.defaultReminderRecurrence)?.frequency} mark-up ${read(s.reimbursableMarkUpPercent)} complete ${complete === true || complete === 1 || complete === "true" || complete === "1"}`;
}

const readErrorStatuses = { 401: errors, 403: errors, 429: errors, 500: errors, 502: errorsOrPage, 503: errorsOrPage, 504: errorsOrPage, default: errorsOrPage };

export const saveItemTemplates: Handlers<operations["saveItemTemplates"]> = { 200: templates, 207: templates, ...errorStatuses };
export const deleteItemTemplate: Handlers<operations["deleteItemTemplate"]> = { 200: template, 404: errors, ...errorStatuses };
export const getInvoicingSetup: Handlers<operations["getInvoicingSetup"]> = { 200: setup, ...readErrorStatuses };

// Every operation of the spec is covered above.
export const operationsCovered: { [K in keyof operations]: Handlers<operations[K]> } = {
  createToken,
  saveCustomers,
  saveInvoices,
  getCustomer,
  deleteCustomer,
  queryCustomers,
  queryInvoices,
  deleteInvoice,
  sendInvoice,
  savePayments,
  queryPayments,
  getPayment,
  deletePayment,
  saveItemTemplates,
  deleteItemTemplate,
  getInvoicingSetup,
};
