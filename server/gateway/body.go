package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/connevents/connevents/server/reason"
)

// bodyReadTimeout bounds reading one request body.
const bodyReadTimeout = 30 * time.Second

// maxRequestBody bounds the JSON body of an API call (a search's or a
// subscription's filter: a few hundred bytes in practice).
const maxRequestBody = 64 << 10

// BodyDeadline gives a request that has a body bodyReadTimeout to send it,
// whichever handler answers: net/http drains a body the handler did not
// read before it answers, so a request refused unread (no key, no route,
// another host) would otherwise hold its connection for as long as its
// sender trickles. limitBody lifts it once it has read an API call's body,
// so that a subscription stays open.
func BodyDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
		}
		h.ServeHTTP(w, r)
	})
}

// limitBody reads an API call's body, at most maxRequestBody within
// bodyReadTimeout, before grpc-gateway decodes it: a larger one is
// BODY_TOO_LARGE (413) and a slow sender is cut off. The connection's read
// deadline is lifted afterwards: a subscription's connection stays open.
func limitBody(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if r.Body != nil && r.Body != http.NoBody {
			body, ok := readBody(w, r, maxRequestBody)
			if !ok {
				return
			}
			_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		next(w, r, params)
	}
}

// readBody reads at most limit bytes; a larger body is answered 413 before
// any of it is parsed.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	// A sender gets bodyReadTimeout for the whole body: slow senders on the
	// unauthenticated webhook route cannot hold connections open.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		WriteError(w, reason.New(reason.BodyTooLarge, "request body is larger than the limit"))
		return nil, false
	case err != nil:
		WriteError(w, reason.New(reason.BodyUnreadable, "request body could not be read"))
		return nil, false
	}
	return body, true
}
