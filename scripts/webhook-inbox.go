//go:build ignore

// webhook-inbox shows what a webhook delivered to itwin-local's loopback inbox, for `make demo` (scripts/demo.sh),
// which builds it with Go so that the demo needs nothing besides Go and Terraform. It waits until the inbox holds
// the synchronization.jobCompleted.v1 event of one run and the expected number of iModels.changesReady.v1
// events, prints each with its signature checked twice (by the inbox, which knows the webhook's secret, and here
// with the secret Terraform captured, read from $WEBHOOK_SECRET), then empties the inbox for the next run. It
// exits non-zero when an event is missing or a signature does not verify.
//
//	WEBHOOK_SECRET=... go run scripts/webhook-inbox.go -inbox http://127.0.0.1:8085/local/inbox/demo -run <run id> -changesets 2
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

type inbox struct {
	Received int64 `json:"received"`
	Events   []struct {
		Signature      string          `json:"signature"`
		SignatureValid bool            `json:"signatureValid"`
		Event          json.RawMessage `json:"event"`
	} `json:"events"`
}

type event struct {
	EventType string `json:"eventType"`
	MessageID string `json:"messageId"`
	Content   struct {
		SynchronizationID string `json:"synchronizationId"`
		Result            string `json:"result"`
		ChangesetID       string `json:"changesetId"`
		ChangesetIndex    int    `json:"changesetIndex"`
	} `json:"content"`
}

func main() {
	inboxURL := flag.String("inbox", "", "URL of the inbox (…/local/inbox/<name>)")
	runID := flag.String("run", "", "id of the run whose completion to wait for")
	changesets := flag.Int("changesets", 0, "number of changesReady events to wait for")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for the events")
	flag.Parse()
	secret := os.Getenv("WEBHOOK_SECRET")
	if *inboxURL == "" || *runID == "" || secret == "" {
		fail("usage: WEBHOOK_SECRET=... go run scripts/webhook-inbox.go -inbox URL -run RUN_ID [-changesets N]")
	}

	deadline := time.Now().Add(*timeout)
	var box inbox
	for {
		box = get(*inboxURL)
		completed, changes := 0, 0
		for _, e := range box.Events {
			var ev event
			_ = json.Unmarshal(e.Event, &ev)
			switch {
			case ev.EventType == "synchronization.jobCompleted.v1" && ev.Content.SynchronizationID == *runID:
				completed++
			case ev.EventType == "iModels.changesReady.v1":
				changes++
			}
		}
		if completed > 0 && changes >= *changesets {
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Sprintf("the inbox did not receive the completion of run %s and %d changesReady event(s) within %s (it holds %d event(s))",
				*runID, *changesets, *timeout, len(box.Events)))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Delivery is unordered: show the completion first, then the changesets by index.
	sort.SliceStable(box.Events, func(i, j int) bool {
		a, b := decode(box.Events[i].Event), decode(box.Events[j].Event)
		if a.EventType != b.EventType {
			return a.EventType > b.EventType // "synchronization…" before "iModels…"
		}
		return a.Content.ChangesetIndex < b.Content.ChangesetIndex
	})
	bad := 0
	for _, e := range box.Events {
		ev := decode(e.Event)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(e.Event)
		ours := hmac.Equal([]byte(e.Signature), []byte("sha256="+hex.EncodeToString(m.Sum(nil))))
		verdict := "signature valid"
		if !ours || !e.SignatureValid {
			verdict = fmt.Sprintf("SIGNATURE INVALID (inbox: %t, webhook_secret: %t)", e.SignatureValid, ours)
			bad++
		}
		what := ""
		switch ev.EventType {
		case "synchronization.jobCompleted.v1":
			what = fmt.Sprintf("run %s, result %q", ev.Content.SynchronizationID, ev.Content.Result)
		case "iModels.changesReady.v1":
			what = fmt.Sprintf("changeset #%d %s", ev.Content.ChangesetIndex, ev.Content.ChangesetID)
		}
		fmt.Printf("  %-32s %-60s %s\n", ev.EventType, what, verdict)
	}
	fmt.Println("  (each Signature checked by the inbox and here with the webhook_secret output: sha256=HMAC-SHA256 of the body)")
	// Empty the inbox so that the next run's events are shown alone.
	req, _ := http.NewRequest(http.MethodDelete, *inboxURL, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	if bad > 0 {
		fail(fmt.Sprintf("%d delivery(ies) with an invalid signature", bad))
	}
}

func decode(raw json.RawMessage) event {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		fail(fmt.Sprintf("the inbox holds a delivery that is not an event: %s", raw))
	}
	return ev
}

func get(u string) inbox {
	resp, err := http.Get(u)
	if err != nil {
		fail("reading the inbox: " + err.Error())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var box inbox
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &box) != nil {
		fail(fmt.Sprintf("reading the inbox: %d %s", resp.StatusCode, strings.TrimSpace(string(body))))
	}
	return box
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "webhook-inbox: "+msg)
	os.Exit(1)
}
