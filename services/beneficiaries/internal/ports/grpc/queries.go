package grpc

import (
	"context"
	"strconv"

	"github.com/doudi-platform/doudi/services/platform/audit"
	"github.com/doudi-platform/doudi/services/platform/kit"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
)

func (s *Server) GetPersonAsOf(ctx context.Context, r *pb.GetPersonAsOfRequest) (*pb.PersonAsOf, error) {
	return s.getPersonAsOf(ctx, r)
}

func (s *Server) doGetPersonAsOf(ctx context.Context, r *pb.GetPersonAsOfRequest) (*pb.PersonAsOf, error) {
	tenant, id, err := kit.ParseName("name", r.GetName(), "persons")
	if err != nil {
		return nil, err
	}
	a, err := s.app.GetPersonAsOf(ctx, app.GetPersonAsOf{Tenant: tenant, PersonID: id, Date: r.GetDate()})
	if err != nil {
		return nil, err
	}
	return &pb.PersonAsOf{Person: personName(tenant, id), Date: a.Date.String(), Status: statusEnum(string(a.Status)),
		Categories: a.Categories, TierAssessment: assessmentPB(a.Tier)}, nil
}

func (s *Server) ListPersonHistory(ctx context.Context, r *pb.ListPersonHistoryRequest) (*pb.ListPersonHistoryResponse, error) {
	return s.listPersonHistory(ctx, r)
}

func (s *Server) doListPersonHistory(ctx context.Context, r *pb.ListPersonHistoryRequest) (*pb.ListPersonHistoryResponse, error) {
	tenant, id, err := kit.ParseName("name", r.GetName(), "persons")
	if err != nil {
		return nil, err
	}
	size, err := pageSize(r.GetPageSize(), 100, 1000)
	if err != nil {
		return nil, err
	}
	offset := 0
	if t := r.GetPageToken(); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n <= 0 || strconv.Itoa(n) != t {
			return nil, kit.BadRequest("page_token", "is not a page token of this list")
		}
		offset = n
	}
	h, err := s.app.ListPersonHistory(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	var entries []*pb.PersonHistoryEntry
	for _, c := range h.Statuses {
		entries = append(entries, &pb.PersonHistoryEntry{EffectiveDate: c.EffectiveOn.String(),
			Change: &pb.PersonHistoryEntry_Status{Status: statusEnum(string(c.Status))}})
	}
	for _, t := range h.Tiers {
		entries = append(entries, &pb.PersonHistoryEntry{EffectiveDate: t.EffectiveOn.String(),
			Change: &pb.PersonHistoryEntry_TierAssessed{TierAssessed: assessmentPB(&t)}})
	}
	for _, c := range h.Categories {
		cc := &pb.CategoryChange{Category: c.Category, Reference: c.Reference}
		e := &pb.PersonHistoryEntry{EffectiveDate: c.EffectiveOn.String()}
		if c.Added {
			e.Change = &pb.PersonHistoryEntry_CategoryAdded{CategoryAdded: cc}
		} else {
			e.Change = &pb.PersonHistoryEntry_CategoryRemoved{CategoryRemoved: cc}
		}
		entries = append(entries, e)
	}
	out := &pb.ListPersonHistoryResponse{}
	if offset < len(entries) {
		end := min(offset+size, len(entries))
		out.Entries = entries[offset:end]
		if end < len(entries) {
			out.NextPageToken = strconv.Itoa(end)
		}
	}
	return out, nil
}

func (s *Server) ListSensitiveReads(ctx context.Context, r *pb.ListSensitiveReadsRequest) (*pb.ListSensitiveReadsResponse, error) {
	return s.listSensitiveReads(ctx, r)
}

func (s *Server) doListSensitiveReads(ctx context.Context, r *pb.ListSensitiveReadsRequest) (*pb.ListSensitiveReadsResponse, error) {
	tenant, err := kit.ParseParent("parent", r.GetParent())
	if err != nil {
		return nil, err
	}
	size, err := pageSize(r.GetPageSize(), 50, 1000)
	if err != nil {
		return nil, err
	}
	f := audit.Filter{Tenant: tenant, Actor: r.GetActor()}
	if res := r.GetResource(); res != "" {
		var rt string
		var id uuid.UUID
		var perr error
		if rt, id, perr = kit.ParseName("resource", res, "persons"); perr != nil {
			if rt, id, perr = kit.ParseName("resource", res, "households"); perr != nil {
				return nil, kit.BadRequest("resource", `must be "tenants/{tenant}/persons/{id}" or "tenants/{tenant}/households/{id}"`)
			}
		}
		if rt != tenant {
			return nil, kit.BadRequest("resource", "must be in the parent tenant")
		}
		f.Subject = id
	}
	hash := filterHash(f.Tenant, f.Subject.String(), f.Actor)
	before, err := decodePageToken(r.GetPageToken(), hash)
	if err != nil {
		return nil, err
	}
	reads, more, err := s.app.ListSensitiveReads(ctx, app.ListSensitiveReads{Filter: f, PageSize: size, Before: before})
	if err != nil {
		return nil, err
	}
	out := &pb.ListSensitiveReadsResponse{}
	for _, rd := range reads {
		out.SensitiveReads = append(out.SensitiveReads, &pb.SensitiveRead{
			Name: "tenants/" + rd.Tenant + "/sensitiveReads/" + rd.ID.String(), Resource: rd.Resource, Actor: rd.Actor,
			Fields: rd.Fields, Purpose: rd.Purpose, ReadTime: timestamppb.New(rd.ReadAt), Method: rd.Method})
	}
	if more {
		out.NextPageToken = encodePageToken(reads[len(reads)-1].ID, hash)
	}
	return out, nil
}

func (s *Server) GetReferenceData(ctx context.Context, r *pb.GetReferenceDataRequest) (*pb.ReferenceData, error) {
	return s.getReferenceData(ctx, r)
}

func (s *Server) doGetReferenceData(ctx context.Context, r *pb.GetReferenceDataRequest) (*pb.ReferenceData, error) {
	parent, ok := cutSuffix(r.GetName(), "/referenceData")
	if !ok {
		return nil, kit.BadRequest("name", `must be "tenants/{tenant}/referenceData"`)
	}
	tenant, err := kit.ParseParent("name", parent)
	if err != nil {
		return nil, kit.BadRequest("name", `must be "tenants/{tenant}/referenceData"`)
	}
	d, err := s.app.GetReferenceData(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return referencePB(tenant, d), nil
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || s[len(s)-len(suffix):] != suffix {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}
