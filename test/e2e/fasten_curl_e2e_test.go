package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connevents/connevents/test/testserver"
)

// TestFastenDeliveryFromCurl: a delivery signed with openssl and posted
// with curl, no project code involved, is accepted and listed.
func TestFastenDeliveryFromCurl(t *testing.T) {
	for _, tool := range []string{"curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: %v", tool, err)
		}
	}
	s := testserver.Start(t, nil)
	dir := t.TempDir()
	id := fmt.Sprintf("e2e-curl-%d", time.Now().UnixNano())
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := `{"id":"` + id + `","type":"patient.connection_success","api_mode":"live","date":"2024-06-13T00:08:31Z",` +
		`"data":{"org_connection_id":"oc-curl-1","connection_status":"authorized","platform_type":"cerner"}}`
	bodyFile := writeFile(t, dir, "body.json", body)
	signedFile := writeFile(t, dir, "signed", id+"."+ts+"."+body)

	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(testserver.Secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := run(t, nil, "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:"+hex.EncodeToString(key), "-binary", signedFile)
	sig := strings.TrimSpace(string(run(t, mac, "openssl", "base64", "-A")))

	respFile := filepath.Join(dir, "answer.json")
	code := run(t, nil, "curl", "-sS", "-o", respFile, "-w", "%{http_code}", "-X", "POST",
		"-H", "Content-Type: application/json", "-H", "webhook-id: "+id, "-H", "webhook-timestamp: "+ts,
		"-H", "webhook-signature: v1,"+sig, "--data-binary", "@"+bodyFile, s.BaseURL+"/v1/webhooks/fasten")
	answer, _ := os.ReadFile(respFile)
	if string(code) != "200" || !bytes.Contains(answer, []byte("INGEST_STATUS_STORED")) {
		t.Fatalf("curl got %s %s, want 200 STORED", code, answer)
	}
	ev := bySourceID(t, requireCount(t, s, 1), id)
	for path, want := range map[string]string{
		"type": "EVENT_TYPE_CONNECTION_AUTHORIZED", "apiMode": "API_MODE_LIVE",
		"connection.orgConnectionId": "oc-curl-1", "occurredAt": "2024-06-13T00:08:31Z",
	} {
		if got := ev.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs a command with stdin and returns its standard output.
func run(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", name, err, stderr.String())
	}
	return out
}
