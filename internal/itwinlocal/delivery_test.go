package itwinlocal_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// received is one POST the receiver got.
type received struct {
	signature, contentType string
	body                   []byte
	ev                     wire.WebhookEvent
}

// receiver is a webhook callback endpoint on loopback. status decides each answer (n counts requests from 0);
// nil answers 200.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	got    []received
	status func(n int, ev wire.WebhookEvent) int
}

func newReceiver(t *testing.T) *receiver {
	rv := &receiver{t: t}
	rv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev wire.WebhookEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("receiver: body is not a WebhookEvent: %s", b)
		}
		rv.mu.Lock()
		n := len(rv.got)
		rv.got = append(rv.got, received{signature: r.Header.Get("Signature"), contentType: r.Header.Get("Content-Type"), body: b, ev: ev})
		st := rv.status
		rv.mu.Unlock()
		code := 200
		if st != nil {
			code = st(n, ev)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *receiver) setStatus(f func(n int, ev wire.WebhookEvent) int) {
	rv.mu.Lock()
	rv.status = f
	rv.mu.Unlock()
}

func (rv *receiver) all() []received {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]received(nil), rv.got...)
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// waitFor polls cond until it holds (a deadline against hangs, not a pace).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func hookStats(t *testing.T, in *itwinlocaltest.Instance, id string) itwinlocal.WebhookDeliveryStats {
	t.Helper()
	r := in.DoAs(t, "", "GET", "/local/stats", nil)
	expectStatus(t, r, 200)
	var s itwinlocal.StatsResponse
	r.JSON(t, &s)
	return s.Webhooks[id]
}

// activeWebhook creates and activates a webhook to the receiver.
func activeWebhook(t *testing.T, in *itwinlocaltest.Instance, rv *receiver, scope, scopeID string, types ...string) wire.Webhook {
	t.Helper()
	body := map[string]any{"callbackUrl": rv.srv.URL + "/hook", "scope": scope, "eventTypes": types}
	if scopeID != "" {
		body["scopeId"] = scopeID
	}
	w := createWebhook(t, in, body)
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true}), 200)
	return w
}

// checkSigned asserts every delivery is signed with secret, is JSON, and names the webhook.
func checkSigned(t *testing.T, got []received, w wire.Webhook, secret string) {
	t.Helper()
	for _, g := range got {
		if g.signature != sign(secret, g.body) || g.contentType != "application/json" || g.ev.WebhookID != w.ID {
			t.Fatalf("delivery %s: Signature %q, Content-Type %q", g.body, g.signature, g.contentType)
		}
		if _, err := time.Parse(wire.EnqueuedDateTimeLayout, g.ev.EnqueuedDateTime); err != nil || !itwinlocal.IsGUID(g.ev.MessageID) {
			t.Fatalf("enqueuedDateTime %q / messageId %q", g.ev.EnqueuedDateTime, g.ev.MessageID)
		}
	}
}

func runUntilCompleted(t *testing.T, in *itwinlocaltest.Instance, cid, rid string) wire.Run {
	t.Helper()
	var run wire.RunEnvelope
	waitFor(t, "run "+rid, func() bool {
		in.Do(t, "GET", sc+"/"+cid+"/runs/"+rid, nil).JSON(t, &run)
		return run.Run.State == wire.StateCompleted
	})
	return run.Run
}

