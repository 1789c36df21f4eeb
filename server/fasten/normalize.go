package fasten

import (
	"bytes"

	"google.golang.org/protobuf/proto"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// Normalize maps one Fasten delivery body to a ConnectionEvent.
//
// It refuses (with a *reason.Error) only a body whose envelope it cannot map:
// reason.MalformedJSON, reason.MissingID, reason.MissingType,
// reason.DataNotObject or reason.InvalidDate. Inside data it is lenient:
// unknown members are ignored, members of an unexpected JSON type read as
// absent, and an unknown event type is still an event (EVENT_TYPE_UNSPECIFIED,
// STAGE_OTHER). Id, Sequence and ReceivedAt are left for the ingest layer;
// OccurredAt is the envelope date, or nil when the delivery has none.
func Normalize(body []byte) (*conneventsv1.ConnectionEvent, error) {
	env, err := parseEnvelope(body)
	if err != nil {
		return nil, err
	}
	ev := &conneventsv1.ConnectionEvent{
		Source:          conneventsv1.Source_SOURCE_FASTEN,
		SourceEventId:   env.id,
		SourceEventType: env.typ,
		ApiMode:         env.apiMode,
		OccurredAt:      env.date,
		Raw:             bytes.Clone(body),
	}
	setIdentifiers(ev, env.data)
	classify(env.typ, env.data).apply(ev, env.data)
	return ev, nil
}

// setIdentifiers copies every identifier Fasten sends, whatever the event
// type (so that an unknown type is still addressable), and leaves each
// group nil when none of its members is present.
func setIdentifiers(ev *conneventsv1.ConnectionEvent, d fields) {
	ev.Patient = nonEmpty(&conneventsv1.Patient{
		ExternalId:    d.str("external_id"),
		ExternalState: d.str("external_state"),
	})
	ev.Connection = nonEmpty(&conneventsv1.Connection{
		OrgConnectionId:  d.str("org_connection_id"),
		ConnectionStatus: d.str("connection_status"),
		PlatformType:     d.str("platform_type"),
		Scope:            d.str("scope"),
		ConsentExpiresAt: d.timestamp("consent_expires_at"),
	})
	ev.HealthSystem = nonEmpty(&conneventsv1.HealthSystem{
		EndpointId:       d.str("endpoint_id"),
		PortalId:         d.str("portal_id"),
		BrandId:          d.str("brand_id"),
		TefcaDirectoryId: d.str("tefca_directory_id"),
		OrgId:            d.str("org_id"),
	})
	ev.Correlation = nonEmpty(&conneventsv1.Correlation{
		RequestId: d.str("request_id"),
		TaskId:    d.str("task_id"),
	})
}

// nonEmpty returns m, or nil when no field of m is set.
func nonEmpty[M interface {
	comparable
	proto.Message
}](m M) M {
	if proto.Size(m) == 0 {
		var zero M
		return zero
	}
	return m
}
