package fasten

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Seeds live in testdata/fuzz/FuzzNormalize (the fixtures and refused
// bodies), so plain `go test` runs them.
func FuzzNormalize(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Normalize(body)
		if err != nil {
			if ev != nil || !slices.Contains(normalizeReasons, reason.Of(err)) {
				t.Fatalf("Normalize = %v, %v", ev, err)
			}
			return
		}
		checkAccepted(t, ev, body)
	})
}

var normalizeReasons = []reason.Reason{
	reason.MalformedJSON, reason.MissingID, reason.MissingType, reason.DataNotObject, reason.InvalidDate,
}

// checkAccepted: an accepted event is a storable, serializable Fasten event.
func checkAccepted(t *testing.T, ev *conneventsv1.ConnectionEvent, body []byte) {
	t.Helper()
	if ev.Source != conneventsv1.Source_SOURCE_FASTEN || ev.SourceEventId == "" || ev.SourceEventType == "" {
		t.Fatalf("accepted event lacks its key: %v", ev)
	}
	if ev.Stage == conneventsv1.Stage_STAGE_UNSPECIFIED || !bytes.Equal(ev.Raw, body) {
		t.Fatalf("accepted event without stage or exact raw")
	}
	if _, err := proto.Marshal(ev); err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	if _, err := protojson.Marshal(ev); err != nil {
		t.Fatalf("protojson.Marshal: %v", err)
	}
}

// FuzzVerify feeds arbitrary headers and bodies. Verify never panics,
// refuses only with its own reasons, accepts only when the header holds the
// right MAC, and a correct entry is found among any other entries.
func FuzzVerify(f *testing.F) {
	v := mustVerifierF(f, testSecretA)
	key, _ := decodeSecret(testSecretA)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		err := v.Verify(Headers{ID: id, Timestamp: ts, Signature: sig}, body, testNow)
		want := "v1," + base64.StdEncoding.EncodeToString(computeMAC(key, id, ts, body))
		if err == nil && !slices.Contains(strings.Fields(sig), want) {
			t.Fatalf("accepted %q without the right signature", sig)
		}
		if err != nil && !slices.Contains(verifyReasons, reason.Of(err)) {
			t.Fatalf("unexpected error %v", err)
		}
		good := signed(t, testSecretA, testNow, body)
		good.Signature = sig + " " + good.Signature + " " + sig
		if err := v.Verify(good, body, testNow); err != nil {
			t.Fatalf("a valid entry among %q was missed: %v", sig, err)
		}
	})
}

var verifyReasons = []reason.Reason{
	reason.SignatureMissing, reason.SignatureInvalid, reason.TimestampInvalid, reason.TimestampOutOfTolerance,
}

func mustVerifierF(f *testing.F, secrets ...string) *Verifier {
	f.Helper()
	v, err := NewVerifier(secrets)
	if err != nil {
		f.Fatal(err)
	}
	return v
}
