// Package auth checks the pre-shared API keys that protect every RPC and
// HTTP route except health checks and the signature-authenticated Fasten
// webhook.
//
// A request presents `authorization: Bearer <key>` (gRPC metadata or HTTP
// header). Keys are compared in constant time against every configured key,
// so the time taken does not reveal which key or how much of it matched.
//
// A refused key is ErrKeyInvalid (reason API_KEY_INVALID); server/api turns
// it into the gRPC status and the gateway into the HTTP error body.
package auth
