// Proof that the ChargeOver spec is usable from TypeScript: typed requests and
// a reader for every response status of every operation (createCustomer,
// bulk, getCustomerByExternalKey, and since 2.1.0 listCustomers, getCustomer,
// updateCustomer, since 2.2.0 deleteCustomer, since 2.4.0 createInvoice, listInvoices,
// getInvoice, createTransaction, listTransactions, getTransaction,
// createItem, listItems, getItem, updateInvoice, invoiceAction). Type-checked by `make lint` (tsc --strict).
import type { components, operations } from "./generated/chargeover";
import { read, type AllBodiesTyped, type Handlers, type JsonRequest } from "./check";

type Schemas = components["schemas"];

export const bodiesTyped: AllBodiesTyped<operations> = "ok";

// --- requests ---

export const createCustomerRequest: JsonRequest<operations["createCustomer"]> = {
  company: "Acme Widgets Inc.",
  external_key: "acme-0001",
  superuser_email: "jane.doe@acme.example",
  currency_id: 1,
  no_taxes: false,
  invoice_delivery: "email",
  tags: ["vip"],
};

export const bulkRequest: JsonRequest<operations["bulk"]> = [
  { request_method: "POST", uri: "/api/v3/customer", payload: { external_key: "acme-0002", company: "Acme East LLC" } },
  { request_method: "GET", uri: "/api/v3/customer/external_key:acme-0001" },
];

export const getByKeyParams: operations["getCustomerByExternalKey"]["parameters"]["path"] = { key: "acme-0001" };

// where: field:OPERATOR:value joined by commas, ":" and "," in values escaped.
export const listQuery: NonNullable<operations["listCustomers"]["parameters"]["query"]> = {
  where: "company:CONTAINS:acme,external_key:EQUALS:Example\\:ID",
  order: "customer_id:ASC",
  offset: 0,
  limit: 500,
};

export const getByIdParams: operations["getCustomer"]["parameters"]["path"] = { customer_id: 16 };

// An update carries only the fields to change; none is required.
export const updateCustomerRequest: JsonRequest<operations["updateCustomer"]> = { bill_city: "Chicago", no_taxes: true };

export const bulkUpdateRequest: JsonRequest<operations["bulk"]> = [
  { request_method: "PUT", uri: "/api/v3/customer/16", payload: { bill_city: "Chicago" } },
  { request_method: "GET", uri: "/api/v3/customer?where=company:CONTAINS:acme&limit=25" },
];

// A delete has no body: only the customer_id.
export const deleteParams: operations["deleteCustomer"]["parameters"]["path"] = { customer_id: 16 };

// @ts-expect-error customer_id is an integer
export const badId: operations["getCustomer"]["parameters"]["path"] = { customer_id: "external_key:acme" };

// @ts-expect-error company is required
export const noCompany: Schemas["CustomerCreate"] = { external_key: "x" };
// @ts-expect-error request_method is an enum
export const badMethod: Schemas["BulkSubRequest"] = { request_method: "DELETE", uri: "/api/v3/customer/1" };

// --- responses ---

// The envelope as read: status is open (EnvelopeStatusOpen), message may be
// null, details an object, a list (PHP's []) or null.
function envelope(e: { code: number; status: Schemas["EnvelopeStatusOpen"]; message?: string | null; details?: Schemas["ErrorResponse"]["details"] }): string {
  const ok = read(e.status) === "OK";
  const details = read(e.details);
  const n = Array.isArray(details) ? details.length : Object.keys(details ?? {}).length;
  return `${read(e.code)} ${ok ? "OK" : read(e.status)} ${read(e.message) ?? ""} ${n}`;
}

function failure(e: Schemas["ErrorResponse"]): string {
  const r: false = read(e.response);
  return `${envelope(e)} ${r}`;
}

// Gateway and default answers may be a proxy's HTML page instead of the envelope.
function failureOrPage(e: Schemas["ErrorResponse"] | string): string {
  return typeof e === "string" ? `page of ${e.length} bytes` : failure(e);
}

