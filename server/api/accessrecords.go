package api

import (
	"context"
	"encoding/binary"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
)

// servicePrefix completes a method filter given by its name alone.
const servicePrefix = "/" + "connevents.v1.ConnectionEventService" + "/"

// ListAccessRecords returns one page of the access log, newest first.
func (s *Service) ListAccessRecords(ctx context.Context, req *conneventsv1.ListAccessRecordsRequest) (*conneventsv1.ListAccessRecordsResponse, error) {
	q, err := accessQuery(req)
	if err != nil {
		return nil, s.toStatus(err)
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	recs, err := s.store.ListAccessRecords(ctx, q)
	if err != nil {
		return nil, s.toStatus(err)
	}
	resp := &conneventsv1.ListAccessRecordsResponse{}
	if len(recs) > limit {
		recs = recs[:limit]
		resp.NextPageToken = encodePageToken(accessArgs(req), binary.BigEndian.AppendUint64(nil, uint64(recs[limit-1].ID)))
	}
	for _, r := range recs {
		resp.AccessRecords = append(resp.AccessRecords, accessRecordProto(r))
	}
	return resp, nil
}

// accessQuery turns a request into a store query, checking every argument.
func accessQuery(req *conneventsv1.ListAccessRecordsRequest) (store.AccessQuery, error) {
	q := store.AccessQuery{
		KeyName: req.GetKeyName(), Method: req.GetMethod(), Patient: req.GetPatient(),
	}
	if q.Method != "" && !strings.HasPrefix(q.Method, "/") {
		q.Method = servicePrefix + q.Method
	}
	if req.GetStartTime() != nil {
		q.Start = req.GetStartTime().AsTime()
	}
	if req.GetEndTime() != nil {
		q.End = req.GetEndTime().AsTime()
	}
	var err error
	if q.Limit, err = pageSize(req.GetPageSize()); err != nil {
		return q, err
	}
	if req.GetPageToken() == "" {
		return q, nil
	}
	pos, err := decodePageToken(req.GetPageToken(), accessArgs(req))
	if err != nil {
		return q, err
	}
	if len(pos) != 8 || int64(binary.BigEndian.Uint64(pos)) <= 0 {
		return q, errPageToken
	}
	q.Before = int64(binary.BigEndian.Uint64(pos))
	return q, nil
}

// accessArgs are the arguments of ListAccessRecords that a token must not
// outlive.
func accessArgs(req *conneventsv1.ListAccessRecordsRequest) proto.Message {
	args := proto.CloneOf(req)
	args.PageSize, args.PageToken = 0, ""
	return args
}

func accessRecordProto(r store.AccessRecord) *conneventsv1.AccessRecord {
	return &conneventsv1.AccessRecord{
		Id: r.ID, Time: timestamppb.New(r.Time), KeyName: r.KeyName, Role: r.Role,
		Method: r.Method, Route: r.Route, Phase: r.Phase, Filter: r.Filter,
		Count: r.Count, Peer: r.Peer, Outcome: r.Outcome, Patient: r.Patient,
	}
}