// TestWebhookRunEvents runs the engine: a successful run sends one jobCompleted (result "success") and one
// changesReady per pushed changeset; a failing run one jobCompleted with "error" and no changesReady.
func TestWebhookRunEvents(t *testing.T) {
	in := itwinlocaltest.Start(t)
	rv := newReceiver(t)
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted, wire.EventChangesReady)
	var created wire.Webhook
	in.Do(t, "GET", "/webhooks/"+w.ID, nil).JSON(t, &created)

	imodel := newIModel(t, in, "webhook-events")
	ok := in.UploadFile(t, "", "a.dgn", []byte("a"))
	ok2 := in.UploadFile(t, "", "b.dgn", []byte("b"))
	r := in.Do(t, "POST", sc, map[string]any{"iModelId": imodel, "authenticationType": "Service",
		"sourceFiles": []map[string]string{{"storageFileId": ok, "connectorType": "MSTN"}, {"storageFileId": ok2, "connectorType": "MSTN"}}})
	expectStatus(t, r, 201)
	var conn wire.ConnectionEnvelope
	r.JSON(t, &conn)
	rid := startRun(t, in, conn.Connection.ID)
	if run := runUntilCompleted(t, in, conn.Connection.ID, rid); run.Result != wire.ResultSuccess {
		t.Fatalf("run result %s", run.Result)
	}
	var cs wire.ChangesetList
	in.Do(t, "GET", "/imodels/"+imodel+"/changesets", nil).JSON(t, &cs)
	if len(cs.Changesets) != 2 {
		t.Fatalf("want one changeset per changed task, got %d", len(cs.Changesets))
	}
	waitFor(t, "3 deliveries", func() bool { s := hookStats(t, in, w.ID); return s.Sent >= 3 && s.Pending == 0 })

	// A failing run on another iModel: every task fails, nothing is pushed.
	imodel2 := newIModel(t, in, "webhook-events-2")
	bad := in.UploadFile(t, "", "broken.ifc", []byte("this is not a STEP file"))
	r = in.Do(t, "POST", sc, map[string]any{"iModelId": imodel2, "authenticationType": "Service",
		"sourceFiles": []map[string]string{{"storageFileId": bad, "connectorType": "IFC"}}})
	expectStatus(t, r, 201)
	var conn2 wire.ConnectionEnvelope
	r.JSON(t, &conn2)
	rid2 := startRun(t, in, conn2.Connection.ID)
	if run := runUntilCompleted(t, in, conn2.Connection.ID, rid2); run.Result != wire.ResultError {
		t.Fatalf("run 2 result %s", run.Result)
	}
	waitFor(t, "4 deliveries", func() bool { s := hookStats(t, in, w.ID); return s.Sent >= 4 && s.Pending == 0 })

	got := rv.all()
	if len(got) != 4 {
		t.Fatalf("receiver got %d deliveries", len(got))
	}
	checkSigned(t, got, w, w.Secret)
	var jobs []wire.JobCompletedContent
	var ready []wire.ChangesReadyContent
	ids := map[string]bool{}
	for _, g := range got {
		ids[g.ev.MessageID] = true
		if g.ev.ITwinID != in.ITwinID {
			t.Fatalf("iTwinId %s", g.ev.ITwinID)
		}
		switch g.ev.EventType {
		case wire.EventJobCompleted:
			var c wire.JobCompletedContent
			mustUnmarshal(t, g.ev.Content, &c)
			jobs = append(jobs, c)
		case wire.EventChangesReady:
			var c wire.ChangesReadyContent
			mustUnmarshal(t, g.ev.Content, &c)
			ready = append(ready, c)
		default:
			t.Fatalf("unexpected event %s", g.body)
		}
	}
	if len(ids) != 4 {
		t.Fatalf("messageIds are not unique: %v", ids)
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Result > jobs[j].Result })
	want := []wire.JobCompletedContent{
		{SynchronizationID: rid, IModelID: imodel, ConnectionID: conn.Connection.ID, Result: "success"},
		{SynchronizationID: rid2, IModelID: imodel2, ConnectionID: conn2.Connection.ID, Result: "error"},
	}
	if len(jobs) != 2 || jobs[0] != want[0] || jobs[1] != want[1] {
		t.Fatalf("jobCompleted: %+v", jobs)
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].ChangesetIndex < ready[j].ChangesetIndex })
	for i, c := range cs.Changesets {
		if ready[i] != (wire.ChangesReadyContent{IModelID: imodel, ChangesetID: c.ID, ChangesetIndex: c.Index}) {
			t.Fatalf("changesReady %d: %+v, changeset %+v", i, ready[i], c)
		}
	}
	// The content spells iModelId (jobCompleted) and imodelId (changesReady) as §12 does.
	for _, g := range got {
		if !strings.Contains(string(g.ev.Content), map[string]string{wire.EventJobCompleted: `"iModelId"`, wire.EventChangesReady: `"imodelId"`}[g.ev.EventType]) {
			t.Fatalf("content spelling: %s", g.ev.Content)
		}
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// newCompletableRun starts a run without the engine; completeRun then completes it through the store.
func newCompletableRun(t *testing.T, in *itwinlocaltest.Instance, name string) string {
	t.Helper()
	cid, _ := newStorageConn(t, in, name)
	return startRun(t, in, cid)
}

// TestWebhookRunCompletedOnce: a run completes (and notifies) once, whatever saves it again afterwards; results
// are spelled with a lower-case first letter.
func TestWebhookRunCompletedOnce(t *testing.T) {
	in := start(t)
	rv := newReceiver(t)
	w := activeWebhook(t, in, rv, "iTwin", in.ITwinID, wire.EventJobCompleted)
	results := []string{wire.ResultSuccess, wire.ResultPartialSuccess, wire.ResultError, wire.ResultSkipped}
	for i, res := range results {
		rid := newCompletableRun(t, in, "f"+string(rune('a'+i))+".dgn")
		completeRun(t, in, rid, res)
		completeRun(t, in, rid, res) // saved again while Completed: no second event
	}
	// Manifest runs notify the same way.
	mcid := newManifestConn(t, in, in.IModelID, "dms-1")
	r := in.Do(t, "POST", mc+"/"+mcid+"/runs", map[string]any{})
	expectNoBody(t, r, 202)
	mrid := r.Header.Get("Location")[strings.LastIndex(r.Header.Get("Location"), "/")+1:]
	completeRun(t, in, mrid, wire.ResultTimedOut)
	waitFor(t, "5 deliveries", func() bool { s := hookStats(t, in, w.ID); return s.Sent >= 5 && s.Pending == 0 })
	var got []string
	for _, g := range rv.all() {
		var c wire.JobCompletedContent
		mustUnmarshal(t, g.ev.Content, &c)
		got = append(got, c.Result)
		if c.SynchronizationID == mrid && (c.ConnectionID != mcid || c.IModelID != in.IModelID) {
			t.Fatalf("manifest run event: %+v", c)
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "error,partialSuccess,skipped,success,timedOut" {
		t.Fatalf("results: %v", got)
	}
}

// TestWebhookRetryUntilRecovered: a receiver answering 503 gets the event again (same messageId and bytes)
// until it answers 2xx; a receiver that never recovers gets 4 attempts, then the delivery is dropped.
func TestWebhookRetryUntilRecovered(t *testing.T) {
	in := start(t) // Speed 0.001: retries after 1 ms, 5 ms, 25 ms
	rv := newReceiver(t)
	rv.setStatus(func(n int, _ wire.WebhookEvent) int {
		if n < 2 {
			return 503
		}
		return 204
	})
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	// The counters move inside the transaction that removes the row; Pending is read from the database, so wait
	// for both rather than reading Pending the instant a counter moved.
	waitFor(t, "the delivery", func() bool { s := hookStats(t, in, w.ID); return s.Sent == 1 && s.Pending == 0 })
	got := rv.all()
	if len(got) != 3 || got[0].ev.MessageID != got[2].ev.MessageID || string(got[0].body) != string(got[2].body) {
		t.Fatalf("attempts: %d", len(got))
	}
	checkSigned(t, got, w, w.Secret)
	if s := hookStats(t, in, w.ID); s.Failed != 2 || s.Dropped != 0 || s.Pending != 0 {
		t.Fatalf("stats %+v", s)
	}

	rv2 := newReceiver(t)
	rv2.setStatus(func(int, wire.WebhookEvent) int { return 500 })
	w2 := activeWebhook(t, in, rv2, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "b.dgn"), wire.ResultSuccess)
	waitFor(t, "the drop", func() bool { s := hookStats(t, in, w2.ID); return s.Dropped == 1 && s.Pending == 0 })
	if s := hookStats(t, in, w2.ID); s.Failed != 4 || s.Sent != 0 || s.Pending != 0 || len(rv2.all()) != 4 {
		t.Fatalf("stats %+v, %d attempts", s, len(rv2.all()))
	}
}

// holdClock is a test clock for retry schedules: retries are an hour apart, so nothing is retried unless the
// test moves the clock.
func holdClock(clock *fakeClock) itwinlocaltest.Option {
	return itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Now = clock.Now
		c.TokenTTL = 24 * time.Hour
		c.WebhookRetryDelays = []time.Duration{time.Hour, time.Hour, time.Hour}
	})
}

