package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// The simulated 30-minute row: a fixed 10 s poll is late by less than 10 s and polls once per 10 s; the waiter
// is late by at most its 30 s cap plus jitter and polls less often.
func TestSimulateP1(t *testing.T) {
	row := simulateP1(30*time.Minute, 11)
	if row.Reps != 11 || len(row.Fixed10s.DelaysS) != 11 || len(row.Ours.DelaysS) != 11 || !row.Simulated {
		t.Fatalf("row %+v", row)
	}
	for i, d := range row.Fixed10s.DelaysS {
		if d < 0 || d >= 10 {
			t.Errorf("fixed delay %d = %vs, want [0, 10)", i, d)
		}
	}
	for i, d := range row.Ours.DelaysS {
		if d < 0 || d > 36 {
			t.Errorf("WaitForRun delay %d = %vs, want [0, 36]", i, d)
		}
	}
	if row.Fixed10s.PollsMedian < 180 || row.Ours.PollsMedian >= row.Fixed10s.PollsMedian {
		t.Errorf("polls: ours %v, fixed %v", row.Ours.PollsMedian, row.Fixed10s.PollsMedian)
	}
}

func TestCountStep(t *testing.T) {
	s := countStep("x", "", map[string]int64{
		"GET /synchronization/imodels/storageconnections/{id}": 5, "POST /synchronization/imodels/storageconnections": 2,
		"POST /connect/token": 1, "PUT /blobs/upload/{id}": 3, "GET /local/stats": 1, "DELETE /storage/files/{id}": 1,
	}, 0)
	if s.API != 8 || s.Reads != 5 || s.Writes != 3 || s.Token != 1 {
		t.Errorf("%+v", s)
	}
	if _, ok := s.Requests["GET /local/stats"]; ok {
		t.Error("the stats endpoint itself is counted")
	}
}

// The secret patterns find what itwin-local and tokens look like, and leave redacted values alone.
func TestSecretPatterns(t *testing.T) {
	leak := `GET http://127.0.0.1:1/blobs/download/x?se=1795790000&sig=2Yq0lHc-vJ3tZ_ab12 Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlc2lnbmF0dXJl`
	if !sigRe.MatchString(leak) || !jwtRe.MatchString(leak) {
		t.Fatal("a signed URL or a JWT is not found")
	}
	m := bearerRe.FindStringSubmatch(leak)
	if len(m) < 2 || isRedacted(m[1]) {
		t.Fatalf("bearer value not found: %v", m)
	}
	clean := `GET http://127.0.0.1:1/blobs/download/x?se=REDACTED&sig=REDACTED Authorization: Bearer REDACTED`
	for _, m := range sigRe.FindAllStringSubmatch(clean, -1) {
		if !isRedacted(m[1]) {
			t.Errorf("redacted sig counted: %q", m[1])
		}
	}
	for _, m := range bearerRe.FindAllStringSubmatch(clean, -1) {
		if !isRedacted(m[1]) {
			t.Errorf("redacted bearer counted: %q", m[1])
		}
	}
}

// Every API route of itwin-local gets a concrete URL in the auth matrix: a new route with a new path parameter
// must be taught to fill.
func TestAuthMatrixFillsEveryRoute(t *testing.T) {
	routes, err := listRoutes(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 50 {
		t.Fatalf("only %d API routes", len(routes))
	}
	o := &bObjects{itwin: "IT", imodel: "IM", folder: "FO", file: "FI", conn: "CO", run: "RU", sf: "SF", mconn: "MC", mrun: "MR", msf: "MS"}
	for i, rt := range routes {
		u, _ := o.fill("http://h", rt)
		if strings.ContainsAny(u, "{}") {
			t.Errorf("%s %s → %s", rt.Method, rt.Template, u)
		}
		if i > 0 && routes[i-1].Method == "DELETE" && rt.Method != "DELETE" {
			t.Errorf("DELETE routes are not last: %s %s after a DELETE", rt.Method, rt.Template)
		}
	}
}
