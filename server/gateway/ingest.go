package gateway

import (
	"bufio"
	"net/http"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/api"
	"github.com/connevents/connevents/server/apijson"
	"github.com/connevents/connevents/server/reason"
)

// fastenWebhook takes Fasten deliveries as Fasten sends them. It is
// authenticated by the Standard Webhooks signature, not by an API key.
func fastenWebhook(svc *api.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r, MaxFastenBody)
		if !ok {
			return
		}
		resp, err := svc.IngestFastenWebhook(r.Context(), &conneventsv1.IngestFastenWebhookRequest{
			Payload:          body,
			WebhookId:        r.Header.Get("webhook-id"),
			WebhookTimestamp: r.Header.Get("webhook-timestamp"),
			WebhookSignature: r.Header.Get("webhook-signature"),
		})
		if err != nil {
			WriteError(w, err)
			return
		}
		writeProto(w, resp)
	})
}

// oneupPush takes 1upHealth AuditEvents as FHIR JSON or NDJSON.
func oneupPush(svc *api.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r, MaxOneUpBody)
		if !ok {
			return
		}
		resp, err := svc.IngestOneUpAuditEvents(r.Context(), &conneventsv1.IngestOneUpAuditEventsRequest{
			ContentType: r.Header.Get("Content-Type"),
			Payload:     body,
		})
		if err != nil {
			WriteError(w, err)
			return
		}
		writeResults(w, resp.GetResults())
	})
}

// writeResults writes a push's answer ({"results": [...]}, as writeProto
// would) one result at a time, so that the answer to a push of many items
// is never held whole.
func writeResults(w http.ResponseWriter, results []*conneventsv1.IngestResult) {
	w.Header().Set("Content-Type", "application/json")
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString(`{"results":[`)
	var buf []byte
	for i, res := range results {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		var err error
		if buf, err = apijson.Append(buf[:0], res); err != nil {
			return // cannot happen for an IngestResult; the answer ends short
		}
		_, _ = bw.Write(buf)
	}
	_, _ = bw.WriteString("]}")
	_ = bw.Flush()
}

func writeProto(w http.ResponseWriter, m proto.Message) {
	b, err := apijson.Marshal(m)
	if err != nil {
		WriteError(w, reason.New(reason.Internal, "could not encode the response"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
