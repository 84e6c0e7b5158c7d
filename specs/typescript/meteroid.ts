// Proof that the Meteroid spec is usable from TypeScript: typed requests and a
// reader for every response status of every operation (patchCustomer,
// getCustomer). Type-checked by `make lint` (tsc --strict).
import type { components, operations } from "./generated/meteroid";
import { read, type AllBodiesTyped, type Handlers, type JsonRequest } from "./check";

type Schemas = components["schemas"];

export const bodiesTyped: AllBodiesTyped<operations> = "ok";

// --- requests ---

export const customerPath: operations["patchCustomer"]["parameters"]["path"] = { id_or_alias: "cus_7n42DGM5Tflk9n8mt7Fhc7" };
export const getPath: operations["getCustomer"]["parameters"]["path"] = { id_or_alias: "acme-0001" };

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

export const operationsCovered: { [K in keyof operations]: Handlers<operations[K]> } = { patchCustomer, getCustomer };
