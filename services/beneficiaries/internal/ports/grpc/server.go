// Package grpc is the beneficiaries service's gRPC port: it maps the
// BeneficiariesService API onto the app's use cases and the app's errors
// onto gRPC statuses (errors.go, the one mapping).
package grpc

import (
	"context"

	"github.com/go-kit/kit/endpoint"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/platform/kit"
)

// Options tune the server's endpoint middlewares (timeout, rate limit).
type Options = kit.Options

type unary[Req, Resp any] func(context.Context, Req) (Resp, error)

// Server implements pb.BeneficiariesServiceServer.
type Server struct {
	pb.UnimplementedBeneficiariesServiceServer
	app *app.App

	createHousehold        unary[*pb.CreateHouseholdRequest, *pb.CreateHouseholdResponse]
	getHousehold           unary[*pb.GetHouseholdRequest, *pb.Household]
	changeHouseholdAddress unary[*pb.ChangeHouseholdAddressRequest, *pb.ChangeHouseholdAddressResponse]
	createPerson           unary[*pb.CreatePersonRequest, *pb.CreatePersonResponse]
	getPerson              unary[*pb.GetPersonRequest, *pb.Person]
	listPersons            unary[*pb.ListPersonsRequest, *pb.ListPersonsResponse]
	findPersonByIDNumber   unary[*pb.FindPersonByIdNumberRequest, *pb.Person]
	changeContactDetails   unary[*pb.ChangeContactDetailsRequest, *pb.ChangeContactDetailsResponse]
	changeHealthNotes      unary[*pb.ChangeHealthNotesRequest, *pb.ChangeHealthNotesResponse]
	movePersonHousehold    unary[*pb.MovePersonHouseholdRequest, *pb.MovePersonHouseholdResponse]
	addCategory            unary[*pb.AddCategoryRequest, *pb.AddCategoryResponse]
	removeCategory         unary[*pb.RemoveCategoryRequest, *pb.RemoveCategoryResponse]
	assessTier             unary[*pb.AssessTierRequest, *pb.AssessTierResponse]
	recordMonthlyFile      unary[*pb.RecordMonthlyFileUpdateRequest, *pb.RecordMonthlyFileUpdateResponse]
	assignSocialWorker     unary[*pb.AssignSocialWorkerRequest, *pb.AssignSocialWorkerResponse]
	exitPerson             unary[*pb.ExitPersonRequest, *pb.ExitPersonResponse]
	reinstatePerson        unary[*pb.ReinstatePersonRequest, *pb.ReinstatePersonResponse]
	forgetPerson           unary[*pb.ForgetPersonRequest, *pb.ForgetPersonResponse]
	getPersonAsOf          unary[*pb.GetPersonAsOfRequest, *pb.PersonAsOf]
	listPersonHistory      unary[*pb.ListPersonHistoryRequest, *pb.ListPersonHistoryResponse]
	listSensitiveReads     unary[*pb.ListSensitiveReadsRequest, *pb.ListSensitiveReadsResponse]
	getReferenceData       unary[*pb.GetReferenceDataRequest, *pb.ReferenceData]
}

var _ pb.BeneficiariesServiceServer = (*Server)(nil)

// New returns the server over a.
func New(a *app.App, opts Options) *Server {
	mws := func(names fieldNames) []endpoint.Middleware { return opts.Middlewares(mapErrors(names)) }
	s := &Server{app: a}
	s.createHousehold = kit.Unary(s.doCreateHousehold, mws(createHouseholdFields)...)
	s.getHousehold = kit.Unary(s.doGetHousehold, mws(noRenames)...)
	s.changeHouseholdAddress = kit.Unary(s.doChangeHouseholdAddress, mws(noRenames)...)
	s.createPerson = kit.Unary(s.doCreatePerson, mws(createPersonFields)...)
	s.getPerson = kit.Unary(s.doGetPerson, mws(noRenames)...)
	s.listPersons = kit.Unary(s.doListPersons, mws(noRenames)...)
	s.findPersonByIDNumber = kit.Unary(s.doFindPersonByIDNumber, mws(noRenames)...)
	s.changeContactDetails = kit.Unary(s.doChangeContactDetails, mws(personFields)...)
	s.changeHealthNotes = kit.Unary(s.doChangeHealthNotes, mws(personFields)...)
	s.movePersonHousehold = kit.Unary(s.doMovePersonHousehold, mws(personFields)...)
	s.addCategory = kit.Unary(s.doAddCategory, mws(personFields)...)
	s.removeCategory = kit.Unary(s.doRemoveCategory, mws(personFields)...)
	s.assessTier = kit.Unary(s.doAssessTier, mws(personFields)...)
	s.recordMonthlyFile = kit.Unary(s.doRecordMonthlyFile, mws(personFields)...)
	s.assignSocialWorker = kit.Unary(s.doAssignSocialWorker, mws(personFields)...)
	s.exitPerson = kit.Unary(s.doExitPerson, mws(personFields)...)
	s.reinstatePerson = kit.Unary(s.doReinstatePerson, mws(personFields)...)
	s.forgetPerson = kit.Unary(s.doForgetPerson, mws(personFields)...)
	s.getPersonAsOf = kit.Unary(s.doGetPersonAsOf, mws(noRenames)...)
	s.listPersonHistory = kit.Unary(s.doListPersonHistory, mws(noRenames)...)
	s.listSensitiveReads = kit.Unary(s.doListSensitiveReads, mws(noRenames)...)
	s.getReferenceData = kit.Unary(s.doGetReferenceData, mws(noRenames)...)
	return s
}

