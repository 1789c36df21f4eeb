package oneuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

type link struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// pageLinks returns the self link and, when more results follow, an
// absolute next link with _skip advanced.
func (s *Server) pageLinks(r *http.Request, q url.Values, skip, count, total int) []link {
	self := s.URL + r.URL.Path + "?" + r.URL.RawQuery
	links := []link{{Relation: "self", URL: self}}
	if skip+count < total {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("_skip", strconv.Itoa(skip+count))
		next.Set("_count", strconv.Itoa(count))
		links = append(links, link{Relation: "next", URL: s.URL + r.URL.Path + "?" + next.Encode()})
	}
	return links
}

// writeBundle writes a searchset Bundle whose entry resources are the
// stored bytes, unchanged.
func writeBundle(w http.ResponseWriter, links []link, matches []stored, skip, count int, base string) {
	var b bytes.Buffer
	lj, _ := json.Marshal(links)
	fmt.Fprintf(&b, `{"resourceType":"Bundle","type":"searchset","total":%d,"link":%s,"entry":[`, len(matches), lj)
	end := min(skip+count, len(matches))
	for i := min(skip, end); i < end; i++ {
		if i > skip {
			b.WriteByte(',')
		}
		full, _ := json.Marshal(base + "/r4/AuditEvent/" + matches[i].id)
		fmt.Fprintf(&b, `{"fullUrl":%s,"resource":%s,"search":{"mode":"match"}}`, full, matches[i].raw)
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/fhir+json")
	_, _ = w.Write(b.Bytes())
}

// outcome writes an OperationOutcome error.
func outcome(w http.ResponseWriter, status int, code, text string) {
	body, _ := json.Marshal(map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": "error", "code": code, "diagnostics": text}},
	})
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
