package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// localFileInfo is what the plan needs to know about a local source file.
type localFileInfo struct {
	Hash string // sha256, lower-case hex
	Size int64
}

// hashLocalFile streams a local file through sha256 so that files of any size cost a fixed amount of memory.
func hashLocalFile(name string) (localFileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return localFileInfo{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return localFileInfo{}, err
	}
	if st.IsDir() {
		return localFileInfo{}, fmt.Errorf("%s is a directory, not a file", name)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return localFileInfo{}, fmt.Errorf("reading %s: %w", name, err)
	}
	return localFileInfo{Hash: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// describeLocalFileError turns an open/stat error into a sentence a user can act on.
func describeLocalFileError(name string, err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("The source file %q does not exist. Check the path (relative paths are resolved from the directory Terraform runs in; path.module helps in modules).", name)
	case errors.Is(err, os.ErrPermission):
		return fmt.Sprintf("The source file %q cannot be read: permission denied.", name)
	default:
		return fmt.Sprintf("The source file %q cannot be read: %s.", name, err)
	}
}

// stringOrNullValue maps the API's "absent or empty" to a Terraform null.
func stringOrNullValue(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// descriptionValue maps a description from the API to the state. The API does not tell "" from absent, so an
// empty description is recorded as "" only where the reference (the plan on create/update, the prior state on
// read) holds "", and as null otherwise; a configured "" thus stays "" and an unset one stays null.
func descriptionValue(server string, ref types.String) types.String {
	if server == "" && (ref.IsNull() || ref.IsUnknown() || ref.ValueString() != "") {
		return types.StringNull()
	}
	return types.StringValue(server)
}

// storageItemUpdate builds the PATCH body of a folder or file with only the fields that change. A description
// going to null or "" is sent as "" so that it is really cleared.
func storageItemUpdate(planName, planDesc, stateName, stateDesc types.String) wire.StorageItemUpdate {
	var u wire.StorageItemUpdate
	if !planName.Equal(stateName) {
		u.DisplayName = wire.Ptr(planName.ValueString())
	}
	if !planDesc.Equal(stateDesc) {
		u.Description = wire.Ptr(planDesc.ValueString())
	}
	return u
}

// timestampValue renders an API date as RFC 3339 (UTC), or null when the server did not send one.
func timestampValue(t wire.Timestamp) timetypes.RFC3339 {
	if t.IsZero() {
		return timetypes.NewRFC3339Null()
	}
	return timetypes.NewRFC3339ValueMust(t.UTC().Format(time.RFC3339Nano))
}

// A new iModel is polled every imodelPollMin at first, doubling up to imodelPollMax.
const (
	imodelPollMin = 500 * time.Millisecond
	imodelPollMax = 10 * time.Second
)

// waitIModelInitialized polls an iModel until its state is "initialized" (internal/wire/testdata/spec/api.md §9.3: a new iModel may start as
// notInitialized). The interval doubles from minInterval up to maxInterval; ctx bounds the whole wait.
func waitIModelInitialized(ctx context.Context, get func(context.Context) (*wire.IModel, error),
	sleep func(context.Context, time.Duration) error, minInterval, maxInterval time.Duration) (*wire.IModel, error) {
	interval := minInterval
	for {
		m, err := get(ctx)
		if err != nil {
			return nil, err
		}
		if m.State == wire.IModelStateInitialized {
			return m, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return m, fmt.Errorf("the iModel is still %q: %w", m.State, err)
		}
		interval *= 2
		if interval > maxInterval {
			interval = maxInterval
		}
	}
}

// presignedURLExpiry reads the expiry a pre-signed URL carries, when it follows a known convention: Azure SAS
// `se=` (an RFC 3339 time, or Unix seconds as itwin-local emits) or AWS SigV4 `X-Amz-Date` + `X-Amz-Expires`. It returns false when none is present.
func presignedURLExpiry(raw string) (time.Time, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return time.Time{}, false
	}
	q := u.Query()
	for k, vs := range q {
		if strings.EqualFold(k, "se") && len(vs) > 0 {
			if t, err := time.Parse(time.RFC3339, vs[0]); err == nil {
				return t.UTC(), true
			}
			// itwin-local signs with Unix seconds.
			if secs, err := strconv.ParseInt(vs[0], 10, 64); err == nil && secs > 0 {
				return time.Unix(secs, 0).UTC(), true
			}
		}
	}
	if d, e := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"); d != "" && e != "" {
		start, err1 := time.Parse("20060102T150405Z", d)
		secs, err2 := strconv.Atoi(e)
		if err1 == nil && err2 == nil {
			return start.Add(time.Duration(secs) * time.Second).UTC(), true
		}
	}
	return time.Time{}, false
}
