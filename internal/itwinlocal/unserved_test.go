package itwinlocal_test

import (
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
)

// TestUnservedRoutesAnswer501 checks spec §11q: routes of neighbouring APIs that itwin-local does not serve answer
// 501 NotImplemented naming the method and path; served routes and unknown paths are unaffected.
func TestUnservedRoutesAnswer501(t *testing.T) {
	in := start(t)
	expect501 := func(t *testing.T, tok, method, path string) {
		t.Helper()
		r := in.DoAs(t, tok, method, path, nil)
		env := expectErr(t, r, 501, "NotImplemented", "")
		if want := "itwin-local does not implement " + method + " " + path + "."; env.Error.Message != want || len(env.Error.Details) != 0 {
			t.Fatalf("%s %s: %s, want message %q", method, path, r.Body, want)
		}
	}
	fill := strings.NewReplacer("{id}", in.IModelID, "{changeset}", "1", "{namedVersionId}", itwinlocal.NewGUID())
	served := map[string]bool{}
	for _, rt := range in.Server.Routes() {
		served[rt.Method+" "+rt.Template] = true
	}
	unserved := in.Server.UnservedRoutes()
	if len(unserved) < 20 {
		t.Fatalf("only %d unserved routes", len(unserved))
	}
	tok := in.Token(t)
	for _, rt := range unserved {
		if served[rt.Method+" "+rt.Template] {
			t.Fatalf("%s %s is both served and unserved", rt.Method, rt.Template)
		}
		methods := []string{rt.Method}
		if rt.Method == "*" {
			methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
		}
		paths := []string{fill.Replace(rt.Template)}
		if p, ok := strings.CutSuffix(paths[0], "/**"); ok {
			paths = []string{p + "/a/b"}                 // one segment below may be a served {id} route (GET /users/{id})
			if !strings.HasSuffix(rt.Template, "}/**") { // {changeset}, {namedVersionId}: the object itself is served
				paths = append(paths, p) // the collection itself
			}
		}
		for _, m := range methods {
			for _, p := range paths {
				expect501(t, tok, m, p)
			}
		}
	}

	// The examples of §11q, with and without a token (the answer reveals nothing), in any case.
	im := "/imodels/" + in.IModelID
	for _, mp := range [][2]string{
		{"GET", "/accesscontrol/itwins/" + in.ITwinID + "/members"}, {"POST", "/accesscontrol/itwins/" + in.ITwinID + "/roles"},
		{"GET", im + "/changedelements"}, {"GET", im + "/changedelements/comparison"}, {"GET", "/changedelements/comparison"},
		{"POST", im + "/exports"}, {"GET", im + "/checkpoints"}, {"GET", im + "/checkpoint"}, {"GET", im + "/changesets/3/checkpoint"},
		{"GET", "/users"}, {"GET", "/users/" + itwinlocal.NewGUID() + "/roles"}, {"POST", "/users/getbyidlist"},
		{"GET", "/repositories/x"}, {"GET", "/itwins/" + in.ITwinID + "/repositories"}, {"GET", "/itwins/favorites"},
		{"GET", "/itwins/recents"}, {"POST", im + "/changesets"}, {"PATCH", im + "/changesets/1"}, {"GET", im + "/locks"},
		{"GET", im + "/users"}, {"DELETE", im + "/namedversions/" + itwinlocal.NewGUID()}, {"GET", "/AccessControl/itwins"},
	} {
		expect501(t, tok, mp[0], mp[1])
		expect501(t, "", mp[0], mp[1])
	}

	// Served routes next to unserved ones still answer; unknown paths stay 404, wrong methods 405.
	expectStatus(t, in.Do(t, "GET", "/users/me", nil), 200)
	expectStatus(t, in.Do(t, "GET", im+"/changesets", nil), 200)
	expectErr(t, in.Do(t, "GET", im+"/changesets/1", nil), 404, "ChangesetNotFound", "")
	expectStatus(t, in.Do(t, "GET", im+"/namedversions", nil), 200)
	expectStatus(t, in.Do(t, "GET", "/itwins", nil), 200)
	for _, p := range []string{"/nope", im + "/nope", "/accesscontrolx", "/synchronization/nope", "/itwins/" + in.ITwinID + "/nope"} {
		expectErr(t, in.Do(t, "GET", p, nil), 404, "ResourceNotFound", "")
	}
	expectErr(t, in.Do(t, "PUT", im, nil), 405, "MethodNotAllowed", "")
	expectErr(t, in.Do(t, "DELETE", "/itwins", nil), 405, "MethodNotAllowed", "")
}
