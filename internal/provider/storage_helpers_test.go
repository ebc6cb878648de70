package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestHashLocalFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.ifc")
	// Larger than io.Copy's 32 KiB buffer, so the streaming path runs several reads.
	content := strings.Repeat("ISO-10303-21;\n", 5000)
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := hashLocalFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if info.Hash != sha256Hex(content) || info.Size != int64(len(content)) {
		t.Fatalf("got %+v, want hash %s size %d", info, sha256Hex(content), len(content))
	}

	if _, err := hashLocalFile(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("hashing a directory: got %v, want a 'directory' error", err)
	}
	missing := filepath.Join(dir, "missing.ifc")
	_, err = hashLocalFile(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: got %v, want ErrNotExist", err)
	}
	if msg := describeLocalFileError(missing, err); !strings.Contains(msg, "does not exist") || !strings.Contains(msg, missing) {
		t.Fatalf("message %q should say the file does not exist and name it", msg)
	}
}

func TestPresignedURLExpiry(t *testing.T) {
	cases := []struct {
		url  string
		want string // RFC 3339, "" = not derivable
	}{
		{"http://127.0.0.1:8085/blobs/download/abc?se=1767225600&sig=xyz", "2026-01-01T00:00:00Z"},
		{"https://acct.blob.core.windows.net/c/f?sv=2021&se=2026-01-01T10%3A00%3A00Z&sig=abc", "2026-01-01T10:00:00Z"},
		{"https://b.s3.amazonaws.com/f?X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=x", "2026-01-01T01:00:00Z"},
		{"https://example.com/file?token=abc", ""},
		{"::not a url", ""},
	}
	for _, c := range cases {
		got, ok := presignedURLExpiry(c.url)
		if c.want == "" {
			if ok {
				t.Errorf("%s: got %v, want no expiry", c.url, got)
			}
			continue
		}
		if !ok || got.Format(time.RFC3339) != c.want {
			t.Errorf("%s: got %v (%v), want %s", c.url, got, ok, c.want)
		}
	}
}

func TestWaitIModelInitialized(t *testing.T) {
	states := []string{"notInitialized", "notInitialized", "notInitialized", "notInitialized", "initialized"}
	calls := 0
	get := func(context.Context) (*wire.IModel, error) {
		s := states[calls]
		calls++
		return &wire.IModel{ID: "m", State: s}, nil
	}
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	m, err := waitIModelInitialized(t.Context(), get, sleep, time.Second, 3*time.Second)
	if err != nil || m.State != "initialized" {
		t.Fatalf("got %+v, %v", m, err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	if len(slept) != len(want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}
	for i := range want {
		if slept[i] != want[i] {
			t.Fatalf("slept %v, want %v (doubling, capped)", slept, want)
		}
	}

	// The create timeout ends the wait with an error that keeps the cause.
	never := func(context.Context) (*wire.IModel, error) { return &wire.IModel{State: "notInitialized"}, nil }
	timeout := func(context.Context, time.Duration) error { return context.DeadlineExceeded }
	if _, err := waitIModelInitialized(t.Context(), never, timeout, time.Millisecond, time.Millisecond); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "notInitialized") {
		t.Fatalf("got %v, want a DeadlineExceeded error naming the state", err)
	}

	// API errors stop the wait at once.
	boom := errors.New("boom")
	failing := func(context.Context) (*wire.IModel, error) { return nil, boom }
	if _, err := waitIModelInitialized(t.Context(), failing, sleep, time.Millisecond, time.Millisecond); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

func TestChangesetsValue(t *testing.T) {
	push := wire.NewTimestamp(time.Date(2025, 3, 14, 9, 29, 39, 881000200, time.UTC))
	list := changesetsValue([]wire.Changeset{
		{ID: "aa", Index: 1, Description: "first", PushDateTime: push,
			SynchronizationInfo: &wire.SynchronizationInfo{TaskID: "t1", ChangedFiles: []string{"a.ifc", "b.geojson"}}},
		{ID: "bb", Index: 2, Description: "manual"},
	})
	if len(list.Elements()) != 2 {
		t.Fatalf("got %d elements", len(list.Elements()))
	}
	first := list.Elements()[0].(types.Object).Attributes()
	if first["task_id"].(types.String).ValueString() != "t1" || first["pushed_at"].(timetypes.RFC3339).ValueString() != "2025-03-14T09:29:39.8810002Z" {
		t.Fatalf("first changeset: %v", first)
	}
	if files := first["changed_files"].(types.List).Elements(); len(files) != 2 || files[1].(types.String).ValueString() != "b.geojson" {
		t.Fatalf("changed_files: %v", files)
	}
	second := list.Elements()[1].(types.Object).Attributes()
	if !second["task_id"].IsNull() || !second["changed_files"].IsNull() || !second["pushed_at"].IsNull() {
		t.Fatalf("a changeset without synchronizationInfo must have null task_id/changed_files: %v", second)
	}
	if second["index"].(types.Int64).ValueInt64() != 2 {
		t.Fatalf("index: %v", second["index"])
	}
	if empty := changesetsValue(nil); empty.IsNull() || len(empty.Elements()) != 0 {
		t.Fatalf("no changesets must be an empty list, got %v", empty)
	}
}