// TestWebhookDeactivateAndDeleteStopRetries: a pending retry is discarded by deactivation and by delete, and is
// not sent after the retry time; the webhook reactivated gets only new events.
func TestWebhookDeactivateAndDeleteStopRetries(t *testing.T) {
	clock := newFakeClock()
	in := start(t, holdClock(clock))
	rv := newReceiver(t)
	rv.setStatus(func(int, wire.WebhookEvent) int { return 503 })
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	w2 := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	waitFor(t, "the first attempts", func() bool {
		a, b := hookStats(t, in, w.ID), hookStats(t, in, w2.ID)
		return a.Failed == 1 && a.Pending == 1 && b.Failed == 1 && b.Pending == 1
	})
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": false}), 200)
	expectNoBody(t, in.Do(t, "DELETE", "/webhooks/"+w2.ID, nil), 204)
	for _, id := range []string{w.ID, w2.ID} {
		if s := hookStats(t, in, id); s.Pending != 0 || s.Discarded != 1 {
			t.Fatalf("%s: %+v", id, s)
		}
	}
	// The retry time passes with a healthy receiver: nothing is left to send.
	rv.setStatus(nil)
	clock.Advance(2 * time.Hour)
	before := len(rv.all())
	// Reactivated, the webhook gets the next event only; once it has arrived, the old one has had every chance.
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true}), 200)
	rid := newCompletableRun(t, in, "b.dgn")
	completeRun(t, in, rid, wire.ResultSuccess)
	waitFor(t, "the new event", func() bool { return hookStats(t, in, w.ID).Sent == 1 })
	got := rv.all()[before:]
	var c wire.JobCompletedContent
	if len(got) != 1 || json.Unmarshal(got[0].ev.Content, &c) != nil || c.SynchronizationID != rid || got[0].ev.WebhookID != w.ID {
		t.Fatalf("after reactivation the receiver got %d deliveries", len(got))
	}
}

