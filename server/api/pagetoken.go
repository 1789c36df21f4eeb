package api

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/reason"
)

// A page token is a digest of the list arguments that made it (filter,
// order, view) followed by the position of the page's last item,
// base64url-encoded. The digest catches a token replayed with different
// arguments (AIP-158). Each list names its own arguments message and
// position bytes.
const digestLen = 8

var errPageToken = reason.New(reason.PageTokenInvalid, "page_token is malformed or was issued for different list arguments")

// encodePageToken returns the token of the page after position, for the
// list arguments args.
func encodePageToken(args proto.Message, position []byte) string {
	b := append(argsDigest(args), position...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken returns the position of a token issued for args.
func decodePageToken(token string, args proto.Message) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < digestLen || string(b[:digestLen]) != string(argsDigest(args)) {
		return nil, errPageToken
	}
	return b[digestLen:], nil
}

// argsDigest is 8 bytes of SHA-256 over the list arguments that a token
// must not outlive.
func argsDigest(args proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(args)
	if err != nil {
		panic(errors.Join(errors.New("api: marshal list arguments"), err))
	}
	sum := sha256.Sum256(b)
	return sum[:digestLen]
}
