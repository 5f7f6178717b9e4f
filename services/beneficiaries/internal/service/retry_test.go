package service_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/doudi-platform/doudi/contracts/gen/go/doudi/beneficiaries/v1"
)

// A partner app that retries a write with the same request id (it timed out
// and does not know whether the first one landed) gets the first answer, and
// the register holds the person once, with the tier assessed once.
func TestRetriedWritesWithOneRequestIDWriteOnce(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	household := e.createHousehold(ctx, 1).GetName()

	req := personRequest(4242, household)
	req.RequestId = "app-7f3a-create-person"
	first, err := e.client.CreatePerson(staff(ctx), req)
	if err != nil {
		t.Fatal(err)
	}
	before := e.eventCount(ctx)
	again, err := e.client.CreatePerson(staff(ctx), proto.Clone(req).(*pb.CreatePersonRequest))
	if err != nil {
		t.Fatalf("retried create: %v", err)
	}
	if again.GetPerson().GetName() != first.GetPerson().GetName() || again.GetConsistencyToken() != first.GetConsistencyToken() {
		t.Fatalf("retry answered %s (%s), first %s (%s)", again.GetPerson().GetName(), again.GetConsistencyToken(),
			first.GetPerson().GetName(), first.GetConsistencyToken())
	}
	if after := e.eventCount(ctx); after != before {
		t.Fatalf("the retry wrote %d events", after-before)
	}

	assess := &pb.AssessTierRequest{Name: first.GetPerson().GetName(), Tier: 1, Reason: "独居且行动不便",
		AssessedBy: "sw-003", Etag: first.GetPerson().GetEtag(), RequestId: "app-7f3a-assess-1"}
	a1, err := e.client.AssessTier(staff(ctx), assess)
	if err != nil {
		t.Fatal(err)
	}
	// The retry carries the etag the client had before its first attempt:
	// it must be answered, not refused as stale.
	a2, err := e.client.AssessTier(staff(ctx), proto.Clone(assess).(*pb.AssessTierRequest))
	if err != nil {
		t.Fatalf("retried assessment: %v", err)
	}
	if a2.GetPerson().GetEtag() != a1.GetPerson().GetEtag() || a2.GetPerson().GetTier() != 1 {
		t.Fatalf("retry answered etag %s tier %d, first etag %s", a2.GetPerson().GetEtag(), a2.GetPerson().GetTier(), a1.GetPerson().GetEtag())
	}
	if after := e.eventCount(ctx); after != before+1 {
		t.Fatalf("%d events written for one assessment sent twice", after-before)
	}
}
