package engine_test

import (
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
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// TestWebhookEventsExactlyOnce: a run whose task is retried after a transient failure, and whose engine stops
// after the first task pushed its changeset, produces exactly one event per cause across both servers: one
// changesReady per changeset and one jobCompleted, each with one messageId.
func TestWebhookEventsExactlyOnce(t *testing.T) {
	var mu sync.Mutex
	var got []wire.WebhookEvent
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev wire.WebhookEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("delivery: %s", b)
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer rv.Close()

	dir := t.TempDir()
	g := newGate(once(func(r itwinlocal.RunRecord) bool {
		return r.State == wire.StateExecuting && len(r.Jobs) > 0 && len(r.Jobs[0].Tasks) == 2 && r.Jobs[0].Tasks[0].State == wire.StateCompleted
	}))
	fault := func(name string, attempt int) error {
		if name == "b.ifc" && attempt == 0 {
			return &connector.Error{Code: "TAE_TIMEOUT", Message: "slow"}
		}
		return nil
	}
	f1 := start(t, engine.Options{AfterTransition: g.hook, TaskFault: fault}, itwinlocaltest.WithDataDir(dir))
	r := f1.in.Do(t, "POST", "/webhooks", map[string]any{"callbackUrl": rv.URL, "scope": "iTwin", "scopeId": f1.in.ITwinID,
		"eventTypes": []string{wire.EventJobCompleted, wire.EventChangesReady}})
	expectStatus(t, r, 201)
	var hook wire.Webhook
	r.JSON(t, &hook)
	expectStatus(t, f1.in.Do(t, "PATCH", "/webhooks/"+hook.ID, map[string]any{"active": true}), 200)

	fa := f1.in.UploadFile(t, "", "a.ifc", ifcDoc(walls(1, 3)...))
	fb := f1.in.UploadFile(t, "", "b.ifc", ifcDoc(walls(10, 2)...))
	cid := f1.newConn(t, f1.in.IModelID, "Service", sfile{fa, "IFC"}, sfile{fb, "IFC"})
	rid := f1.startRun(t, cid)
	g.waitReached(t)
	f1.in.HTTP.Close()
	if err := f1.in.Server.Close(); err != nil {
		t.Fatal(err)
	}

	f2 := start(t, engine.Options{TaskFault: fault}, itwinlocaltest.WithDataDir(dir))
	run := f2.wait(t, sc, cid, rid)
	if run.Result != wire.ResultSuccess || taskFor(t, run, fb).RetryAttempts != 1 {
		t.Fatalf("run: %s", mustJSON(run))
	}
	cs := f2.changesets(t, f2.in.IModelID)
	if len(cs) != 2 {
		t.Fatalf("changesets: %d", len(cs))
	}
	want := []string{wire.EventJobCompleted + " " + rid + " success"}
	for _, c := range cs {
		want = append(want, wire.EventChangesReady+" "+c.ID)
	}
	sort.Strings(want)
	for deadline := time.Now().Add(20 * time.Second); ; {
		var st itwinlocal.StatsResponse
		f2.in.DoAs(t, "", "GET", "/local/stats", nil).JSON(t, &st)
		if s := st.Webhooks[hook.ID]; s.Pending == 0 && s.Sent > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending: %+v", st.Webhooks)
		}
		time.Sleep(2 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	byMessage := map[string]string{}
	for _, ev := range got {
		var c struct {
			SynchronizationID, ChangesetID, Result string
		}
		_ = json.Unmarshal(ev.Content, &c)
		key := ev.EventType + " " + c.ChangesetID
		if ev.EventType == wire.EventJobCompleted {
			key = ev.EventType + " " + c.SynchronizationID + " " + c.Result
		}
		if prev, ok := byMessage[ev.MessageID]; ok && prev != key {
			t.Fatalf("messageId %s reused for %s and %s", ev.MessageID, prev, key)
		}
		byMessage[ev.MessageID] = key
	}
	var keys []string
	for _, k := range byMessage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events (one per messageId):\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
}
