package grpc

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/kit"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

func personName(tenant string, id uuid.UUID) string {
	return "tenants/" + tenant + "/persons/" + id.String()
}
func householdName(tenant string, id uuid.UUID) string {
	return "tenants/" + tenant + "/households/" + id.String()
}

// enumCode turns GENDER_MALE into "male" given the prefix "GENDER_";
// unspecified is "", and an unknown number stays a number the domain refuses.
func enumCode(name, prefix string) string {
	code := strings.ToLower(strings.TrimPrefix(name, prefix))
	if code == "unspecified" {
		return ""
	}
	return code
}

func genderEnum(g identity.Gender) pb.Gender {
	return pb.Gender(pb.Gender_value["GENDER_"+strings.ToUpper(string(g))])
}

func relationshipEnum(r person.Relationship) pb.Relationship {
	return pb.Relationship(pb.Relationship_value["RELATIONSHIP_"+strings.ToUpper(string(r))])
}

func statusEnum(s string) pb.PersonStatus {
	return pb.PersonStatus(pb.PersonStatus_value["PERSON_STATUS_"+strings.ToUpper(s)])
}

func assessmentPB(a *person.Assessment) *pb.TierAssessment {
	if a == nil {
		return nil
	}
	return &pb.TierAssessment{Tier: int32(a.Tier), Reason: a.Reason, RiskFactors: a.RiskFactors,
		AssessedBy: a.AssessedBy, EffectiveDate: a.EffectiveOn.String()}
}

func timestamp(t interface{ IsZero() bool }) bool { return !t.IsZero() }

func personPB(d app.PersonDetails) *pb.Person {
	p := &pb.Person{
		Name: personName(d.Tenant, d.ID), FullName: d.Name, Gender: genderEnum(d.Gender), BirthDate: d.BirthDate,
		IdNumber: d.IDNumber, Phone: d.Phone, Address: d.Address, HealthNotes: d.HealthNotes,
		Household: householdName(d.Tenant, d.HouseholdID), RelationshipToHead: relationshipEnum(d.Relationship),
		Categories: d.Categories, RegistrationDate: d.RegisteredOn, Village: d.Village,
		TierAssessment: assessmentPB(d.Tier), Status: statusEnum(string(d.Status)), SocialWorker: d.SocialWorker,
		SensitiveFieldsRevealed: d.Revealed, Etag: strconv.FormatInt(d.Version, 10),
	}
	if d.Tier != nil {
		p.Tier = int32(d.Tier.Tier)
	}
	if timestamp(d.Created) {
		p.CreateTime = timestamppb.New(d.Created)
	}
	if timestamp(d.Updated) {
		p.UpdateTime = timestamppb.New(d.Updated)
	}
	return p
}

func personRowPB(r postgres.PersonRow) *pb.Person {
	return &pb.Person{
		Name: personName(r.Tenant, r.PersonID), FullName: r.Name, Household: householdName(r.Tenant, r.HouseholdID),
		Categories: r.Categories, RegistrationDate: r.RegisteredOn.Format("2006-01-02"), Village: r.Village,
		Tier: int32(r.Tier), Status: statusEnum(r.Status), SocialWorker: r.SocialWorker,
		Etag: strconv.FormatInt(r.Version, 10),
	}
}

func householdPB(d app.HouseholdDetails) *pb.Household {
	h := &pb.Household{Name: householdName(d.Tenant, d.ID), Village: d.Village, Address: d.Address,
		RegistrationDate: d.RegisteredOn.String(), SensitiveFieldsRevealed: d.Revealed,
		Etag: strconv.FormatInt(d.Version, 10)}
	if timestamp(d.Times.Created) {
		h.CreateTime, h.UpdateTime = timestamppb.New(d.Times.Created), timestamppb.New(d.Times.Updated)
	}
	return h
}

func referencePB(tenant string, d *reference.Data) *pb.ReferenceData {
	out := &pb.ReferenceData{Name: "tenants/" + tenant + "/referenceData", DisplayName: d.Name}
	for _, c := range d.Categories {
		out.Categories = append(out.Categories, &pb.Category{Code: c.Code, DisplayName: c.Name})
	}
	for _, v := range d.Villages {
		out.Villages = append(out.Villages, &pb.Village{Code: v.Code, DisplayName: v.Name})
	}
	period := func(p reference.Period) *pb.Period {
		return &pb.Period{Every: int32(p.Every), Unit: pb.PeriodUnit(pb.PeriodUnit_value["PERIOD_UNIT_"+strings.ToUpper(string(p.Unit))])}
	}
	for _, r := range d.TierPolicy {
		rule := &pb.TierRule{Tier: int32(r.Tier), DisplayName: r.Name, Contact: period(r.Contact)}
		if r.Visits != nil {
			rule.Visits = &pb.VisitQuota{Count: int32(r.Visits.Count), Per: period(r.Visits.Per)}
		}
		out.TierPolicy = append(out.TierPolicy, rule)
	}
	return out
}

// Page sizes (AIP-158): 0 means the default; more than the maximum is
// coerced to it; a negative size is an error.
func pageSize(n int32, def, maxSize int) (int, error) {
	switch {
	case n < 0:
		return 0, kit.BadRequest("page_size", "must not be negative")
	case n == 0:
		return def, nil
	case int(n) > maxSize:
		return maxSize, nil
	}
	return int(n), nil
}

// pageToken is opaque to clients: the last id of the previous page and a
// hash of the filters it was made for, so that a token is not reused with
// other filters.
type pageToken struct {
	After  uuid.UUID `json:"a"`
	Filter string    `json:"f"`
}

func filterHash(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

func encodePageToken(after uuid.UUID, filter string) string {
	b, _ := json.Marshal(pageToken{After: after, Filter: filter})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s, filter string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	bad := kit.BadRequest("page_token", "is not a page token of this list with these filters")
	if len(s) > 200 {
		return uuid.Nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return uuid.Nil, bad
	}
	var t pageToken
	if err := json.Unmarshal(b, &t); err != nil || t.Filter != filter || t.After == uuid.Nil {
		return uuid.Nil, bad
	}
	return t.After, nil
}
