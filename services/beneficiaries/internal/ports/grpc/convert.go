package grpc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/adapters/postgres"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/app"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/identity"
	"github.com/doudi-platform/doudi/services/beneficiaries/internal/domain/person"
	"github.com/doudi-platform/doudi/services/platform/domainkit"
	"github.com/doudi-platform/doudi/services/platform/reference"
)

// Caller identity travels in gRPC metadata. The gateway authenticates the
// API key and sets these; the service trusts them, so it must only be
// reachable through the gateway (or from trusted station systems).
const (
	// MetadataActor is who calls: a staff or system user id.
	MetadataActor = "x-doudi-actor"
	// MetadataRoles is the caller's roles, comma-separated; "sensitive:read"
	// allows revealing sensitive fields.
	MetadataRoles = "x-doudi-roles"
	// MetadataCorrelationID groups the events of one user action.
	MetadataCorrelationID = "x-correlation-id"
)

const maxRequestID = 100

func callerFrom(md metadata.MD, requestID string) (app.Caller, error) {
	if len(requestID) > maxRequestID {
		return app.Caller{}, badRequest("request_id", fmt.Sprintf("is longer than %d characters", maxRequestID))
	}
	if _, err := domainkit.Text(requestID, maxRequestID, false, false); err != nil {
		return app.Caller{}, badRequest("request_id", err.Error())
	}
	c := app.Caller{RequestID: requestID}
	if v := md.Get(MetadataActor); len(v) > 0 {
		c.Actor = v[0]
	}
	for _, v := range md.Get(MetadataRoles) {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Roles = append(c.Roles, r)
			}
		}
	}
	if c.Actor == "" {
		c.Roles = nil // a reveal is audited by who; nobody may not reveal
	}
	if v := md.Get(MetadataCorrelationID); len(v) > 0 && len(v[0]) <= maxRequestID {
		c.CorrelationID = v[0]
	}
	return c, nil
}

// parseParent reads "tenants/{tenant}".
func parseParent(field, s string) (string, error) {
	tenant, ok := strings.CutPrefix(s, "tenants/")
	if !ok || tenant == "" || strings.Contains(tenant, "/") {
		return "", badRequest(field, `must be "tenants/{tenant}"`)
	}
	return tenant, nil
}

// parseName reads "tenants/{tenant}/{collection}/{uuid}".
func parseName(field, s, collection string) (string, uuid.UUID, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 || parts[0] != "tenants" || parts[1] == "" || parts[2] != collection {
		return "", uuid.Nil, badRequest(field, fmt.Sprintf(`must be "tenants/{tenant}/%s/{id}"`, collection))
	}
	id, err := uuid.Parse(parts[3])
	if err != nil || id == uuid.Nil || len(parts[3]) != 36 {
		return "", uuid.Nil, badRequest(field, fmt.Sprintf(`must be "tenants/{tenant}/%s/{id}" with a UUID id`, collection))
	}
	return parts[1], id, nil
}

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
		return 0, badRequest("page_size", "must not be negative")
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
	bad := badRequest("page_token", "is not a page token of this list with these filters")
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
