package oneup

import (
	"context"
	"errors"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/telemetry"
)

// StatusRecorder is where the poller reports its status (Config.Status):
// the server's status.Board, the one owner of every source's status. The
// poller reports each entry it rejects, its checkpoint, and the end of each
// poll; the events it stores are counted by the Sink (the ingest path).
type StatusRecorder interface {
	Rejected(src conneventsv1.Source, r reason.Reason)
	Checkpointed(src conneventsv1.Source, next time.Time)
	Succeeded(src conneventsv1.Source, at time.Time)
	Failed(src conneventsv1.Source, at time.Time, state conneventsv1.SourceState, message string)
}

// reporter reports to Config.Status as SOURCE_ONEUP (or nowhere when it is
// nil), and to Config.Metrics.
type reporter struct {
	rec     StatusRecorder
	metrics *telemetry.Metrics
}

const self = conneventsv1.Source_SOURCE_ONEUP

func (r reporter) addRejection(why reason.Reason) {
	if r.rec != nil {
		r.rec.Rejected(self, why)
	}
}

func (r reporter) setCheckpoint(lower time.Time) {
	r.metrics.SetPollCheckpoint(self, lower)
	if r.rec != nil {
		r.rec.Checkpointed(self, lower)
	}
}

// pollDone reports the end of a poll: OK, or ERROR / CONFIG_ERROR with the
// error's text (which never holds secrets or personal data), or for a store
// failure only what failed and its reason.
func (r reporter) pollDone(at time.Time, err error) {
	if err == nil {
		r.metrics.PollSucceeded(self, at)
	} else {
		r.metrics.PollFailed(self, pollErrorKind(err))
	}
	switch {
	case r.rec == nil:
	case err == nil:
		r.rec.Succeeded(self, at)
	case errors.As(err, new(*ConfigError)):
		r.rec.Failed(self, at, conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR, err.Error())
	default:
		msg := err.Error()
		if se := (*StorageError)(nil); errors.As(err, &se) {
			msg = se.Status()
		}
		r.rec.Failed(self, at, conneventsv1.SourceState_SOURCE_STATE_ERROR, msg)
	}
}

// pollErrorKind is the kind of a failed poll's error, for its metric.
func pollErrorKind(err error) telemetry.PollError {
	switch {
	case errors.As(err, new(*ConfigError)):
		return telemetry.PollErrorCredentials
	case errors.As(err, new(*StatusError)):
		return telemetry.PollErrorHTTPStatus
	case errors.Is(err, ErrMalformedPage):
		return telemetry.PollErrorMalformedPage
	case errors.As(err, new(*StorageError)):
		return telemetry.PollErrorStore
	}
	return telemetry.PollErrorNetwork
}

// rejectReason is the reason of an entry's error; Parse and Normalize
// always give one, so INTERNAL would be a bug.
func rejectReason(err error) reason.Reason {
	if r := reason.Of(err); r != "" {
		return r
	}
	return reason.Internal
}

// finish records and logs the end of a poll. A poll cut short by ctx (the
// server stopping) is not recorded as an error; a deferred one leaves the
// state as it was.
func (p *Poller) finish(ctx context.Context, res PollResult, err error) {
	if err != nil && ctx.Err() != nil {
		p.cfg.Logger.InfoContext(ctx, "oneup: poll stopped", "pages", res.Pages, "stored", res.Stored)
		return
	}
	attrs := []any{"windows", res.Windows, "pages", res.Pages, "entries", res.Fetched, "stored", res.Stored,
		"duplicates", res.Duplicates, "rejected", res.Rejected, "dead_lettered", res.DeadLettered, "duration", res.Duration.String(),
		"checkpoint", res.Checkpoint.Format(time.RFC3339)}
	switch {
	case err != nil:
		p.status.pollDone(p.cfg.Now(), err)
		p.cfg.Logger.WarnContext(ctx, "oneup: poll failed", append(attrs, "error", err.Error())...)
	case !res.DeferredUntil.IsZero(): // neither a failure nor a complete poll
		p.cfg.Logger.InfoContext(ctx, "oneup: poll deferred", append(attrs, "until", res.DeferredUntil.Format(time.RFC3339))...)
	default:
		p.status.pollDone(p.cfg.Now(), nil)
		p.cfg.Logger.InfoContext(ctx, "oneup: poll done", attrs...)
	}
}
