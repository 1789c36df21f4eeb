package fasten

import (
	"testing"
	"time"
)

// BenchmarkVerifyNormalize is the receiver's CPU work for one typical
// delivery: a signed patient.connection_success.
func BenchmarkVerifyNormalize(b *testing.B) {
	now := time.Now()
	body, err := Sample(TypeConnectionSuccess, WithDate(now))
	if err != nil {
		b.Fatal(err)
	}
	h, err := SignedHeaders(testSecretA, body, now)
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier([]string{testSecretB, testSecretA})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(h, body, now); err != nil {
			b.Fatal(err)
		}
		if _, err := Normalize(body); err != nil {
			b.Fatal(err)
		}
	}
}
