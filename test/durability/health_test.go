package durability

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/connevents/connevents/server/reason"
)

// TestHealthWhileDiskFull: the store answers pings but takes no writes (a
// full disk): once a commit has failed, /healthz says NOT_SERVING with
// reason STORAGE_UNAVAILABLE; when writes work again it says SERVING.
func TestHealthWhileDiskFull(t *testing.T) {
	rig := newFaultRig(t)
	if got := healthz(t, rig.baseURL); got.Status != "SERVING" {
		t.Fatalf("healthy server: %+v", got)
	}
	rig.store.set(true, 0)
	if _, err := rig.webhook(t.Context(), uuid.NewString()); err == nil {
		t.Fatal("a webhook was stored on a full disk")
	}
	waitHealth(t, rig.baseURL, "NOT_SERVING", reason.StorageUnavailable)
	rig.store.set(false, 0)
	waitHealth(t, rig.baseURL, "SERVING", "")
}

type healthAnswer struct {
	code   int
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func healthz(t *testing.T, base string) healthAnswer {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := healthAnswer{code: resp.StatusCode}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("/healthz %s: %v", body, err)
	}
	return a
}

// waitHealth polls /healthz (the health loop checks every 2 s) until it
// says status with the reason, for at most 15 s.
func waitHealth(t *testing.T, base, status string, why reason.Reason) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := healthz(t, base)
		wantCode := http.StatusOK
		if status != "SERVING" {
			wantCode = http.StatusServiceUnavailable
		}
		if got.Status == status && got.Reason == string(why) && got.code == wantCode {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz %+v, want %d %s %s", got, wantCode, status, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
