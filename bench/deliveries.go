package bench

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/connevents/connevents/server/fasten"
)

// delivery is one signed Fasten webhook, ready to post.
type delivery struct {
	id, timestamp, signature string
	body                     []byte
}

// placeholder stands for the envelope id in the templates.
const placeholder = "00000000-0000-4000-8000-000000000000"

// connections is how many patient connections the bench's deliveries and
// AuditEvents spread over (one journey each), and connectionPlaceholder
// stands for a connection's id in the templates.
const (
	connections           = 10_000
	connectionPlaceholder = "bench-connection-placeholder"
)

// connection is the id of the i-th delivery's connection.
func connection(i int) []byte { return fmt.Appendf(nil, "bench-connection-%05d", i%connections) }

// fastenTemplates are realistic delivery bodies of the common types.
func fastenTemplates() ([][]byte, error) {
	var out [][]byte
	for _, typ := range []string{fasten.TypeConnectionSuccess, fasten.TypeEHIExportSuccess,
		fasten.TypeEHIExportFailed, fasten.TypeAuthorizationRevoked} {
		body, err := fasten.Sample(typ, fasten.WithID(placeholder),
			fasten.WithData("org_connection_id", connectionPlaceholder), fasten.WithData("external_id", connectionPlaceholder))
		if err != nil {
			return nil, err
		}
		out = append(out, body)
	}
	return out, nil
}

// makeDeliveries returns n unique deliveries signed now (the webhook
// timestamp tolerance is five minutes, so they are made just before use).
func makeDeliveries(n int) ([]delivery, error) {
	tmpls, err := fastenTemplates()
	if err != nil {
		return nil, err
	}
	ts := time.Now()
	out := make([]delivery, n)
	for i := range out {
		id := uuid.NewString()
		body := bytes.Replace(tmpls[i%len(tmpls)], []byte(placeholder), []byte(id), 1)
		body = bytes.ReplaceAll(body, []byte(connectionPlaceholder), connection(i))
		sig, err := fasten.Sign(Secret, id, ts, body)
		if err != nil {
			return nil, err
		}
		out[i] = delivery{id: id, timestamp: strconv.FormatInt(ts.Unix(), 10), signature: sig, body: body}
	}
	if len(out) > 0 && bytes.Contains(out[0].body, []byte(placeholder)) {
		return nil, fmt.Errorf("bench: the sample has no id to replace")
	}
	return out, nil
}
