package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// demoPlayer plays demoScript against a running server and the fake
// 1upHealth API.
type demoPlayer struct {
	out      io.Writer
	web      string // http://host:port of the server
	secret   string
	fake     *oneuptest.Server
	client   *http.Client
	steps    []demoStep
	duration time.Duration
	start    time.Time

	deliveries  map[string]string // Fasten envelope id by step key
	auditEvents map[string][]byte // AuditEvent by step key
	published   int               // AuditEvents written to the fake
}

func newDemoPlayer(out io.Writer, httpAddr, secret string, fake *oneuptest.Server, d time.Duration) *demoPlayer {
	return &demoPlayer{
		out: out, web: "http://" + httpAddr, secret: secret, fake: fake,
		client: &http.Client{Timeout: 30 * time.Second}, steps: demoScript(), duration: d,
		deliveries: map[string]string{}, auditEvents: map[string][]byte{},
	}
}

// size is how many events the script sends (retries and pushes included).
func (p *demoPlayer) size() int { return len(p.steps) }

// play runs every step at its time, then waits until the poller has stored
// every AuditEvent and prints a summary. It returns nil when ctx ends.
func (p *demoPlayer) play(ctx context.Context) error {
	beats := 0
	for _, s := range p.steps {
		beats += s.beats
	}
	beat := p.duration / time.Duration(max(beats, 1))
	p.start = time.Now()
	for i, s := range p.steps {
		if !sleepCtx(ctx, time.Duration(s.beats)*beat) {
			return nil
		}
		line, err := p.run(ctx, s, i)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo step %d: %w", i+1, err)
		}
		fmt.Fprintf(p.out, "%5s  %s\n", "+"+time.Since(p.start).Round(time.Second).String(), line)
	}
	if err := p.awaitPoller(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	return p.summarize(ctx)
}

func (p *demoPlayer) run(ctx context.Context, s demoStep, i int) (string, error) {
	switch {
	case s.fasten != nil:
		return p.deliver(ctx, s.fasten)
	case s.oneup.push:
		return p.push(ctx, s.oneup)
	default:
		return p.publish(s.oneup, i), nil
	}
}

// deliver posts a signed Fasten delivery, or resends an earlier one.
func (p *demoPlayer) deliver(ctx context.Context, d *demoDelivery) (string, error) {
	var opts []fasten.SampleOption
	label := d.eventType
	if d.variant != "" && d.eventType != fasten.TypeEHIExportSuccess {
		label += " (" + d.variant + ")"
	}
	if d.retryOf != "" {
		opts = append(opts, fasten.WithID(p.deliveries[d.retryOf]))
		d = p.original(d.retryOf)
		label = d.eventType + " again: a retry (same id)"
	}
	opts = append(opts, fasten.WithVariant(d.variant))
	body, err := fasten.Sample(d.eventType, append(opts, d.patient.data(d.eventType)...)...)
	if err != nil {
		return "", err
	}
	if d.key != "" && p.deliveries[d.key] == "" {
		var env struct{ ID string }
		_ = json.Unmarshal(body, &env)
		p.deliveries[d.key] = env.ID
	}
	h, err := fasten.SignedHeaders(p.secret, body, time.Now())
	if err != nil {
		return "", err
	}
	header := http.Header{"Content-Type": {"application/json"}, fasten.HeaderID: {h.ID},
		fasten.HeaderTimestamp: {h.Timestamp}, fasten.HeaderSignature: {h.Signature}}
	var answer struct{ Result demoResult }
	if err := p.post(ctx, "/v1/webhooks/fasten", header, body, &answer); err != nil {
		return "", err
	}
	return demoLine("Fasten", label, answer.Result.String()), nil
}

// original returns the delivery of the step with key.
func (p *demoPlayer) original(key string) *demoDelivery {
	for _, s := range p.steps {
		if s.fasten != nil && s.fasten.key == key {
			return s.fasten
		}
	}
	panic("demo script: no step " + key)
}

// data is what a patient's deliveries carry: the connection's ids on every
// type that has them, the customer's ids on patient.connection_success.
func (fp demoFastenPatient) data(eventType string) []fasten.SampleOption {
	set := func(key, value string) []fasten.SampleOption {
		if value == "" {
			return nil
		}
		return []fasten.SampleOption{fasten.WithData(key, value)}
	}
	opts := set("org_connection_id", fp.orgConnectionID)
	switch eventType {
	case fasten.TypeConnectionSuccess:
		opts = append(opts, set("external_id", fp.externalID)...)
		opts = append(opts, set("external_state", fp.externalState)...)
		fallthrough
	case fasten.TypeAuthorizationRevoked:
		opts = append(opts, set("endpoint_id", fp.endpointID)...)
		opts = append(opts, set("platform_type", fp.platform)...)
	}
	return opts
}

