package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// A page token is the last sequence of the page followed by a digest of the
// request that made it (filter, order, view), base64url-encoded. The digest
// catches a token replayed with different arguments (AIP-158).
const pageTokenLen = 8 + 8

var errPageToken = reason.New(reason.PageTokenInvalid, "page_token is malformed or was issued for different list arguments")

func encodePageToken(req *conneventsv1.ListEventsRequest, lastSequence int64) string {
	b := make([]byte, 0, pageTokenLen)
	b = binary.BigEndian.AppendUint64(b, uint64(lastSequence))
	b = append(b, requestDigest(req)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(req *conneventsv1.ListEventsRequest) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(req.GetPageToken())
	if err != nil || len(b) != pageTokenLen {
		return 0, errPageToken
	}
	if string(b[8:]) != string(requestDigest(req)) {
		return 0, errPageToken
	}
	seq := int64(binary.BigEndian.Uint64(b[:8]))
	if seq <= 0 {
		return 0, errPageToken
	}
	return seq, nil
}

// requestDigest is 8 bytes of SHA-256 over the list arguments that a token
// must not outlive.
func requestDigest(req *conneventsv1.ListEventsRequest) []byte {
	args := &conneventsv1.ListEventsRequest{Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), View: req.GetView()}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(args)
	if err != nil {
		panic(errors.Join(errors.New("api: marshal list arguments"), err))
	}
	sum := sha256.Sum256(b)
	return sum[:8]
}
