package itwin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func TestAPIErrorDecodingAndText(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   string
		text   string
	}{
		{"envelope with details", 409, `{"error":{"code":"FileAlreadyMapped","message":"The SourceFile is already mapped to the iModel.",
			"details":[{"code":"InvalidValue","message":"` + tFile + ` is mapped by connection x.","target":"sourceFiles"}]}}`,
			"FileAlreadyMapped", "409 FileAlreadyMapped: The SourceFile is already mapped to the iModel. (sourceFiles: " + tFile + " is mapped by connection x.)"},
		{"target and detail without target", 422, `{"error":{"code":"InvalidStorageConnectionRequest","message":"Cannot perform operation.","target":"body",
			"details":[{"code":"MissingRequiredProperty","message":"iModelId is required."}]}}`,
			"InvalidStorageConnectionRequest", "422 InvalidStorageConnectionRequest: Cannot perform operation. (target body; MissingRequiredProperty: iModelId is required.)"},
		{"plain", 404, `{"error":{"code":"StorageConnectionNotFound","message":"Requested StorageConnection is not available.","target":null}}`,
			"StorageConnectionNotFound", "404 StorageConnectionNotFound: Requested StorageConnection is not available."},
		{"legacy gateway", 401, `{"statusCode":401,"message":"Access denied due to invalid access_token=abc.def"}`,
			CodeUnknown, "401 Unknown: Access denied due to invalid access_token=REDACTED"},
		{"html", 502, "<html><body>Bad gateway\n https://blob.example/x?sig=SECRETSIG </body></html>",
			CodeUnknown, "502 Unknown: <html><body>Bad gateway https://blob.example/x?sig=REDACTED </body></html>"},
		{"empty", 503, "", CodeUnknown, "503 Unknown: Service Unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.handle("GET "+syncIM+"/storageconnections/"+tCID, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			_, err := f.client(func(c *Config) { c.MaxRetries = 0 }).Connections(wire.KindStorage).Get(t.Context(), tCID)
			apiErr, ok := AsAPIError(err)
			if !ok {
				t.Fatalf("err = %T %v", err, err)
			}
			if apiErr.Status != tc.status || apiErr.Code != tc.code || ErrorCode(err) != tc.code {
				t.Errorf("status/code = %d %s", apiErr.Status, apiErr.Code)
			}
			if apiErr.Method != "GET" || !strings.HasSuffix(apiErr.Path, "/storageconnections/"+tCID) {
				t.Errorf("method/path = %s %s", apiErr.Method, apiErr.Path)
			}
			if err.Error() != tc.text {
				t.Errorf("Error() =\n %q\nwant\n %q", err.Error(), tc.text)
			}
			wrapped := fmt.Errorf("creating storage connection: %w", err)
			if !IsStatus(wrapped, tc.status) || ErrorCode(wrapped) != tc.code {
				t.Error("helpers must see through wrapping")
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	nf := &APIError{Status: 404, Code: "X"}
	cf := &APIError{Status: 409, Code: "RunAlreadyRequested"}
	if !IsNotFound(nf) || IsNotFound(cf) || !IsConflict(cf) || IsConflict(nf) {
		t.Error("IsNotFound/IsConflict")
	}
	plain := errors.New("boom")
	if IsNotFound(plain) || ErrorCode(plain) != "" || IsStatus(nil, 404) {
		t.Error("non-API errors")
	}
	if _, ok := AsAPIError(plain); ok {
		t.Error("AsAPIError on a plain error")
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&APIError{Status: 429}, true},
		{&APIError{Status: 500}, true},
		{&APIError{Status: 503}, true},
		{&APIError{Status: 404}, false},
		{&APIError{Status: 401}, false},
		{&TransportError{Method: "GET", URL: "u", Err: errors.New("reset")}, true},
		{fmt.Errorf("x: %w", &TransportError{Method: "GET", URL: "u", Err: context.Canceled}), false},
		{context.DeadlineExceeded, false},
		{&AuthError{Message: "invalid_client"}, false},
		{plain, false},
		{nil, false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v", tc.err, got)
		}
	}
	te := &TransportError{Method: "PUT", URL: RedactURL("https://b/x?sig=abc"), Err: errors.New(`Put "https://b/x?sig=abc": EOF`)}
	if strings.Contains(te.Error(), "abc") {
		t.Errorf("TransportError leaks: %s", te)
	}
	su := &StartUncertainError{ConnectionID: "c1", Err: &APIError{Status: 500, Code: "Boom", Message: "m"}}
	if !IsStatus(su, 500) || !strings.Contains(su.Error(), "c1") || !strings.Contains(su.Error(), "last run") {
		t.Errorf("StartUncertainError: %s", su)
	}
}
