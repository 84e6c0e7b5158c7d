// Compile-time helpers for the usage files (tsc --noEmit --strict; nothing runs).
//
// openapi-typescript turns a schema it cannot translate into `never` (an object
// type without properties becomes Record<string, never>, whose every field is
// `never`), and `never` is assignable to everything, so a plain
// `const x: string = body.field` would still compile. `read` refuses `never`
// and `any`, and the mapped types below refuse a response without a typed body (JSON or text)
// and make every operation and every response status of a spec mandatory.

/** read returns v; the call does not compile when v's type is `never` or `any`. */
export function read<T>(
  v: T,
  ..._typeCheck: [T] extends [never]
    ? ["the spec produced never here"]
    : 0 extends 1 & T
      ? ["the spec produced any here"]
      : []
): T {
  return v;
}

/** The JSON body of an openapi-typescript response object (never if none). */
export type JsonBody<R> = R extends { content: { "application/json": infer B } } ? B : never;

/**
 * The body of a response object, whatever its media type: the union of the
 * bodies of every media type it declares (JSON, and text/plain or text/html
 * for answers a proxy or a body extractor writes), never if it declares none.
 */
export type Body<R> = R extends { content: infer C } ? C[keyof C] : never;

/** The JSON request body of an operation. */
export type JsonRequest<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

/** One handler per response status; a status added to the spec breaks compilation until handled. */
export type Handlers<O extends { responses: object }> = {
  [S in keyof O["responses"]]-?: (body: Body<O["responses"][S]>) => string;
};

/** "ok" only when every response status of every operation has a JSON body that is not `never`. */
export type AllBodiesTyped<Ops> = true extends {
  [K in keyof Ops]: Ops[K] extends { responses: infer R }
    ? { [S in keyof R]-?: [Body<R[S]>] extends [never] ? true : false }[keyof R]
    : true;
}[keyof Ops]
  ? "a response has no typed JSON body"
  : "ok";
