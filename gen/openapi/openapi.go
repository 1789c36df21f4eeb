// Package openapi embeds the OpenAPI document that protoc-gen-openapiv2
// generates from proto/ (the one hand-written file under gen/).
package openapi

import _ "embed"

// Document is the OpenAPI (Swagger 2.0) document of the REST API.
//
//go:embed connevents.swagger.json
var Document []byte
