package billbridge

// The generated clients, one package per provider; `make generate` runs these.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/tight.codegen.yaml specs/tight.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/chargeover.codegen.yaml specs/chargeover.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config specs/meteroid.codegen.yaml specs/meteroid.yaml
