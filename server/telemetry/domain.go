package telemetry

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/reflect/protoreflect"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// Label names of the domain series.
const (
	lSource    = "source"
	lType      = "type"
	lReason    = "reason"
	lTransport = "transport"
	lKind      = "kind"
	lStatus    = "status"
)

// domain holds the series of ingest, subscriptions, pollers, the log,
// journeys, dead letters and sources. docs/operations.md describes each.
type domain struct {
	eventsStored, duplicates *prometheus.CounterVec
	rejections, deadLetters  *prometheus.CounterVec
	commitBatch, commitTime  prometheus.Histogram
	queueDepth               prometheus.Gauge

	subsActive              *prometheus.GaugeVec
	deliveries, subsTooSlow *prometheus.CounterVec
	deliveryLag             *prometheus.HistogramVec

	pollLastSuccess *prometheus.GaugeVec
	pollPages       *prometheus.CounterVec
	pollErrors      *prometheus.CounterVec
	checkpoints     *checkpointLag

	logHead, logOldest prometheus.Gauge
	journeys           *prometheus.GaugeVec
	degraded           *prometheus.GaugeVec
}

func newDomain() domain {
	return domain{
		eventsStored: counter("events_stored_total", "Events stored, by source and unified type.", lSource, lType),
		duplicates:   counter("events_duplicate_total", "Deliveries of an event already stored, by source and unified type.", lSource, lType),
		rejections:   counter("rejections_total", "Deliveries or items refused, by source and reason.", lSource, lReason),
		deadLetters:  counter("dead_letters_total", "Authentic deliveries or items kept as dead letters because they cannot be normalized, by source and reason.", lSource, lReason),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "ingest_commit_batch_size",
			Help:    "Events written by one shared commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11), // 1 … 1024
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "ingest_commit_duration_seconds",
			Help:    "Time one shared commit took.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
		}),
		queueDepth: gauge("ingest_queue_depth", "Events waiting for the next shared commit."),

		subsActive:  gaugeVec("subscriptions_active", "Open subscriptions, by transport and kind.", lTransport, lKind),
		deliveries:  counter("deliveries_total", "Items delivered to subscribers, by transport and kind.", lTransport, lKind),
		subsTooSlow: counter("subscriptions_too_slow_total", "Subscriptions ended because the subscriber did not keep up, by transport and kind.", lTransport, lKind),
		deliveryLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "delivery_lag_seconds",
			Help:    "Time from an event's receipt (received_at), or a journey change's commit, to its delivery to a subscriber, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12), // 1 ms … ~70 min
		}, []string{lKind}),

		pollLastSuccess: gaugeVec("poller_last_success_timestamp_seconds", "Unix time of the poller's last successful poll, by source.", lSource),
		pollPages:       counter("poller_pages_total", "Pages the poller fetched, by source.", lSource),
		pollErrors:      counter("poller_errors_total", "Polls that failed, by source and kind of error.", lSource, lKind),
		checkpoints:     newCheckpointLag(),

		logHead:   gauge("log_head_sequence", "Sequence of the newest event in the log."),
		logOldest: gauge("log_oldest_sequence", "Sequence of the oldest event the log still retains."),
		journeys:  gaugeVec("journeys", "Connection journeys, by status.", lStatus),
		degraded:  gaugeVec("source_degraded", "1 while a source is degraded (e.g. nothing arrived for longer than expected), else 0.", lSource),
	}
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
}

func (d domain) register(reg prometheus.Registerer) {
	reg.MustRegister(
		d.eventsStored, d.duplicates, d.rejections, d.deadLetters,
		d.commitBatch, d.commitTime, d.queueDepth,
		d.subsActive, d.deliveries, d.subsTooSlow, d.deliveryLag,
		d.pollLastSuccess, d.pollPages, d.pollErrors, d.checkpoints,
		d.logHead, d.logOldest, d.journeys, d.degraded,
	)
}

// initialize creates the series of every source, type, reason, transport
// and kind at zero, so that rates and alerts work from the first event.
func (d domain) initialize() {
	types := conneventsv1.EventType(0).Descriptor().Values()
	for _, src := range []conneventsv1.Source{conneventsv1.Source_SOURCE_FASTEN, conneventsv1.Source_SOURCE_ONEUP} {
		s := sourceLabel(src)
		for i := range types.Len() {
			t := enumLabel(conneventsv1.EventType(types.Get(i).Number()))
			d.eventsStored.WithLabelValues(s, t)
			d.duplicates.WithLabelValues(s, t)
		}
		for _, r := range reason.All() {
			d.rejections.WithLabelValues(s, string(r))
			d.deadLetters.WithLabelValues(s, string(r))
		}
		d.degraded.WithLabelValues(s)
	}
	// Only 1upHealth is polled; its last success stays absent until one,
	// rather than a zero that reads as "stale since 1970".
	oneup := sourceLabel(conneventsv1.Source_SOURCE_ONEUP)
	d.pollPages.WithLabelValues(oneup)
	for _, k := range append(pollErrors, Other) {
		d.pollErrors.WithLabelValues(oneup, k.label())
	}
	for _, t := range []Transport{TransportGRPC, TransportNDJSON, TransportSSE} {
		for _, k := range []Kind{KindEvents, KindJourneys} {
			d.subsActive.WithLabelValues(t.label(), k.label())
			d.deliveries.WithLabelValues(t.label(), k.label())
			d.subsTooSlow.WithLabelValues(t.label(), k.label())
		}
	}
}

