package billbridge

// The generated code, two packages per provider; `make generate` runs these.
// gen/<provider>api holds the models, the client and the embedded spec (what
// users import); gen/<provider>server the server interfaces the fakes
// implement, kept apart so that clients do not link server code.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/tight.codegen.yaml specs/tight.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/tight.server.codegen.yaml specs/tight.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/chargeover.codegen.yaml specs/chargeover.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/chargeover.server.codegen.yaml specs/chargeover.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/meteroid.codegen.yaml specs/meteroid.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/meteroid.server.codegen.yaml specs/meteroid.yaml
