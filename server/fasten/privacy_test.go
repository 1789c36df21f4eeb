package fasten

import (
	"strings"
	"testing"
	"time"
)

// Recognisable payload strings that must never appear in an error.
var secretsInPayload = []string{"Zebulon", "Quagmire", "zq@example.org", "diabetes", "pt-9f8e7d", "qq-org-conn", "st-4c3b2a"}

// TestErrorsCarryNoPayload feeds deliveries full of personal data that are
// refused for every reason, and checks no error message repeats any of it.
func TestErrorsCarryNoPayload(t *testing.T) {
	data := `{"name":"Zebulon Quagmire","email":"zq@example.org","body":"my diabetes records","external_id":"pt-9f8e7d","external_state":"st-4c3b2a","org_connection_id":"qq-org-conn"}`
	bodies := []string{
		`{"type":"patient.request_support","data":` + data + `}`,                                               // MISSING_ID
		`{"id":"Zebulon","event_type":"Quagmire","data":` + data + `}`,                                         // MISSING_TYPE
		`{"id":{"name":"Zebulon Quagmire"},"type":"patient.request_support","data":` + data + `}`,              // MISSING_ID
		`{"id":"pt-9f8e7d","type":"patient.request_support","date":"zq@example.org","data":` + data + `}`,      // INVALID_DATE
		`{"id":"pt-9f8e7d","type":"patient.request_support","data":"Zebulon Quagmire zq@example.org"}`,         // DATA_NOT_OBJECT
		`{"id":"pt-9f8e7d","type":"patient.request_support","data":` + data,                                    // MALFORMED_JSON
		`{"id":"pt-9f8e7d","type":"patient.request_support","data":{"name":"Zebulon Quagmire` + "\x00" + `"}}`, // MALFORMED_JSON
	}
	for i, body := range bodies {
		_, err := Normalize([]byte(body))
		if err == nil {
			t.Fatalf("body %d accepted", i)
		}
		assertClean(t, err.Error())
	}
}

func TestVerifyErrorsCarryNoSecretOrPayload(t *testing.T) {
	body := []byte(`{"id":"pt-9f8e7d","type":"patient.request_support","data":{"name":"Zebulon Quagmire"}}`)
	good := signed(t, testSecretA, testNow, body)
	v := mustVerifier(t, testSecretB)
	for _, h := range []Headers{
		good,
		{ID: good.ID, Timestamp: "Zebulon", Signature: good.Signature},
		{ID: "pt-9f8e7d", Timestamp: good.Timestamp, Signature: "v1,Quagmire"},
		{ID: good.ID, Timestamp: "1", Signature: good.Signature},
		{ID: "", Timestamp: good.Timestamp, Signature: good.Signature},
	} {
		err := v.Verify(h, body, testNow)
		if err == nil {
			t.Fatal("accepted")
		}
		msg := err.Error()
		assertClean(t, msg)
		for _, s := range []string{testSecretA, testSecretB, strings.TrimPrefix(testSecretB, "whsec_"), good.Signature[3:]} {
			if strings.Contains(msg, s) {
				t.Errorf("error %q contains a secret or signature", msg)
			}
		}
	}
	if err := (&Verifier{}).Verify(good, body, time.Now()); err == nil {
		t.Fatal("empty verifier accepted")
	}
}

func assertClean(t *testing.T, msg string) {
	t.Helper()
	for _, s := range secretsInPayload {
		if strings.Contains(msg, s) {
			t.Errorf("error %q contains payload %q", msg, s)
		}
	}
}