// Ids may arrive as numbers or numeric strings, money as numbers or strings.
function num(v: number | string | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

function customer(c: Schemas["Customer"]): string {
  const id: number | undefined = num(read(c.customer_id));
  const balance = num(read(c.balance));
  return `${id} ${read(c.company) ?? ""} ${read(c.external_key) ?? ""} ${read(c.superuser_email) ?? ""} ${read(c.no_taxes) ?? ""} ${read(c.invoice_delivery) ?? ""} ${(read(c.tags) ?? []).join(",")} ${balance ?? ""} ${read(c.write_datetime) ?? ""} ${num(read(c.custtype_id)) ?? ""}`;
}

export const createCustomer: Handlers<operations["createCustomer"]> = {
  201: (b) => `${envelope(b)} created ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const getCustomerByExternalKey: Handlers<operations["getCustomerByExternalKey"]> = {
  200: (b) => `${envelope(b)} ${customer(read(b.response))}`,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const bulk: Handlers<operations["bulk"]> = {
  200: (b) =>
    read(read(b.response)._bulk)
      .map((r: Schemas["BulkItemResult"]) => {
        // response is deliberately untyped (unknown): decode it once code is known.
        const payload: unknown = r.response;
        if (read(r.code) === 201 && typeof payload === "object" && payload !== null && "id" in payload) {
          return `created ${String((payload as Schemas["CreatedId"]).id)}`;
        }
        if (read(r.code) === 200 && typeof payload === "object" && payload !== null) {
          return customer(payload as Schemas["Customer"]);
        }
        return envelope(r);
      })
      .join("\n"),
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const listCustomers: Handlers<operations["listCustomers"]> = {
  200: (b) => `${envelope(b)} ${read(read(b.response).map(customer).join("\n"))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const getCustomer: Handlers<operations["getCustomer"]> = {
  200: (b) => `${envelope(b)} ${customer(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const updateCustomer: Handlers<operations["updateCustomer"]> = {
  202: (b) => `${envelope(b)} updated ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

// The delete's response is true, read tolerantly: 1 and "1" too.
function deleted(v: boolean | number | string): boolean {
  return v === true || v === 1 || v === "1" || v === "true";
}

export const deleteCustomer: Handlers<operations["deleteCustomer"]> = {
  200: (b) => `${envelope(b)} deleted ${deleted(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

// --- invoices (2.4.0) ---

// The customer by its external key; money in decimal dollars.
export const createInvoiceRequest: JsonRequest<operations["createInvoice"]> = {
  customer_external_key: "acme-0001",
  external_key: "inv-2026-0001",
  date: "2026-01-02",
  line_items: [{ item_id: 4, descrip: "Support hours", line_rate: 29.95, line_quantity: 3 }],
};

// @ts-expect-error line_items is required
export const noLines: Schemas["InvoiceCreate"] = { customer_id: 1 };

export const listInvoicesQuery: NonNullable<operations["listInvoices"]["parameters"]["query"]> = {
  where: "customer_id:EQUALS:1000,invoice_status_str:EQUALS:open-unpaid",
  order: "invoice_id:ASC",
  offset: 0,
  limit: 500,
};

export const getInvoiceParams: operations["getInvoice"]["parameters"]["path"] = { invoice_id: 98165 };

function invoice(i: Schemas["Invoice"]): string {
  const lines = (read(i.line_items) ?? []).map((l: Schemas["InvoiceLine"]) => `${num(read(l.item_id)) ?? ""}x${num(read(l.line_quantity)) ?? 1}@${num(read(l.line_rate)) ?? 0}=${num(read(l.line_total)) ?? ""}`);
  return `${num(read(i.invoice_id))} ${num(read(i.customer_id)) ?? ""} ${read(i.external_key) ?? ""} ${read(i.invoice_status_str) ?? ""} ${num(read(i.total)) ?? ""} ${num(read(i.balance)) ?? ""} ${read(i.is_paid) ?? ""} ${lines.join(",")}`;
}

export const createInvoice: Handlers<operations["createInvoice"]> = {
  201: (b) => `${envelope(b)} created ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const listInvoices: Handlers<operations["listInvoices"]> = {
  200: (b) => `${envelope(b)} ${read(read(b.response).map(invoice).join("\n"))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const getInvoice: Handlers<operations["getInvoice"]> = {
  200: (b) => `${envelope(b)} ${invoice(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

// --- transactions (2.4.0) ---

// A payment applied to invoices, one by id and one by external key.
export const createTransactionRequest: JsonRequest<operations["createTransaction"]> = {
  customer_external_key: "acme-0001",
  gateway_transid: "abcd1234",
  amount: 15.95,
  transaction_type: "pay",
  transaction_method: "Visa",
  transaction_date: "2026-01-03",
  applied_to: [{ invoice_id: 5000, applied: 2.95 }, { invoice_external_key: "inv-2026-0001", applied: 13 }],
};

// @ts-expect-error transaction_type is an enum
export const badType: Schemas["TransactionCreate"] = { customer_id: 1, transaction_type: "chargeback" };

export const listTransactionsQuery: NonNullable<operations["listTransactions"]["parameters"]["query"]> = {
  where: "gateway_transid:EQUALS:abcd1234",
  order: "transaction_id:ASC",
  limit: 25,
};

export const getTransactionParams: operations["getTransaction"]["parameters"]["path"] = { transaction_id: 741 };

function transaction(t: Schemas["Transaction"]): string {
  const applied = (read(t.applied_to) ?? []).map((a: Schemas["TransactionApplied"]) => `${num(read(a.invoice_id)) ?? ""}:${num(read(a.applied)) ?? ""}`);
  return `${num(read(t.transaction_id))} ${num(read(t.customer_id)) ?? ""} ${read(t.gateway_transid) ?? ""} ${read(t.transaction_type) ?? ""} ${num(read(t.amount)) ?? ""} ${applied.join(",")}`;
}

export const createTransaction: Handlers<operations["createTransaction"]> = {
  201: (b) => `${envelope(b)} created ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const listTransactions: Handlers<operations["listTransactions"]> = {
  200: (b) => `${envelope(b)} ${read(read(b.response).map(transaction).join("\n"))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const getTransaction: Handlers<operations["getTransaction"]> = {
  200: (b) => `${envelope(b)} ${transaction(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

// --- items (2.4.0) ---

export const createItemRequest: JsonRequest<operations["createItem"]> = {
  name: "Support hours",
  item_type: "service",
  external_key: "item-support",
  pricemodel: { pricemodel: "fla", base: 29.95, paycycle: "mon" },
};

// @ts-expect-error name is required
export const noName: Schemas["ItemCreate"] = { external_key: "x" };

export const listItemsQuery: NonNullable<operations["listItems"]["parameters"]["query"]> = { where: "item_type:EQUALS:service", limit: 25 };

export const getItemParams: operations["getItem"]["parameters"]["path"] = { item_id: 4 };

function item(i: Schemas["Item"]): string {
  const pm = read(i.pricemodel);
  return `${num(read(i.item_id))} ${read(i.name) ?? ""} ${read(i.item_type) ?? ""} ${read(i.external_key) ?? ""} ${read(i.enabled) ?? ""} ${pm ? `${read(pm.pricemodel) ?? ""}:${num(read(pm.base)) ?? ""}` : ""}`;
}

export const createItem: Handlers<operations["createItem"]> = {
  201: (b) => `${envelope(b)} created ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const listItems: Handlers<operations["listItems"]> = {
  200: (b) => `${envelope(b)} ${read(read(b.response).map(item).join("\n"))}`,
  400: failure,
  401: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const getItem: Handlers<operations["getItem"]> = {
  200: (b) => `${envelope(b)} ${item(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

// --- invoice update and actions (2.4.0) ---

export const updateInvoiceRequest: JsonRequest<operations["updateInvoice"]> = { memo: "Thanks", line_items: [{ item_id: 4, line_rate: 29.95, line_quantity: 4 }] };

// One operation for void, email and pay: the action is a query parameter.
export const voidQuery: operations["invoiceAction"]["parameters"]["query"] = { action: "void" };
export const emailRequest: Schemas["InvoiceActionRequest"] = { email: "jane@example.com", message_subject: "Your invoice" };
export const payRequest: Schemas["InvoiceActionRequest"] = { use_customer_balance: true };

// @ts-expect-error action is an enum
export const badAction: operations["invoiceAction"]["parameters"]["query"] = { action: "refund" };

// The action's response is a boolean, read tolerantly: 1 and "1" too.
export const updateInvoice: Handlers<operations["updateInvoice"]> = {
  202: (b) => `${envelope(b)} updated ${num(read(read(b.response).id))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const invoiceAction: Handlers<operations["invoiceAction"]> = {
  200: (b) => `${envelope(b)} did ${deleted(read(b.response))}`,
  400: failure,
  401: failure,
  404: failure,
  429: failure,
  500: failure,
  502: failureOrPage,
  503: failureOrPage,
  504: failureOrPage,
  default: failureOrPage,
};

export const operationsCovered: { [K in keyof operations]: Handlers<operations[K]> } = {
  createCustomer,
  bulk,
  getCustomerByExternalKey,
  listCustomers,
  getCustomer,
  updateCustomer,
  deleteCustomer,
  createInvoice,
  listInvoices,
  getInvoice,
  createTransaction,
  listTransactions,
  getTransaction,
  createItem,
  listItems,
  getItem,
  updateInvoice,
  invoiceAction,
};
