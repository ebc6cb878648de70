package itwinlocal_test

import (
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestUsers(t *testing.T) {
	in, _, otherTok := twoClients(t)
	mainID, otherID := itwinlocal.ClientUserID("main"), itwinlocal.ClientUserID("other")

	var me wire.UserEnvelope
	r := in.Do(t, "GET", "/users/me", nil)
	expectStatus(t, r, 200)
	r.JSON(t, &me)
	if me.User.ID != mainID || me.User.DisplayName != "main" || me.User.Email != "main@example.test" || me.User.Statistics != nil ||
		rawField(t, r.Body, "user.givenName") != "null" {
		t.Fatalf("me: %s", r.Body)
	}
	// Any caller reads any user (users belong to no iTwin); "other" has no email.
	r = in.DoAs(t, otherTok, "GET", "/users/"+mainID, nil)
	expectStatus(t, r, 200)
	r = in.Do(t, "GET", "/users/"+otherID, nil)
	if expectStatus(t, r, 200); rawField(t, r.Body, "user.email") != "null" {
		t.Fatalf("other: %s", r.Body)
	}
	expectErr(t, in.Do(t, "GET", "/users/"+itwinlocal.NewGUID(), nil), 404, "UserNotFound", "")
	expectErr(t, in.Do(t, "GET", "/users/main", nil), 404, "UserNotFound", "")
	expectErr(t, in.DoAs(t, "", "GET", "/users/me", nil), 401, "HeaderNotFound", "")

	// In an iModel, the user carries what it did there.
	im := newIModel(t, in, "stats")
	base := "/imodels/" + im + "/users/"
	r = in.Do(t, "GET", base+mainID, nil)
	expectStatus(t, r, 200)
	if rawField(t, r.Body, "user.statistics") != `{"pushedChangesetsCount":0,"lastChangesetPushDate":null,"createdVersionsCount":0,"briefcasesCount":0}` {
		t.Fatalf("no activity: %s", r.Body)
	}
	cs := appendChangesets(t, in, im, 3) // pushed as the seed client "main"
	createVersion(t, in, im, map[string]any{"name": "v"})
	var u wire.UserEnvelope
	in.Do(t, "GET", base+mainID, nil).JSON(t, &u)
	s := u.User.Statistics
	if s == nil || s.PushedChangesetsCount != 3 || s.CreatedVersionsCount != 1 || s.LastChangesetPushDate == nil ||
		s.LastChangesetPushDate.Format(wire.TimestampLayout) != cs[2].PushTime.UTC().Format(wire.TimestampLayout) || u.User.ID != mainID {
		t.Fatalf("activity: %+v %s", u.User, mustJSON(s))
	}
	in.Do(t, "GET", base+otherID, nil).JSON(t, &u)
	if u.User.Statistics.PushedChangesetsCount != 0 || u.User.ID != otherID {
		t.Fatalf("other's activity: %+v", u)
	}
	expectErr(t, in.Do(t, "GET", base+itwinlocal.NewGUID(), nil), 404, "UserNotFound", "")
	expectErr(t, in.Do(t, "GET", "/imodels/"+itwinlocal.NewGUID()+"/users/"+mainID, nil), 404, "iModelNotFound", "")
	expectErr(t, in.DoAs(t, otherTok, "GET", base+otherID, nil), 403, "InsufficientPermissions", "")
}
