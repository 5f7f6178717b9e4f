package grpc

import (
	"context"

	"github.com/google/uuid"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/platform/kit"
)

// personWrite runs a person command and returns the person and token.
func personWrite(ctx context.Context, name, etag, requestID string,
	run func(app.PersonCommand) (app.PersonResult, error)) (*pb.Person, string, error) {
	cmd, err := personCommand(ctx, name, etag, requestID)
	if err != nil {
		return nil, "", err
	}
	res, err := run(cmd)
	if err != nil {
		return nil, "", err
	}
	return personPB(res.Person), res.ConsistencyToken, nil
}

func (s *Server) ChangeContactDetails(ctx context.Context, r *pb.ChangeContactDetailsRequest) (*pb.ChangeContactDetailsResponse, error) {
	return s.changeContactDetails(ctx, r)
}

func (s *Server) doChangeContactDetails(ctx context.Context, r *pb.ChangeContactDetailsRequest) (*pb.ChangeContactDetailsResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.ChangeContactDetails(ctx, app.ChangeContactDetails{PersonCommand: c, Phone: r.GetPhone(), Address: r.GetAddress()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.ChangeContactDetailsResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) ChangeHealthNotes(ctx context.Context, r *pb.ChangeHealthNotesRequest) (*pb.ChangeHealthNotesResponse, error) {
	return s.changeHealthNotes(ctx, r)
}

func (s *Server) doChangeHealthNotes(ctx context.Context, r *pb.ChangeHealthNotesRequest) (*pb.ChangeHealthNotesResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.ChangeHealthNotes(ctx, app.ChangeHealthNotes{PersonCommand: c, HealthNotes: r.GetHealthNotes()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.ChangeHealthNotesResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) MovePersonHousehold(ctx context.Context, r *pb.MovePersonHouseholdRequest) (*pb.MovePersonHouseholdResponse, error) {
	return s.movePersonHousehold(ctx, r)
}

func (s *Server) doMovePersonHousehold(ctx context.Context, r *pb.MovePersonHouseholdRequest) (*pb.MovePersonHouseholdResponse, error) {
	var hid uuid.UUID
	if r.GetHousehold() != "" {
		var err error
		if _, hid, err = kit.ParseName("household", r.GetHousehold(), "households"); err != nil {
			return nil, err
		}
	}
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.MoveHousehold(ctx, app.MoveHousehold{PersonCommand: c, HouseholdID: hid,
			Relationship: enumCode(r.GetRelationshipToHead().String(), "RELATIONSHIP_"), EffectiveOn: r.GetEffectiveDate()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.MovePersonHouseholdResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) AddCategory(ctx context.Context, r *pb.AddCategoryRequest) (*pb.AddCategoryResponse, error) {
	return s.addCategory(ctx, r)
}

func (s *Server) doAddCategory(ctx context.Context, r *pb.AddCategoryRequest) (*pb.AddCategoryResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.AddCategory(ctx, app.ChangeCategory{PersonCommand: c, Category: r.GetCategory(),
			EffectiveOn: r.GetEffectiveDate(), Reference: r.GetReference()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.AddCategoryResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) RemoveCategory(ctx context.Context, r *pb.RemoveCategoryRequest) (*pb.RemoveCategoryResponse, error) {
	return s.removeCategory(ctx, r)
}

func (s *Server) doRemoveCategory(ctx context.Context, r *pb.RemoveCategoryRequest) (*pb.RemoveCategoryResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.RemoveCategory(ctx, app.ChangeCategory{PersonCommand: c, Category: r.GetCategory(),
			EffectiveOn: r.GetEffectiveDate(), Reference: r.GetReference()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.RemoveCategoryResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) AssessTier(ctx context.Context, r *pb.AssessTierRequest) (*pb.AssessTierResponse, error) {
	return s.assessTier(ctx, r)
}

func (s *Server) doAssessTier(ctx context.Context, r *pb.AssessTierRequest) (*pb.AssessTierResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.AssessTier(ctx, app.AssessTier{PersonCommand: c, Tier: int(r.GetTier()), Reason: r.GetReason(),
			RiskFactors: r.GetRiskFactors(), AssessedBy: r.GetAssessedBy(), EffectiveOn: r.GetEffectiveDate()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.AssessTierResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) RecordMonthlyFileUpdate(ctx context.Context, r *pb.RecordMonthlyFileUpdateRequest) (*pb.RecordMonthlyFileUpdateResponse, error) {
	return s.recordMonthlyFile(ctx, r)
}

func (s *Server) doRecordMonthlyFile(ctx context.Context, r *pb.RecordMonthlyFileUpdateRequest) (*pb.RecordMonthlyFileUpdateResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.RecordMonthlyUpdate(ctx, app.RecordMonthlyUpdate{PersonCommand: c, Month: r.GetMonth(),
			LivingSituation: r.GetLivingSituation(), Needs: r.GetNeeds(), Risks: r.GetRisks(),
			HelpReceived: r.GetHelpReceived(), Amendment: r.GetAmendment()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.RecordMonthlyFileUpdateResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) AssignSocialWorker(ctx context.Context, r *pb.AssignSocialWorkerRequest) (*pb.AssignSocialWorkerResponse, error) {
	return s.assignSocialWorker(ctx, r)
}

func (s *Server) doAssignSocialWorker(ctx context.Context, r *pb.AssignSocialWorkerRequest) (*pb.AssignSocialWorkerResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.AssignSocialWorker(ctx, app.AssignSocialWorker{PersonCommand: c, SocialWorker: r.GetSocialWorker()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.AssignSocialWorkerResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) ExitPerson(ctx context.Context, r *pb.ExitPersonRequest) (*pb.ExitPersonResponse, error) {
	return s.exitPerson(ctx, r)
}

func (s *Server) doExitPerson(ctx context.Context, r *pb.ExitPersonRequest) (*pb.ExitPersonResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.ExitPerson(ctx, app.ExitPerson{PersonCommand: c, Reason: enumCode(r.GetReason().String(), "EXIT_REASON_"),
			EffectiveOn: r.GetEffectiveDate(), Note: r.GetNote()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.ExitPersonResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) ReinstatePerson(ctx context.Context, r *pb.ReinstatePersonRequest) (*pb.ReinstatePersonResponse, error) {
	return s.reinstatePerson(ctx, r)
}

func (s *Server) doReinstatePerson(ctx context.Context, r *pb.ReinstatePersonRequest) (*pb.ReinstatePersonResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.ReinstatePerson(ctx, app.ReinstatePerson{PersonCommand: c, Reason: r.GetReason(), EffectiveOn: r.GetEffectiveDate()})
	})
	if err != nil {
		return nil, err
	}
	return &pb.ReinstatePersonResponse{Person: p, ConsistencyToken: token}, nil
}

func (s *Server) ForgetPerson(ctx context.Context, r *pb.ForgetPersonRequest) (*pb.ForgetPersonResponse, error) {
	return s.forgetPerson(ctx, r)
}

func (s *Server) doForgetPerson(ctx context.Context, r *pb.ForgetPersonRequest) (*pb.ForgetPersonResponse, error) {
	p, token, err := personWrite(ctx, r.GetName(), r.GetEtag(), r.GetRequestId(), func(c app.PersonCommand) (app.PersonResult, error) {
		return s.app.ForgetPerson(ctx, app.ForgetPerson{PersonCommand: c})
	})
	if err != nil {
		return nil, err
	}
	return &pb.ForgetPersonResponse{Person: p, ConsistencyToken: token}, nil
}