// TestWebhookSecretRotation: after PATCH secret, deliveries are signed with the new secret.
func TestWebhookSecretRotation(t *testing.T) {
	in := start(t)
	rv := newReceiver(t)
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	waitFor(t, "the first delivery", func() bool { return hookStats(t, in, w.ID).Sent == 1 })
	rotated := strings.Repeat("r0t4t3d-", 5)
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"secret": rotated}), 200)
	completeRun(t, in, newCompletableRun(t, in, "b.dgn"), wire.ResultSuccess)
	waitFor(t, "the second delivery", func() bool { return hookStats(t, in, w.ID).Sent == 2 })
	got := rv.all()
	checkSigned(t, got[:1], w, w.Secret)
	checkSigned(t, got[1:], w, rotated)
	if got[1].signature == sign(w.Secret, got[1].body) {
		t.Fatal("the old secret still signs")
	}
}

// TestWebhookQueueBound: with the outbox full, further deliveries are dropped and counted; the run still
// completes.
func TestWebhookQueueBound(t *testing.T) {
	clock := newFakeClock()
	in := start(t, holdClock(clock), itwinlocaltest.WithConfig(func(c *itwinlocal.Config) { c.WebhookQueueLimit = 2 }))
	rv := newReceiver(t)
	rv.setStatus(func(int, wire.WebhookEvent) int { return 503 })
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	for i := range 5 {
		rid := newCompletableRun(t, in, string(rune('a'+i))+".dgn")
		completeRun(t, in, rid, wire.ResultSuccess)
	}
	s := hookStats(t, in, w.ID)
	if s.Pending != 2 || s.Dropped != 3 {
		t.Fatalf("stats %+v", s)
	}
}