// EventStored counts an event stored.
func (m *Metrics) EventStored(src conneventsv1.Source, typ conneventsv1.EventType) {
	if m != nil {
		m.eventsStored.WithLabelValues(sourceLabel(src), enumLabel(typ)).Inc()
	}
}

// EventDuplicate counts a delivery of an event already stored.
func (m *Metrics) EventDuplicate(src conneventsv1.Source, typ conneventsv1.EventType) {
	if m != nil {
		m.duplicates.WithLabelValues(sourceLabel(src), enumLabel(typ)).Inc()
	}
}

// Rejected counts a delivery or item refused for r (a reason outside the
// catalog counts as OTHER).
func (m *Metrics) Rejected(src conneventsv1.Source, r reason.Reason) {
	if m != nil {
		m.rejections.WithLabelValues(sourceLabel(src), reasonLabel(r)).Inc()
	}
}

// DeadLettered counts an authentic delivery or item kept as a dead letter
// for r.
func (m *Metrics) DeadLettered(src conneventsv1.Source, r reason.Reason) {
	if m != nil {
		m.deadLetters.WithLabelValues(sourceLabel(src), reasonLabel(r)).Inc()
	}
}

// Committed records one shared commit: how many events it wrote and how
// long it took.
func (m *Metrics) Committed(events int, took time.Duration) {
	if m != nil {
		m.commitBatch.Observe(float64(events))
		m.commitTime.Observe(took.Seconds())
	}
}

// SetIngestQueueDepth records how many events wait for the next commit.
func (m *Metrics) SetIngestQueueDepth(n int) {
	if m != nil {
		m.queueDepth.Set(float64(n))
	}
}

// SubscriptionOpened counts an open subscription; call the returned
// function once when it ends.
func (m *Metrics) SubscriptionOpened(t Transport, k Kind) (closed func()) {
	if m == nil {
		return func() {}
	}
	g := m.subsActive.WithLabelValues(t.label(), k.label())
	g.Inc()
	var once sync.Once
	return func() { once.Do(g.Dec) }
}

// Delivered counts an item delivered to a subscriber and observes its lag
// from receivedAt (the event's received_at) to now.
func (m *Metrics) Delivered(t Transport, k Kind, receivedAt time.Time) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(t.label(), k.label()).Inc()
	if !receivedAt.IsZero() {
		m.deliveryLag.WithLabelValues(k.label()).Observe(max(time.Since(receivedAt).Seconds(), 0))
	}
}

// SubscriptionTooSlow counts a subscription ended because its subscriber
// did not keep up.
func (m *Metrics) SubscriptionTooSlow(t Transport, k Kind) {
	if m != nil {
		m.subsTooSlow.WithLabelValues(t.label(), k.label()).Inc()
	}
}

// PollSucceeded records the time of a successful poll.
func (m *Metrics) PollSucceeded(src conneventsv1.Source, at time.Time) {
	if m != nil {
		m.pollLastSuccess.WithLabelValues(sourceLabel(src)).Set(unixSeconds(at))
	}
}

// PollPage counts a page the poller fetched.
func (m *Metrics) PollPage(src conneventsv1.Source) {
	if m != nil {
		m.pollPages.WithLabelValues(sourceLabel(src)).Inc()
	}
}

// PollFailed counts a failed poll by the kind of its error.
func (m *Metrics) PollFailed(src conneventsv1.Source, kind PollError) {
	if m != nil {
		m.pollErrors.WithLabelValues(sourceLabel(src), kind.label()).Inc()
	}
}

// SetPollCheckpoint records the poller's checkpoint (the time up to which
// everything was fetched); the lag behind now is computed at each scrape,
// so it grows while the poller is stuck.
func (m *Metrics) SetPollCheckpoint(src conneventsv1.Source, checkpoint time.Time) {
	if m != nil {
		m.checkpoints.set(sourceLabel(src), checkpoint)
	}
}

// SetLogHead records the sequence of the newest event in the log.
func (m *Metrics) SetLogHead(seq int64) {
	if m != nil {
		m.logHead.Set(float64(seq))
	}
}

// SetLogOldest records the sequence of the oldest event still retained.
func (m *Metrics) SetLogOldest(seq int64) {
	if m != nil {
		m.logOldest.Set(float64(seq))
	}
}

// SetJourneys records how many journeys have status, a value of the
// journey-status proto enum (labelled by its name without the prefix).
func (m *Metrics) SetJourneys(status protoreflect.Enum, n int) {
	if m != nil {
		m.journeys.WithLabelValues(enumLabel(status)).Set(float64(n))
	}
}

// SetSourceDegraded records whether src is degraded.
func (m *Metrics) SetSourceDegraded(src conneventsv1.Source, degraded bool) {
	if m == nil {
		return
	}
	v := 0.0
	if degraded {
		v = 1
	}
	m.degraded.WithLabelValues(sourceLabel(src)).Set(v)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// checkpointLag is connevents_poller_checkpoint_lag_seconds: now minus each
// source's checkpoint, computed when scraped.
type checkpointLag struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	at   map[string]time.Time
}

func newCheckpointLag() *checkpointLag {
	return &checkpointLag{
		desc: prometheus.NewDesc(namespace+"_poller_checkpoint_lag_seconds",
			"How far the poller's checkpoint is behind now, by source.", []string{lSource}, nil),
		at: map[string]time.Time{},
	}
}

func (c *checkpointLag) set(source string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at[source] = t
}

func (c *checkpointLag) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *checkpointLag) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for source, t := range c.at {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, time.Since(t).Seconds(), source)
	}
}
