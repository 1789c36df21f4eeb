package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/connevents/connevents/server/apijson"
	"github.com/connevents/connevents/server/stream"
)

// Media types of the subscription stream.
const (
	MIMENDJSON      = "application/x-ndjson"
	MIMEEventStream = "text/event-stream"
)

// subscribe prepares a subscription request for the gateway: it picks the
// stream format from Accept (Server-Sent Events for text/event-stream,
// newline-delimited JSON otherwise) and asks proxies not to buffer. The
// transport is the gateway's to say (streamTransport): a client's own
// metadata header for it is dropped.
func subscribe(gw http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Del("Content-Type")
		r.Header.Del("Grpc-Metadata-" + stream.TransportMetadata)
		if wantsEventStream(r.Header.Values("Accept")) {
			r.Header.Set("Accept", MIMEEventStream)
		} else {
			r.Header.Set("Accept", MIMENDJSON)
		}
		w.Header().Set("X-Accel-Buffering", "no")
		ow := &openErrors{ResponseWriter: w}
		gw.ServeHTTP(ow, r)
		ow.finish()
	})
}

// openErrors answers a subscription refused at open (a bad cursor, a
// missing role, an access log that cannot record) with the error body of
// every other HTTP error, as JSON: grpc-gateway writes it as a stream's
// error item ({"error": …} in NDJSON, an `error` event in SSE), which a
// client reading the status code does not expect. Once the stream has
// started (status 200), everything passes through.
type openErrors struct {
	http.ResponseWriter
	refused bool
	body    bytes.Buffer
}

func (w *openErrors) WriteHeader(code int) {
	if code != http.StatusOK {
		w.refused = true
		w.Header().Set("Content-Type", "application/json")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *openErrors) Write(b []byte) (int, error) {
	if w.refused {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *openErrors) Flush() {
	if !w.refused {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *openErrors) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes the refusal's error body, taken out of the stream item
// the gateway wrote.
func (w *openErrors) finish() {
	if !w.refused {
		return
	}
	item := bytes.TrimSpace(w.body.Bytes())
	if data, ok := bytes.CutPrefix(item, bytes.TrimSuffix(sseFrame("", "error", nil), []byte("\n"))); ok {
		item = data
	} else if fields, ok := jsonObject(item); ok && fields["error"] != nil {
		item = fields["error"]
	}
	_, _ = w.ResponseWriter.Write(append(item, '\n'))
}

// wantsEventStream says whether the Accept header asks for Server-Sent
// Events: it names text/event-stream (any case) with a quality above zero
// and not below NDJSON's, which is that of the most specific range
// matching application/x-ndjson (itself, application/*, */*; 0 when none
// does). A header that does not name text/event-stream, */* included,
// gets NDJSON.
func wantsEventStream(accept []string) bool {
	quality := map[string]float64{}
	for _, field := range accept {
		for _, r := range strings.Split(field, ",") {
			mt, params, err := mime.ParseMediaType(r)
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil {
					continue
				}
			}
			quality[mt] = q
		}
	}
	sse, ok := quality[MIMEEventStream]
	if !ok || sse <= 0 {
		return false
	}
	for _, r := range []string{MIMENDJSON, "application/*", "*/*"} {
		if q, ok := quality[r]; ok {
			return sse >= q
		}
	}
	return true
}

// startFields are the names (in both spellings) of a subscription's start.
var startFields = []string{"start_cursor", "startCursor", "start_position", "startPosition", "start_time", "startTime"}

// resume starts a subscription from the cursor in Last-Event-ID, whatever
// start its query or JSON body names: a reconnecting EventSource resends
// its original request, and the header says where it really is. It runs
// after limitBody.
func resume(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if last := r.Header.Get("Last-Event-ID"); last != "" {
			if r.Method == http.MethodGet {
				r.URL.RawQuery = resumeQuery(r.URL.RawQuery, last)
			} else {
				resumeBody(r, last)
			}
		}
		next(w, r, params)
	}
}

// resumeQuery replaces whatever start the query names with the cursor. A
// query that does not parse is left for the gateway to refuse.
func resumeQuery(raw, cursor string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	for name := range q {
		for _, start := range startFields {
			if name == start || strings.HasPrefix(name, start+".") {
				q.Del(name)
			}
		}
	}
	q.Set("start_cursor", cursor)
	return q.Encode()
}

// resumeBody replaces whatever start the JSON body names with the cursor.
// A body that is not one JSON object with distinct keys is left for the
// gateway to refuse.
func resumeBody(r *http.Request, cursor string) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	fields, ok := jsonObject(body)
	if !ok {
		return
	}
	for _, start := range startFields {
		delete(fields, start)
	}
	fields["startCursor"], _ = json.Marshal(cursor)
	body, _ = json.Marshal(fields)
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
}

// jsonObject decodes b as one JSON object whose keys are distinct: protojson
// refuses a field given twice, where a map would keep the last.
func jsonObject(b []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		key, isKey := t.(string)
		if _, dup := fields[key]; err != nil || !isKey || dup {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		fields[key] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return fields, true
}

// ndjson writes one {"result": …} or {"error": …} object per line.
type ndjson struct{ apiJSON }

func (ndjson) ContentType(any) string { return MIMENDJSON }
func (ndjson) Delimiter() []byte      { return []byte("\n") }

func (m ndjson) Marshal(v any) ([]byte, error) {
	if st, ok := streamError(v); ok {
		return json.Marshal(map[string]ErrorBody{"error": errorBody(st.Err())})
	}
	return m.apiJSON.Marshal(v)
}

// sse writes Server-Sent Events: `id:` is the cursor, `event:` is the kind
// of item (`event` or `connection`, `checkpoint`) or `error`, and `data:`
// the JSON of the item (the same object as an NDJSON `result`) or of the
// error.
type sse struct{ apiJSON }

func (sse) ContentType(any) string { return MIMEEventStream }
func (sse) Delimiter() []byte      { return []byte("\n") }

func (m sse) Marshal(v any) ([]byte, error) {
	if st, ok := streamError(v); ok {
		data, err := json.Marshal(errorBody(st.Err()))
		return sseFrame("", "error", data), err
	}
	item, ok := streamResult(v)
	if !ok {
		return m.apiJSON.Marshal(v)
	}
	data, err := apijson.Marshal(item)
	if err != nil {
		return nil, err
	}
	return sseFrame(item.GetCursor(), itemKind(item), data), nil
}

// streamItem is an item of any subscription: SubscribeEventsResponse or
// SubscribeConnectionsResponse.
type streamItem interface {
	proto.Message
	GetCursor() string
}

// itemKind is the name of the item's `item` oneof field that is set:
// `event`, `connection` or `checkpoint`.
func itemKind(item streamItem) string {
	m := item.ProtoReflect()
	if f := m.WhichOneof(m.Descriptor().Oneofs().ByName("item")); f != nil {
		return string(f.Name())
	}
	return "item"
}

func sseFrame(id, event string, data []byte) []byte {
	var b bytes.Buffer
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + event + "\n")
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n")
	return b.Bytes()
}

// streamResult unwraps the gateway's {"result": item} chunk.
func streamResult(v any) (streamItem, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	item, ok := m["result"].(streamItem)
	return item, ok
}

// streamError unwraps the gateway's {"error": status} chunk.
func streamError(v any) (*status.Status, bool) {
	m, ok := v.(map[string]proto.Message)
	if !ok {
		return nil, false
	}
	p, ok := m["error"].(*spb.Status)
	if !ok {
		return nil, false
	}
	return status.FromProto(p), true
}
