//go:build tools

// Package tools pins the code generator and the linters in go.mod, so that
// `go run` of them uses the versions this module was tested with.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