// publish writes an AuditEvent to the fake 1upHealth API; the poller
// stores it at its next poll.
func (p *demoPlayer) publish(a *demoAuditEvent, i int) string {
	m := a.member
	raw := oneuptest.AuditEvent(oneuptest.Event{
		ID: fmt.Sprintf("demo-ae-%s-%03d", m.userID, i+1), Subtype: a.subtype, Recorded: time.Now(),
		Outcome: a.outcome, UserID: m.userID, PatientID: m.patientID, SystemName: m.system, SystemID: m.systemID,
	})
	raw = withDemoDetails(raw, a)
	if err := p.fake.AddRaw(raw); err != nil {
		panic(err) // AuditEvent always renders an id and recorded
	}
	p.published++
	if a.key != "" {
		p.auditEvents[a.key] = raw
	}
	return demoLine("1upHealth", a.subtype+" (member "+m.userID+")", "on the fake API, for the poller")
}

// withDemoDetails adds outcomeDesc and a search's result count.
func withDemoDetails(raw []byte, a *demoAuditEvent) []byte {
	if a.outcomeDesc == "" && a.resultCount == nil {
		return raw
	}
	var ae map[string]any
	if err := json.Unmarshal(raw, &ae); err != nil {
		panic(err)
	}
	if a.outcomeDesc != "" {
		ae["outcomeDesc"] = a.outcomeDesc
	}
	if a.resultCount != nil {
		entities, _ := ae["entity"].([]any)
		ae["entity"] = append(entities, map[string]any{"detail": []any{
			map[string]any{"type": "resultCount", "valueString": fmt.Sprint(*a.resultCount)},
		}})
	}
	out, err := json.Marshal(ae)
	if err != nil {
		panic(err)
	}
	return out
}

// push sends an AuditEvent the poller has already stored to the push
// endpoint, which answers it as a duplicate. It first waits for the
// poller to catch up, so that the answer does not depend on timing.
func (p *demoPlayer) push(ctx context.Context, a *demoAuditEvent) (string, error) {
	if err := p.awaitPoller(ctx); err != nil {
		return "", err
	}
	header := http.Header{"Content-Type": {"application/fhir+json"}}
	var answer struct{ Results []demoResult }
	if err := p.post(ctx, "/v1/oneup/audit-events", header, p.auditEvents[a.key], &answer); err != nil {
		return "", err
	}
	if len(answer.Results) != 1 {
		return "", fmt.Errorf("push answered %d results, want 1", len(answer.Results))
	}
	what := a.subtype + " (member " + a.member.userID + ") pushed too"
	return demoLine("1upHealth", what, answer.Results[0].String()), nil
}

// demoLine is one line of the demo's progress: source, what, answer.
func demoLine(source, what, answer string) string {
	return fmt.Sprintf("%-9s  %-52s  %s", source, what, answer)
}

// demoResult is an IngestResult as JSON.
type demoResult struct {
	Status, Reason string
	Sequence       string
}

func (r demoResult) String() string {
	s := strings.TrimPrefix(r.Status, "INGEST_STATUS_")
	if r.Sequence != "" {
		s += " #" + r.Sequence
	}
	if r.Reason != "" {
		s += " " + r.Reason
	}
	return s
}

func (p *demoPlayer) post(ctx context.Context, path string, header http.Header, body []byte, answer any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.web+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = header
	return p.do(req, answer)
}

func (p *demoPlayer) get(ctx context.Context, path string, answer any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.web+path, nil)
	if err != nil {
		return err
	}
	return p.do(req, answer)
}

func (p *demoPlayer) do(req *http.Request, answer any) error {
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, answer)
}

// awaitPoller waits until every AuditEvent written to the fake is stored:
// the poller reads them at its own pace.
func (p *demoPlayer) awaitPoller(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		events, err := p.list(ctx, "filter.sources=SOURCE_ONEUP")
		if err != nil || len(events) >= p.published {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the poller stored %d of the %d AuditEvents within a minute", len(events), p.published)
		}
		if !sleepCtx(ctx, 250*time.Millisecond) {
			return nil
		}
	}
}

// demoEvent is the part of a listed ConnectionEvent the summary shows.
type demoEvent struct {
	Source, Type string
}

// list returns every stored event that matches query (a REST query string).
func (p *demoPlayer) list(ctx context.Context, query string) ([]demoEvent, error) {
	var all []demoEvent
	token := ""
	for {
		var page struct {
			Events        []demoEvent
			NextPageToken string
		}
		q := query + "&pageSize=1000&pageToken=" + url.QueryEscape(token)
		if err := p.get(ctx, "/v1/events?"+q, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Events...)
		if token = page.NextPageToken; token == "" {
			return all, nil
		}
	}
}

// summarize prints how many events of each source and type are stored.
func (p *demoPlayer) summarize(ctx context.Context) error {
	events, err := p.list(ctx, "orderBy=sequence%20asc")
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, e := range events {
		counts[fmt.Sprintf("%-6s  %s", strings.TrimPrefix(e.Source, "SOURCE_"), strings.TrimPrefix(e.Type, "EVENT_TYPE_"))]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(p.out, "\n%d events stored (each duplicate once):\n", len(events))
	for _, k := range keys {
		fmt.Fprintf(p.out, "  %3d  %s\n", counts[k], k)
	}
	fmt.Fprintf(p.out, `
Try:
  curl -s '%[1]s/v1/events?filter.types=EVENT_TYPE_DATA_TRANSFER_FAILED'
  curl -s '%[1]s/v1/events?filter.patient=demo-patient-0001'
  curl -s '%[1]s/v1/sources'
`, p.web)
	return nil
}

// sleepCtx sleeps for d, or until ctx ends (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