// personCommand reads what every person command carries.
func personCommand(ctx context.Context, name, etag, requestID string) (app.PersonCommand, error) {
	tenant, id, c, err := kit.Named(ctx, name, "persons", requestID)
	return app.PersonCommand{Tenant: tenant, PersonID: id, Etag: etag, Caller: c}, err
}

func (s *Server) CreateHousehold(ctx context.Context, r *pb.CreateHouseholdRequest) (*pb.CreateHouseholdResponse, error) {
	return s.createHousehold(ctx, r)
}

func (s *Server) doCreateHousehold(ctx context.Context, r *pb.CreateHouseholdRequest) (*pb.CreateHouseholdResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.RegisterHousehold(ctx, app.RegisterHousehold{Tenant: tenant, HouseholdID: r.GetHouseholdId(),
		Village: r.GetHousehold().GetVillage(), Address: r.GetHousehold().GetAddress(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.CreateHouseholdResponse{Household: householdPB(res.Household), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetHousehold(ctx context.Context, r *pb.GetHouseholdRequest) (*pb.Household, error) {
	return s.getHousehold(ctx, r)
}

func (s *Server) doGetHousehold(ctx context.Context, r *pb.GetHouseholdRequest) (*pb.Household, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "households", "")
	if err != nil {
		return nil, err
	}
	d, err := s.app.GetHousehold(ctx, app.GetHousehold{Tenant: tenant, HouseholdID: id, Reveal: r.GetView() == pb.View_VIEW_FULL,
		Purpose: r.GetPurpose(), Caller: c, Method: "GetHousehold"})
	if err != nil {
		return nil, err
	}
	return householdPB(d), nil
}

func (s *Server) ChangeHouseholdAddress(ctx context.Context, r *pb.ChangeHouseholdAddressRequest) (*pb.ChangeHouseholdAddressResponse, error) {
	return s.changeHouseholdAddress(ctx, r)
}

func (s *Server) doChangeHouseholdAddress(ctx context.Context, r *pb.ChangeHouseholdAddressRequest) (*pb.ChangeHouseholdAddressResponse, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "households", r.GetRequestId())
	if err != nil {
		return nil, err
	}
	res, err := s.app.ChangeHouseholdAddress(ctx, app.ChangeHouseholdAddress{Tenant: tenant, HouseholdID: id,
		Address: r.GetAddress(), Etag: r.GetEtag(), Caller: c})
	if err != nil {
		return nil, err
	}
	return &pb.ChangeHouseholdAddressResponse{Household: householdPB(res.Household), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) CreatePerson(ctx context.Context, r *pb.CreatePersonRequest) (*pb.CreatePersonResponse, error) {
	return s.createPerson(ctx, r)
}

func (s *Server) doCreatePerson(ctx context.Context, r *pb.CreatePersonRequest) (*pb.CreatePersonResponse, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), r.GetRequestId())
	if err != nil {
		return nil, err
	}
	p := r.GetPerson()
	var householdID string
	if p.GetHousehold() != "" {
		ht, hid, err := kit.ParseName("person.household", p.GetHousehold(), "households")
		if err != nil {
			return nil, err
		}
		if ht != tenant {
			return nil, kit.BadRequest("person.household", "must be a household of the parent tenant")
		}
		householdID = hid.String()
	}
	res, err := s.app.RegisterPerson(ctx, app.RegisterPerson{
		Tenant: tenant, PersonID: r.GetPersonId(), HouseholdID: householdID, Name: p.GetFullName(),
		Gender: enumCode(p.GetGender().String(), "GENDER_"), BirthDate: p.GetBirthDate(), IDNumber: p.GetIdNumber(),
		Phone: p.GetPhone(), Address: p.GetAddress(), HealthNotes: p.GetHealthNotes(),
		Relationship: enumCode(p.GetRelationshipToHead().String(), "RELATIONSHIP_"), Categories: p.GetCategories(),
		RegisteredOn: p.GetRegistrationDate(), Caller: c,
	})
	if err != nil {
		return nil, err
	}
	return &pb.CreatePersonResponse{Person: personPB(res.Person), ConsistencyToken: res.ConsistencyToken}, nil
}

func (s *Server) GetPerson(ctx context.Context, r *pb.GetPersonRequest) (*pb.Person, error) {
	return s.getPerson(ctx, r)
}

func (s *Server) doGetPerson(ctx context.Context, r *pb.GetPersonRequest) (*pb.Person, error) {
	tenant, id, c, err := kit.Named(ctx, r.GetName(), "persons", "")
	if err != nil {
		return nil, err
	}
	d, err := s.app.GetPerson(ctx, app.GetPerson{Tenant: tenant, PersonID: id, Reveal: r.GetView() == pb.View_VIEW_FULL,
		Purpose: r.GetPurpose(), Caller: c, Method: "GetPerson"})
	if err != nil {
		return nil, err
	}
	return personPB(d), nil
}

func (s *Server) ListPersons(ctx context.Context, r *pb.ListPersonsRequest) (*pb.ListPersonsResponse, error) {
	return s.listPersons(ctx, r)
}

// Page sizes of ListPersons.
const (
	defaultPersonsPage = 50
	maxPersonsPage     = 1000
)

func (s *Server) doListPersons(ctx context.Context, r *pb.ListPersonsRequest) (*pb.ListPersonsResponse, error) {
	tenant, err := kit.ParseParent("parent", r.GetParent())
	if err != nil {
		return nil, err
	}
	size, err := pageSize(r.GetPageSize(), defaultPersonsPage, maxPersonsPage)
	if err != nil {
		return nil, err
	}
	if r.GetTier() < 0 || r.GetTier() > 4 {
		return nil, kit.BadRequest("tier", "must be 0 (any) or 1–4")
	}
	status := ""
	if r.GetStatus() != pb.PersonStatus_PERSON_STATUS_UNSPECIFIED {
		if _, known := pb.PersonStatus_name[int32(r.GetStatus())]; !known {
			return nil, kit.BadRequest("status", "is not a person status")
		}
		status = enumCode(r.GetStatus().String(), "PERSON_STATUS_")
	}
	f := postgres.PersonFilter{Tenant: tenant, Village: r.GetVillage(), Category: r.GetCategory(), Tier: int(r.GetTier()),
		Status: status, SocialWorker: r.GetSocialWorker()}
	hash := filterHash(f.Tenant, f.Village, f.Category, f.Status, f.SocialWorker, string(rune('0'+f.Tier)))
	after, err := decodePageToken(r.GetPageToken(), hash)
	if err != nil {
		return nil, err
	}
	rows, more, err := s.app.ListPersons(ctx, app.ListPersons{Filter: f, PageSize: size, After: after,
		ConsistencyToken: r.GetConsistencyToken()})
	if err != nil {
		return nil, err
	}
	out := &pb.ListPersonsResponse{Persons: make([]*pb.Person, len(rows))}
	for i, row := range rows {
		out.Persons[i] = personRowPB(row)
	}
	if more {
		out.NextPageToken = encodePageToken(rows[len(rows)-1].PersonID, hash)
	}
	return out, nil
}

func (s *Server) FindPersonByIdNumber(ctx context.Context, r *pb.FindPersonByIdNumberRequest) (*pb.Person, error) {
	return s.findPersonByIDNumber(ctx, r)
}

func (s *Server) doFindPersonByIDNumber(ctx context.Context, r *pb.FindPersonByIdNumberRequest) (*pb.Person, error) {
	tenant, c, err := kit.Parented(ctx, r.GetParent(), "")
	if err != nil {
		return nil, err
	}
	d, err := s.app.FindByIDNumber(ctx, app.FindByIDNumber{Tenant: tenant, IDNumber: r.GetIdNumber(),
		Reveal: r.GetView() == pb.View_VIEW_FULL, Purpose: r.GetPurpose(), Caller: c, Method: "FindPersonByIdNumber"})
	if err != nil {
		return nil, err
	}
	return personPB(d), nil
}
