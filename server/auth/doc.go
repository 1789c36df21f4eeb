// Package auth decides who may call what: API keys with names and roles,
// and the one table of the rule every gRPC method and HTTP route needs.
//
// A key has a name and one or more roles: ingest (send events), read (read
// events, connections, sources, subscriptions) and admin (operate the
// service). Keys come from --api-keys (plain secrets, every role, named
// key-1, key-2, …) and --api-keys-file (lines of `name roles sha256hex`,
// so the file holds no usable secret).
//
// A request presents `authorization: Bearer <key>` (gRPC metadata or HTTP
// header; the scheme is case-insensitive). The key's SHA-256 is compared in
// constant time with every configured digest, so the time taken does not
// reveal which key or how much of it matched.
//
// Every method and route has a Rule in the table (policy.go): Open, Signed
// (the vendor's signature, checked by the handler), AnyKey, or a role.
// Whatever is missing from the table is Denied. Refusals are *reason.Error
// values (API_KEY_INVALID, ROLE_REQUIRED, METHOD_NOT_PERMITTED); server/api
// turns them into gRPC statuses and the gateway into HTTP error bodies.
package auth