// TestWebhookScopes: an iTwin webhook gets the events of its iTwin only; an Account webhook those of every
// iTwin its owner can access; a webhook of a client without access gets nothing.
func TestWebhookScopes(t *testing.T) {
	main := itwinlocal.ClientConfig{ID: "main", Secret: "main-secret", ITwins: []string{"*"}}
	other := itwinlocal.ClientConfig{ID: "other", Secret: "other-secret"}
	in := start(t, itwinlocaltest.WithClients(main, other))
	r := in.Do(t, "POST", "/itwins", map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "second"})
	expectStatus(t, r, 201)
	var it2 wire.ITwinEnvelope
	r.JSON(t, &it2)

	rvITwin, rvAccount, rvOther := newReceiver(t), newReceiver(t), newReceiver(t)
	wi := activeWebhook(t, in, rvITwin, "iTwin", it2.ITwin.ID, wire.EventJobCompleted)
	wa := activeWebhook(t, in, rvAccount, "Account", "", wire.EventJobCompleted)
	otok := in.TokenFor(t, "other", "other-secret")
	r = in.DoAs(t, otok, "POST", "/webhooks", map[string]any{"callbackUrl": rvOther.srv.URL, "scope": "Account", "eventTypes": []string{wire.EventJobCompleted}})
	expectStatus(t, r, 201)
	var wo wire.Webhook
	r.JSON(t, &wo)
	expectStatus(t, in.DoAs(t, otok, "PATCH", "/webhooks/"+wo.ID, map[string]any{"active": true}), 200)

	// A run in the seed iTwin, then one in the second iTwin.
	rid1 := newCompletableRun(t, in, "a.dgn")
	completeRun(t, in, rid1, wire.ResultSuccess)
	r = in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": it2.ITwin.ID, "name": "second"})
	expectStatus(t, r, 201)
	var im2 wire.IModelEnvelope
	r.JSON(t, &im2)
	var top wire.StorageItemList
	in.Do(t, "GET", "/storage?iTwinId="+it2.ITwin.ID, nil).JSON(t, &top)
	root := top.Links.Folder.Href[strings.LastIndex(top.Links.Folder.Href, "/")+1:]
	fid := in.UploadFile(t, root, "b.dgn", []byte("b"))
	r = in.Do(t, "POST", sc, storageConnBody(im2.IModel.ID, fid))
	expectStatus(t, r, 201)
	var conn wire.ConnectionEnvelope
	r.JSON(t, &conn)
	rid2 := startRun(t, in, conn.Connection.ID)
	completeRun(t, in, rid2, wire.ResultSuccess)

	waitFor(t, "deliveries", func() bool {
		return hookStats(t, in, wa.ID).Sent == 2 && hookStats(t, in, wi.ID).Sent == 1
	})
	runsOf := func(rv *receiver) []string {
		var out []string
		for _, g := range rv.all() {
			var c wire.JobCompletedContent
			mustUnmarshal(t, g.ev.Content, &c)
			out = append(out, c.SynchronizationID)
		}
		sort.Strings(out)
		return out
	}
	want := []string{rid1, rid2}
	sort.Strings(want)
	if got := runsOf(rvAccount); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Account webhook: %v", got)
	}
	if got := runsOf(rvITwin); len(got) != 1 || got[0] != rid2 {
		t.Fatalf("iTwin webhook: %v", got)
	}
	if len(rvOther.all()) != 0 || hookStats(t, in, wo.ID) != (itwinlocal.WebhookDeliveryStats{}) {
		t.Fatalf("the other client's webhook got %d deliveries", len(rvOther.all()))
	}
}

