package bench

import (
	"bytes"
	"time"

	"github.com/google/uuid"

	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// auditTemplates are 1upHealth AuditEvents of the common subtypes, with
// placeholder ids.
func auditTemplates() [][]byte {
	var out [][]byte
	for _, sub := range []string{"member-authorization", "system-selected",
		"member-data-ingestion-completed", "system-search-results"} {
		out = append(out, oneuptest.AuditEvent(oneuptest.Event{
			ID: placeholder, Subtype: sub, Recorded: time.Now(), Outcome: "0",
			UserID: connectionPlaceholder, PatientID: connectionPlaceholder, SystemName: "Bench Health", SystemID: "sys-1",
		}))
	}
	return out
}

// auditPayloads returns n NDJSON payloads of per unique AuditEvents each.
func auditPayloads(n, per int) [][]byte {
	tmpls := auditTemplates()
	out := make([][]byte, n)
	for i := range out {
		var b bytes.Buffer
		for j := range per {
			t := tmpls[(i*per+j)%len(tmpls)]
			b.Write(bytes.ReplaceAll(bytes.Replace(t, []byte(placeholder), []byte(uuid.NewString()), 1),
				[]byte(connectionPlaceholder), connection(i*per+j)))
			b.WriteByte('\n')
		}
		out[i] = b.Bytes()
	}
	return out
}
