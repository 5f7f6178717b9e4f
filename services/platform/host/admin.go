package host

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	platformv1 "github.com/doudi-platform/doudi/contracts/gen/go/doudi/platform/v1"
	"github.com/doudi-platform/doudi/services/platform/eventstore"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/projection"
	"github.com/doudi-platform/doudi/services/platform/relay"
)

// admin serves EventStoreAdmin: the operator's view of the relay and of the
// events a projection parked.
type admin struct {
	platformv1.UnimplementedEventStoreAdminServer
	host *Host
}

func (a *admin) GetRelayStatus(ctx context.Context, _ *platformv1.GetRelayStatusRequest) (*platformv1.RelayStatus, error) {
	s, err := a.host.Relay.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := &platformv1.RelayStatus{Service: s.Service, Leader: s.Leader, CursorPosition: int64(s.CursorPosition),
		HeadPosition: int64(s.HeadPosition), Backlog: s.Backlog, PublishedTotal: s.PublishedTotal, ErrorsTotal: s.ErrorsTotal}
	if !s.LastPublished.IsZero() {
		out.LastPublishedTime = timestamppb.New(s.LastPublished)
	}
	return out, nil
}

func (a *admin) Republish(ctx context.Context, req *platformv1.RepublishRequest) (*platformv1.RepublishResponse, error) {
	if req.GetFromPosition() < 1 {
		return nil, kit.StatusError(codes.InvalidArgument, "INVALID_POSITION", "from_position must be ≥ 1",
			kit.FieldViolation{Field: "from_position", Description: "must be ≥ 1"})
	}
	n, err := relay.Republish(ctx, a.host.Store, a.host.JetStream, a.host.Config.ServiceName, eventstore.Position(req.GetFromPosition()))
	if err != nil {
		return nil, err
	}
	return &platformv1.RepublishResponse{Published: n}, nil
}

func (a *admin) ListParkedEvents(ctx context.Context, req *platformv1.ListParkedEventsRequest) (*platformv1.ListParkedEventsResponse, error) {
	var runner *projection.Runner
	for _, r := range a.host.runners {
		if r.Name() == req.GetProjection() {
			runner = r
		}
	}
	if runner == nil {
		return nil, kit.StatusError(codes.NotFound, "PROJECTION_NOT_FOUND",
			fmt.Sprintf("this service runs no projection %q", req.GetProjection()),
			kit.FieldViolation{Field: "projection", Description: "unknown projection"})
	}
	size := int(req.GetPageSize())
	if size <= 0 || size > 500 {
		size = 100
	}
	parked, next, err := runner.ListParked(ctx, size, req.GetPageToken())
	if errors.Is(err, projection.ErrMalformedToken) {
		return nil, kit.StatusError(codes.InvalidArgument, "INVALID_PAGE_TOKEN", "page_token is not valid",
			kit.FieldViolation{Field: "page_token", Description: "not a token this API returned"})
	}
	if err != nil {
		return nil, err
	}
	out := &platformv1.ListParkedEventsResponse{NextPageToken: next}
	for _, p := range parked {
		out.ParkedEvents = append(out.ParkedEvents, &platformv1.ParkedEvent{Projection: p.Projection, EventId: p.EventID,
			EventType: p.EventType, StreamId: p.StreamID, Version: p.Version, Error: p.Error,
			Attempts: int32(p.Attempts), ParkedTime: timestamppb.New(p.ParkedAt)})
	}
	return out, nil
}