// TestWebhookRestart: the outbox survives a restart. A delivery waiting for its retry is sent by the next server
// when its time comes; a delivery in flight when the server stopped is sent again (at least once), with the same
// messageId and body.
func TestWebhookRestart(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	rv := newReceiver(t)
	rv.setStatus(func(int, wire.WebhookEvent) int { return 503 })
	a := start(t, itwinlocaltest.WithDataDir(dir), holdClock(clock))
	w := activeWebhook(t, a, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, a, newCompletableRun(t, a, "a.dgn"), wire.ResultSuccess)
	waitFor(t, "the first attempt", func() bool { s := hookStats(t, a, w.ID); return s.Failed == 1 && s.Pending == 1 })
	if err := a.Server.Close(); err != nil {
		t.Fatal(err)
	}
	rv.setStatus(nil)
	b := start(t, itwinlocaltest.WithDataDir(dir), holdClock(clock))
	if s := hookStats(t, b, w.ID); s.Pending != 1 || s.Sent != 0 {
		t.Fatalf("after restart, before the retry time: %+v", s)
	}
	clock.Advance(2 * time.Hour)
	waitFor(t, "the retry after restart", func() bool { return hookStats(t, b, w.ID).Sent == 1 })
	got := rv.all()
	if len(got) != 2 || got[0].ev.MessageID != got[1].ev.MessageID || string(got[0].body) != string(got[1].body) {
		t.Fatalf("deliveries: %d", len(got))
	}
	checkSigned(t, got, w, w.Secret)

	// In flight while the server stops: the receiver holds the first request until the sender gives up.
	dir2 := t.TempDir()
	rv2 := newReceiver(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) }) // before rv2's server closes (cleanups run last-in first-out)
	rv2.setStatus(func(n int, _ wire.WebhookEvent) int {
		if n == 0 {
			close(arrived)
			<-release
		}
		return 200
	})
	c := start(t, itwinlocaltest.WithDataDir(dir2))
	w2 := activeWebhook(t, c, rv2, "Account", "", wire.EventJobCompleted)
	completeRun(t, c, newCompletableRun(t, c, "a.dgn"), wire.ResultSuccess)
	<-arrived
	if err := c.Server.Close(); err != nil { // cancels the attempt in flight
		t.Fatal(err)
	}
	d := start(t, itwinlocaltest.WithDataDir(dir2))
	waitFor(t, "the redelivery", func() bool { return hookStats(t, d, w2.ID).Sent == 1 })
	got = rv2.all()
	if len(got) != 2 || got[0].ev.MessageID != got[1].ev.MessageID || string(got[0].body) != string(got[1].body) {
		t.Fatalf("deliveries: %d", len(got))
	}
	if s := hookStats(t, d, w2.ID); s.Failed != 0 || s.Pending != 0 {
		t.Fatalf("stats after redelivery: %+v", s)
	}
}

// TestWebhookIModelEvents: iModelCreated and iModelDeleted (also for the iModels of a deleted iTwin), with the
// acting client's user id, to the webhooks whose scope covers the iTwin.
func TestWebhookIModelEvents(t *testing.T) {
	in := start(t)
	rvITwin, rvAccount := newReceiver(t), newReceiver(t)
	types := []string{wire.EventIModelCreated, wire.EventIModelDeleted}
	wi := activeWebhook(t, in, rvITwin, "iTwin", in.ITwinID, types...)
	wa := activeWebhook(t, in, rvAccount, "Account", "", types...)

	im := newIModel(t, in, "created")
	expectNoBody(t, in.Do(t, "DELETE", "/imodels/"+im, nil), 204)
	r := in.Do(t, "POST", "/itwins", map[string]string{"class": "Endeavor", "subClass": "Project", "displayName": "doomed"})
	expectStatus(t, r, 201)
	var it2 wire.ITwinEnvelope
	r.JSON(t, &it2)
	r = in.Do(t, "POST", "/imodels", map[string]any{"iTwinId": it2.ITwin.ID, "name": "inside"})
	expectStatus(t, r, 201)
	var im2 wire.IModelEnvelope
	r.JSON(t, &im2)
	expectNoBody(t, in.Do(t, "DELETE", "/itwins/"+it2.ITwin.ID, nil), 204)

	waitFor(t, "deliveries", func() bool { return hookStats(t, in, wa.ID).Sent == 4 && hookStats(t, in, wi.ID).Sent == 2 })
	user := itwinlocal.ClientUserID(in.ClientID)
	summary := func(rv *receiver, w wire.Webhook) []string {
		checkSigned(t, rv.all(), w, w.Secret)
		var out []string
		for _, g := range rv.all() {
			var c wire.IModelEventContent
			mustUnmarshal(t, g.ev.Content, &c)
			if c.UserID != user {
				t.Fatalf("userId %s, want %s", c.UserID, user)
			}
			out = append(out, g.ev.EventType+" "+c.IModelID+" "+g.ev.ITwinID)
		}
		sort.Strings(out)
		return out
	}
	want := []string{wire.EventIModelCreated + " " + im + " " + in.ITwinID, wire.EventIModelDeleted + " " + im + " " + in.ITwinID}
	if got := summary(rvITwin, wi); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("iTwin webhook:\n%s", strings.Join(got, "\n"))
	}
	want = append(want, wire.EventIModelCreated+" "+im2.IModel.ID+" "+it2.ITwin.ID, wire.EventIModelDeleted+" "+im2.IModel.ID+" "+it2.ITwin.ID)
	sort.Strings(want)
	if got := summary(rvAccount, wa); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Account webhook:\n%s", strings.Join(got, "\n"))
	}
}

// TestWebhookInbox: the loopback inbox records deliveries and checks their signature with the webhook's secret.
func TestWebhookInbox(t *testing.T) {
	in := start(t)
	w := createWebhook(t, in, map[string]any{"callbackUrl": in.URL + "/local/inbox/demo", "scope": "Account", "eventTypes": []string{wire.EventIModelCreated}})
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true}), 200)
	im := newIModel(t, in, "inbox")
	var box itwinlocal.InboxList
	waitFor(t, "the inbox delivery", func() bool {
		in.DoAs(t, "", "GET", "/local/inbox/demo", nil).JSON(t, &box)
		return box.Received == 1
	})
	e := box.Events[0]
	var ev wire.WebhookEvent
	mustUnmarshal(t, e.Event, &ev)
	var c wire.IModelEventContent
	mustUnmarshal(t, ev.Content, &c)
	if !e.SignatureValid || e.Signature != sign(w.Secret, e.Event) || e.ContentType != "application/json" || c.IModelID != im || ev.WebhookID != w.ID {
		t.Fatalf("inbox entry: %+v", e)
	}
	// A forged delivery is recorded as invalid; so is one naming an unknown webhook.
	forged := append([]byte(nil), e.Event...)
	expectNoBody(t, in.DoAs(t, "", "POST", "/local/inbox/demo", forged, "Signature", sign("not-the-secret", forged), "Content-Type", "application/json"), 204)
	unknown := strings.Replace(string(e.Event), w.ID, itwinlocal.NewGUID(), 1)
	expectNoBody(t, in.DoAs(t, "", "POST", "/local/inbox/demo", unknown, "Signature", sign(w.Secret, []byte(unknown))), 204)
	in.DoAs(t, "", "GET", "/local/inbox/demo", nil).JSON(t, &box)
	if box.Received != 3 || box.Events[1].SignatureValid || box.Events[2].SignatureValid || !box.Events[0].SignatureValid {
		t.Fatalf("inbox: %+v", box)
	}
	expectErr(t, in.DoAs(t, "", "POST", "/local/inbox/demo", "not json"), 400, "InvalidRequestBody", "")
	expectErr(t, in.DoAs(t, "", "GET", "/local/inbox/"+strings.Repeat("x", 65), nil), 404, "InboxNotFound", "")
	// Other inboxes are separate; DELETE empties one.
	in.DoAs(t, "", "GET", "/local/inbox/other", nil).JSON(t, &box)
	if box.Received != 0 || len(box.Events) != 0 {
		t.Fatalf("other inbox: %+v", box)
	}
	expectNoBody(t, in.DoAs(t, "", "DELETE", "/local/inbox/demo", nil), 204)
	in.DoAs(t, "", "GET", "/local/inbox/demo", nil).JSON(t, &box)
	if box.Received != 0 {
		t.Fatalf("after DELETE: %+v", box)
	}
}

// TestWebhookDeliveryFaults: the fault flags apply to delivery attempts as to POST /webhooks/deliveries.
func TestWebhookDeliveryFaults(t *testing.T) {
	// Every attempt fails without reaching the receiver; the API routes (not matched) are spared.
	in := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Faults = itwinlocal.FaultConfig{Rate5xx: 1, RoutePattern: "^/webhooks/deliveries$"}
	}))
	rv := newReceiver(t)
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	waitFor(t, "the drop", func() bool { return hookStats(t, in, w.ID).Dropped == 1 })
	if s := hookStats(t, in, w.ID); s.Failed != 4 || s.Sent != 0 || len(rv.all()) != 0 {
		t.Fatalf("stats %+v, receiver got %d", s, len(rv.all()))
	}

	// Faults limited to GET leave deliveries (POST) alone.
	in2 := start(t, itwinlocaltest.WithConfig(func(c *itwinlocal.Config) {
		c.Faults = itwinlocal.FaultConfig{Rate5xx: 1, Methods: []string{"GET"}}
	}))
	rv2 := newReceiver(t)
	w2 := activeWebhook(t, in2, rv2, "Account", "", wire.EventJobCompleted)
	completeRun(t, in2, newCompletableRun(t, in2, "a.dgn"), wire.ResultSuccess)
	waitFor(t, "the delivery", func() bool { return hookStats(t, in2, w2.ID).Sent == 1 })
	if s := hookStats(t, in2, w2.ID); s.Failed != 0 || len(rv2.all()) != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestWebhookUnsubscribedPendingDiscarded: a retry pending for an event type the webhook no longer subscribes
// to is discarded at send time; a new callbackUrl receives the retries of the types it still subscribes to.
func TestWebhookUnsubscribedPendingDiscarded(t *testing.T) {
	clock := newFakeClock()
	in := start(t, holdClock(clock))
	rv, rv2 := newReceiver(t), newReceiver(t)
	rv.setStatus(func(int, wire.WebhookEvent) int { return 503 })
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted, wire.EventIModelCreated)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	im := newIModel(t, in, "pending")
	waitFor(t, "the first attempts", func() bool { s := hookStats(t, in, w.ID); return s.Failed == 2 && s.Pending == 2 })
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"eventTypes": []string{wire.EventIModelCreated}, "callbackUrl": rv2.srv.URL}), 200)
	clock.Advance(2 * time.Hour)
	waitFor(t, "the retries", func() bool { s := hookStats(t, in, w.ID); return s.Pending == 0 })
	s := hookStats(t, in, w.ID)
	got := rv2.all()
	var c wire.IModelEventContent
	if s.Sent != 1 || s.Discarded != 1 || len(got) != 1 || got[0].ev.EventType != wire.EventIModelCreated || json.Unmarshal(got[0].ev.Content, &c) != nil || c.IModelID != im {
		t.Fatalf("stats %+v, new receiver got %d", s, len(got))
	}
	if len(rv.all()) != 2 {
		t.Fatalf("the old receiver got %d requests", len(rv.all()))
	}
}

// TestWebhookDeactivationWaitsForInFlight: a deactivation that commits while a delivery is in flight answers only
// after that delivery has finished, so nothing reaches the receiver after the answer.
func TestWebhookDeactivationWaitsForInFlight(t *testing.T) {
	in := start(t)
	rv := newReceiver(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	rv.setStatus(func(n int, _ wire.WebhookEvent) int {
		if n == 0 {
			close(arrived)
			<-release
		}
		return 200
	})
	w := activeWebhook(t, in, rv, "Account", "", wire.EventJobCompleted)
	completeRun(t, in, newCompletableRun(t, in, "a.dgn"), wire.ResultSuccess)
	<-arrived
	tok := in.Token(t)
	done := make(chan *itwinlocaltest.Response, 1)
	go func() { done <- in.DoAs(t, tok, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": false}) }()
	waitFor(t, "the deactivation to commit", func() bool {
		var got wire.Webhook
		in.Do(t, "GET", "/webhooks/"+w.ID, nil).JSON(t, &got)
		return !got.Active
	})
	select {
	case r := <-done:
		t.Fatalf("PATCH answered %d while a delivery was in flight", r.Status)
	default:
	}
	unblock()
	expectStatus(t, <-done, 200)
	if s := hookStats(t, in, w.ID); s.Sent != 1 || s.Pending != 0 || len(rv.all()) != 1 {
		t.Fatalf("stats %+v, %d requests", s, len(rv.all()))
	}
}

// TestWebhookRedirectNotFollowed: a 3xx is a failed attempt; the delivery never goes to the Location.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	in := start(t)
	target := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL+"/elsewhere", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	w := createWebhook(t, in, map[string]any{"callbackUrl": redirect.URL, "scope": "Account", "eventTypes": []string{wire.EventIModelCreated}})
	expectStatus(t, in.Do(t, "PATCH", "/webhooks/"+w.ID, map[string]any{"active": true}), 200)
	newIModel(t, in, "redirected")
	waitFor(t, "the drop", func() bool { return hookStats(t, in, w.ID).Dropped == 1 })
	if s := hookStats(t, in, w.ID); s.Failed != 4 || s.Sent != 0 || len(target.all()) != 0 {
		t.Fatalf("stats %+v; the redirect target got %d requests", s, len(target.all()))
	}
}
